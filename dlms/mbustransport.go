package dlms

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/mbus"
)

// DLMS over wired M-Bus, as Austrian push meters send it on their customer
// interface (Kaifa MA309 at EVN/Netz NÖ, TINETZ, Salzburg Netz; Sagemcom
// T210-D at EVN): EN 13757-2 long frames, each carrying one segment of the
// APDU behind a CI field and a pair of transport service access points:
//
//	68 L L 68 | C | A | CI | STSAP | DTSAP | APDU segment | CS | 16
//
// CI 0x00..0x1F (EN 13757-3 reserves them for DLMS-based applications) is
// the segmentation byte: bits 3-0 count the segments from 0, bit 4 marks
// the last one. Two-frame messages use CI 00 then 11, a single frame CI 10.
// Every frame repeats STSAP and DTSAP (01 67 in all samples); the APDU is
// the concatenation of what follows them. The checksum is the 8-bit sum of
// C through the last segment byte.
//
// Sagemcom T210-D meters at EVN before firmware V0450 (May 2023) sent a
// first frame of 257 bytes after the L field and wrote only the low byte
// of that length: 68 01 01 68. Such a frame is accepted when reading L as
// L+256 puts the stop byte and a matching checksum where they belong; the
// segment then has Wrapped set (MBusAssembler.RejectWrapped refuses it).

// MBusSegment is one wired M-Bus long frame carrying a DLMS APDU segment.
// Payload aliases the input.
type MBusSegment struct {
	C, A, CI     byte // control (53: SND_UD), address (FF: broadcast), control information
	Seq          int  // segment number, CI bits 3-0
	Last         bool // CI bit 4: the last segment
	STSAP, DTSAP byte // source and destination transport service access points
	// Payload is the APDU segment after STSAP and DTSAP, at offset 9.
	Payload  []byte
	Checksum byte // the frame's 8-bit sum of C..last payload byte
	// Len is the number of input bytes the frame takes.
	Len int
	// Wrapped says the L field held only the low byte of a length above
	// 255 (see the package notes on the Sagemcom T210-D).
	Wrapped bool
}

// mbusPayloadOffset is where the APDU segment starts in a frame.
const mbusPayloadOffset = 9

func merr(err error, off int, detail string) error {
	return &codec.Error{Layer: "mbus-dlms", Offset: off, Err: err, Detail: detail}
}

func mbusSum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// wrappedMBus reads the long frame at b[0:] with its L field taken as
// L+256. It returns the frame length, 0 if b is too short to tell, or -1
// if the frame does not fit that reading.
func wrappedMBus(b []byte) int {
	if len(b) < 4 || b[0] != mbus.LongByte || b[1] != b[2] || b[3] != mbus.LongByte {
		return -1
	}
	l := int(b[1]) + 256
	total := l + 6
	if len(b) < total {
		return 0
	}
	if b[total-1] != mbus.StopByte || mbusSum(b[4:4+l]) != b[4+l] {
		return -1
	}
	return total
}

// ParseMBusSegment parses the wired M-Bus long frame at the start of b and
// its DLMS segmentation header, and returns it with the number of bytes it
// took. Errors wrap codec.ErrTruncated, codec.ErrCRC (checksum mismatch),
// codec.ErrMalformed (not a long frame, CI outside 00..1F, no room for
// STSAP and DTSAP) or codec.ErrUnsupported (CI 60/61/7C/7D: DLMS with an
// M-Bus transport header, not seen in any sample).
func ParseMBusSegment(b []byte) (MBusSegment, int, error) {
	var s MBusSegment
	f, n, err := mbus.ParseFrame(b)
	if err != nil {
		w := wrappedMBus(b)
		if w <= 0 {
			return s, 0, err
		}
		l := w - 6
		f = mbus.Frame{Kind: mbus.KindLong, C: b[4], A: b[5], CI: b[6], Data: b[7 : 4+l], DataOffset: 7, Checksum: b[4+l]}
		n = w
		s.Wrapped = true
	}
	if f.Kind != mbus.KindLong {
		return s, 0, merr(codec.ErrMalformed, 0, f.Kind.String()+" frame; DLMS segments travel in long frames")
	}
	switch {
	case f.CI <= 0x1F:
	case f.CI == 0x60 || f.CI == 0x61 || f.CI == 0x7C || f.CI == 0x7D:
		return s, 0, merr(codec.ErrUnsupported, 6, "CI 0x"+strconv.FormatUint(uint64(f.CI), 16)+": DLMS with an M-Bus transport header is not supported (only segmented CI 00..1F)")
	default:
		return s, 0, merr(codec.ErrMalformed, 6, "CI 0x"+strconv.FormatUint(uint64(f.CI), 16)+" is not a DLMS segment (00..1F)")
	}
	if len(f.Data) < 2 {
		return s, 0, merr(codec.ErrMalformed, 7, "no room for STSAP and DTSAP")
	}
	s.C, s.A, s.CI = f.C, f.A, f.CI
	s.Seq = int(f.CI & 0x0F)
	s.Last = f.CI&0x10 != 0
	s.STSAP, s.DTSAP = f.Data[0], f.Data[1]
	s.Payload = f.Data[2:]
	s.Checksum = f.Checksum
	s.Len = n
	return s, n, nil
}

// AppendMBusSegments appends apdu to dst as DLMS M-Bus long frames of at
// most maxPayload APDU bytes each (0 or more than 250: 250), with control
// c, address a and the given service access points.
func AppendMBusSegments(dst []byte, c, a, stsap, dtsap byte, maxPayload int, apdu []byte) ([]byte, error) {
	if maxPayload <= 0 || maxPayload > 250 {
		maxPayload = 250
	}
	nseg := (len(apdu) + maxPayload - 1) / maxPayload
	if nseg == 0 {
		nseg = 1
	}
	if nseg > 16 {
		return dst, merr(codec.ErrUnsupported, -1, "APDU of "+strconv.Itoa(len(apdu))+" bytes needs more than 16 segments")
	}
	var seg [252]byte
	for i := range nseg {
		part := apdu[i*maxPayload : min(len(apdu), (i+1)*maxPayload)]
		ci := byte(i)
		if i == nseg-1 {
			ci |= 0x10
		}
		seg[0], seg[1] = stsap, dtsap
		n := copy(seg[2:], part)
		var err error
		if dst, err = mbus.AppendLong(dst, c, a, ci, seg[:2+n]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// Layer describes the segment for explanations.
func (s *MBusSegment) Layer() codec.Layer {
	h2 := func(v byte) string { return strconv.FormatUint(uint64(v)|0x100, 16)[1:] }
	lv := strconv.Itoa(s.Len - 6)
	note := ""
	if s.Wrapped {
		note = "L field wrapped: real length " + lv + " (Sagemcom T210-D before V0450)"
	}
	return codec.Layer{Name: "mbus-dlms", Len: s.Len, Note: note, Fields: []codec.Field{
		{Name: "start", Offset: 0, Len: 4, Value: lv},
		{Name: "C", Offset: 4, Len: 1, Hex: h2(s.C)},
		{Name: "A", Offset: 5, Len: 1, Hex: h2(s.A)},
		{Name: "CI", Offset: 6, Len: 1, Hex: h2(s.CI), Meaning: "segment " + strconv.Itoa(s.Seq) + map[bool]string{true: ", last", false: ", more follow"}[s.Last]},
		{Name: "STSAP", Offset: 7, Len: 1, Hex: h2(s.STSAP)},
		{Name: "DTSAP", Offset: 8, Len: 1, Hex: h2(s.DTSAP)},
		{Name: "segment", Offset: mbusPayloadOffset, Len: len(s.Payload), Value: strconv.Itoa(len(s.Payload)) + " bytes"},
		{Name: "CS", Offset: s.Len - 2, Len: 1, Hex: h2(s.Checksum), Value: "ok"},
		{Name: "stop", Offset: s.Len - 1, Len: 1, Hex: "16"},
	}}
}

// MBusAssembler joins DLMS M-Bus segments, given in order, into the APDU.
// It keeps one buffer: not safe for concurrent use. The zero value is
// ready, with the default limits.
type MBusAssembler struct {
	// MaxSize bounds the APDU (0: DefaultMaxAPDU). Segment numbers have 4
	// bits, so a message has at most 16 segments.
	MaxSize int
	// RejectWrapped refuses frames whose L field wrapped (see the package
	// notes) instead of accepting them.
	RejectWrapped bool

	buf     []byte
	next    int // segment expected next; 0: none pending
	addr    byte
	dropped int
}

// Reset drops a partly assembled message.
func (a *MBusAssembler) Reset() {
	a.buf = a.buf[:0]
	a.next = 0
}

// Pending returns the number of segments waiting for the last one.
func (a *MBusAssembler) Pending() int { return a.next }

// Dropped returns how many messages were abandoned: by an error, or
// because segment 0 of a new message arrived before the last segment of
// the pending one.
func (a *MBusAssembler) Dropped() int { return a.dropped }

func (a *MBusAssembler) drop() {
	a.Reset()
	a.dropped++
}

// Add takes the next segment. It returns the APDU and true when s is the
// last segment; nil and false while segments are pending. The APDU aliases
// s (a single-frame message) or the assembler's buffer until the next Add.
// Segment 0 always starts a new message; a pending one is then dropped and
// counted in Dropped.
//
// Errors say what happened to s: codec.ErrMalformed for a gap or a
// different address (s and the pending message are dropped), a segment
// without its predecessors (ignored) or a wrapped L field with
// RejectWrapped; codec.ErrUnsupported when the message exceeds MaxSize.
func (a *MBusAssembler) Add(s *MBusSegment) ([]byte, bool, error) {
	if s.Wrapped && a.RejectWrapped {
		if a.next != 0 {
			a.drop()
		}
		return nil, false, merr(codec.ErrMalformed, 1, "L field wrapped (length "+strconv.Itoa(s.Len-6)+" sent as "+strconv.Itoa((s.Len-6)&0xFF)+"); refused by RejectWrapped")
	}
	maxSize := a.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxAPDU
	}
	switch {
	case s.Seq == 0:
		if a.next != 0 {
			a.drop()
		}
		if s.Last {
			if len(s.Payload) > maxSize {
				a.dropped++
				return nil, false, merr(codec.ErrUnsupported, -1, "APDU longer than "+strconv.Itoa(maxSize)+" bytes (MaxSize)")
			}
			return s.Payload, true, nil
		}
		a.buf = a.buf[:0]
		a.addr = s.A
	case a.next == 0:
		return nil, false, merr(codec.ErrMalformed, 6, "segment "+strconv.Itoa(s.Seq)+" without the segments before it; ignored")
	case s.Seq != a.next:
		want := a.next
		a.drop()
		return nil, false, merr(codec.ErrMalformed, 6, "segment "+strconv.Itoa(s.Seq)+" where segment "+strconv.Itoa(want)+" was expected; message dropped")
	case s.A != a.addr:
		a.drop()
		return nil, false, merr(codec.ErrMalformed, 5, "segment from address "+strconv.Itoa(int(s.A))+" while a message from "+strconv.Itoa(int(a.addr))+" was pending; message dropped")
	}
	if len(a.buf)+len(s.Payload) > maxSize {
		a.drop()
		return nil, false, merr(codec.ErrUnsupported, -1, "APDU longer than "+strconv.Itoa(maxSize)+" bytes (MaxSize); message dropped")
	}
	a.buf = append(a.buf, s.Payload...)
	if !s.Last {
		if s.Seq == 15 {
			a.drop()
			return nil, false, merr(codec.ErrUnsupported, 6, "more than 16 segments; message dropped")
		}
		a.next = s.Seq + 1
		return nil, false, nil
	}
	a.next = 0
	return a.buf, true, nil
}

// ParseMBusTransport reassembles the APDU from consecutive DLMS M-Bus
// frames at the start of b and returns it with the number of bytes the
// frames took. The APDU is a new slice. Errors are those of
// ParseMBusSegment and MBusAssembler.Add, and codec.ErrTruncated when b
// ends before the last segment.
func ParseMBusTransport(b []byte) ([]byte, int, error) {
	var a MBusAssembler
	off := 0
	for {
		s, n, err := ParseMBusSegment(b[off:])
		if err != nil {
			var ce *codec.Error
			if errors.As(err, &ce) {
				ce.Offset += off
			}
			return nil, 0, err
		}
		apdu, done, err := a.Add(&s)
		if err != nil {
			return nil, 0, err
		}
		off += n
		if done {
			return bytes.Clone(apdu), off, nil
		}
		if off >= len(b) {
			return nil, 0, merr(codec.ErrTruncated, off, "input ends after segment "+strconv.Itoa(s.Seq)+"; the last segment is missing")
		}
	}
}

// SplitMBus is a bufio.SplitFunc that returns one wired M-Bus long frame
// per token, ready for ParseMBusSegment. It resynchronises after noise by
// moving to the next 68 that starts a plausible 68 L L 68 header; single
// characters and short frames are skipped (push meters send only long
// frames). A frame whose stop byte sits where L says becomes a token even
// with a bad checksum, so ParseMBusSegment can report it, unless reading L
// as L+256 (see the package notes) gives a frame with a matching checksum.
// The splitter never holds more than 517 bytes for one candidate.
func SplitMBus(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := 0
	for {
		j := bytes.IndexByte(data[i:], mbus.LongByte)
		if j < 0 {
			return len(data), nil, nil
		}
		i += j
		c := data[i:]
		if len(c) < 4 {
			if atEOF {
				return len(data), nil, nil
			}
			return i, nil, nil
		}
		if c[1] != c[2] || c[3] != mbus.LongByte {
			i++
			continue
		}
		l := int(c[1])
		total := l + 6
		if len(c) < total {
			if !atEOF {
				return i, nil, nil
			}
			i++
			continue
		}
		stop := l >= 3 && c[total-1] == mbus.StopByte
		if stop && mbusSum(c[4:4+l]) == c[4+l] {
			return i + total, c[:total], nil
		}
		switch w := wrappedMBus(c); {
		case w > 0:
			return i + w, c[:w], nil
		case w == 0 && !atEOF:
			return i, nil, nil
		}
		if stop {
			return i + total, c[:total], nil
		}
		i++
	}
}
