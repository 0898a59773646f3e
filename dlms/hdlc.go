package dlms

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
)

// HDLC framing as DLMS meters push it (IEC 62056-46, DLMS Green Book
// 8.4.3, frame format type 3):
//
//	7E | format (2) | destination (1, 2 or 4) | source (1, 2 or 4) | control |
//	  [HCS (2) | information] | FCS (2) | 7E
//
// The format field is 0xA000 | S<<11 | length: frame type 3 in the top four
// bits, the segmentation bit S (0x0800) and an 11-bit length counting the
// bytes between the flags. HCS and FCS are CRC-16/X-25, sent little-endian;
// the HCS covers format..control, the FCS everything between the flags
// before it. A frame without information has no HCS.

// HDLCFlag opens and closes every HDLC frame.
const HDLCFlag = 0x7E

// HDLCMaxFrame is the largest frame the 11-bit length field allows,
// both flags included.
const HDLCMaxFrame = 0x7FF + 2

// hdlcMinLen is the smallest length field: format (2), one-byte addresses,
// control and FCS.
const hdlcMinLen = 2 + 1 + 1 + 1 + 2

// StripLLC removes a leading LLC header from an HDLC information field and
// reports whether there was one. The LLC header of DLMS frames (IEC
// 62056-46 8.4.3.2) is destination LSAP E6, source LSAP E6 (command, from
// a client) or E7 (response, from a server: what meters push), quality 00.
func StripLLC(info []byte) ([]byte, bool) {
	if len(info) >= 3 && (info[0] == 0xE6 && info[2] == 0x00 && (info[1] == 0xE7 || info[1] == 0xE6)) {
		return info[3:], true
	}
	return info, false
}

// HDLCAddress is an HDLC address field: 1, 2 or 4 bytes of which each
// carries 7 address bits; the low bit marks the last byte. A 1-byte
// address holds only the upper address; 2 and 4 bytes split into an upper
// (logical device) and a lower (physical device) half.
type HDLCAddress struct {
	Upper, Lower uint16 // upper and lower address; Lower is 0 for 1 byte
	Len          int    // bytes on the wire: 1, 2 or 4
}

// String formats the address as "upper" or "upper/lower".
func (a HDLCAddress) String() string {
	s := strconv.Itoa(int(a.Upper))
	if a.Len > 1 {
		s += "/" + strconv.Itoa(int(a.Lower))
	}
	return s
}

// HDLCFrame is a parsed HDLC frame. Slices alias the input.
type HDLCFrame struct {
	Format    uint16      // frame format field: 0xA, S bit, 11-bit length
	Segmented bool        // S bit: more segments of the information follow
	Length    int         // the length field: bytes between the flags
	Dest, Src HDLCAddress // destination (the client in a push) and source (the meter)
	Control   byte        // control field: I, S, UI or U frame
	// HasHCS says whether the frame has a header check sequence (it has
	// one exactly when it carries an information field).
	HasHCS bool
	// HCS and FCS are the check sequences as received; HCSOK and FCSOK
	// say whether they match. A frame with a failed check must not be
	// trusted (ParseHDLC then returns codec.ErrCRC).
	HCS, FCS     uint16 // as received (little-endian on the wire)
	HCSOK, FCSOK bool   // whether they match
	// Info is the information field (nil without one); InfoOffset is its
	// offset in the frame.
	Info       []byte // information field
	InfoOffset int    // its offset from the opening flag
	// LLC says whether Info begins with an LLC header; APDU is Info
	// without it. Only an unsegmented frame or the first segment carries
	// the LLC header: reassemble segments with an HDLCAssembler, which
	// removes it once from the whole information field.
	LLC  bool   // Info starts with E6 E7 00 or E6 E6 00
	APDU []byte // Info without the LLC header
}

// Trusted reports whether every check sequence of the frame matched.
func (f *HDLCFrame) Trusted() bool { return f.FCSOK && (!f.HasHCS || f.HCSOK) }

func herr(err error, off int, detail string) error {
	return &codec.Error{Layer: "hdlc", Offset: off, Err: err, Detail: detail}
}

// parseHDLCAddress reads an address field at b[0:]. It returns the number
// of bytes, 0 if b ends before the address does, or -1 for an address of
// 3 or more than 4 bytes.
func parseHDLCAddress(b []byte) (HDLCAddress, int) {
	for i := 0; i < len(b) && i < 4; i++ {
		if b[i]&1 == 0 {
			continue
		}
		switch i + 1 {
		case 1:
			return HDLCAddress{Upper: uint16(b[0] >> 1), Len: 1}, 1
		case 2:
			return HDLCAddress{Upper: uint16(b[0] >> 1), Lower: uint16(b[1] >> 1), Len: 2}, 2
		case 4:
			return HDLCAddress{
				Upper: uint16(b[0]>>1)<<7 | uint16(b[1]>>1),
				Lower: uint16(b[2]>>1)<<7 | uint16(b[3]>>1),
				Len:   4,
			}, 4
		}
		return HDLCAddress{}, -1
	}
	if len(b) >= 4 {
		return HDLCAddress{}, -1
	}
	return HDLCAddress{}, 0
}

// hdlcHeader parses flag, format, addresses and control of the frame
// candidate at b[0:] (at least 3 bytes) without checking CRCs. It returns
// the offset after the control byte. An ErrTruncated error means b ends
// inside the header.
func hdlcHeader(b []byte, f *HDLCFrame) (hdrEnd int, err error) {
	if b[0] != HDLCFlag {
		return 0, herr(codec.ErrMalformed, 0, "a frame starts with the flag 7E, got 0x"+strconv.FormatUint(uint64(b[0]), 16))
	}
	if b[1]&0xF0 != 0xA0 {
		return 0, herr(codec.ErrMalformed, 1, "frame format type 0x"+strconv.FormatUint(uint64(b[1]>>4), 16)+", DLMS uses type 3 (format byte A0..AF)")
	}
	f.Format = binary.BigEndian.Uint16(b[1:3])
	f.Segmented = f.Format&0x0800 != 0
	f.Length = int(f.Format & 0x07FF)
	if f.Length < hdlcMinLen {
		return 0, herr(codec.ErrMalformed, 1, "length field "+strconv.Itoa(f.Length)+" is shorter than the smallest frame (7)")
	}
	// Addresses and control lie before the FCS at b[Length-1].
	hlim := f.Length - 1
	avail := min(len(b), hlim)
	at := 3
	for i, what := range [2]string{"destination", "source"} {
		a, n := parseHDLCAddress(b[at:avail])
		switch {
		case n < 0:
			return 0, herr(codec.ErrMalformed, at, what+" address is not 1, 2 or 4 bytes long")
		case n == 0 && avail == hlim:
			return 0, herr(codec.ErrMalformed, at, what+" address runs into the FCS")
		case n == 0:
			return 0, herr(codec.ErrTruncated, len(b), what+" address incomplete")
		}
		if i == 0 {
			f.Dest = a
		} else {
			f.Src = a
		}
		at += n
	}
	if at >= hlim {
		return 0, herr(codec.ErrMalformed, at, "control field runs into the FCS")
	}
	if at >= len(b) {
		return 0, herr(codec.ErrTruncated, len(b), "control field missing")
	}
	f.Control = b[at]
	hdrEnd = at + 1
	// Either the FCS follows directly (no information) or HCS and
	// information do.
	if hdrEnd != hlim && hdrEnd+2 > hlim {
		return 0, herr(codec.ErrMalformed, hdrEnd, "length leaves no room for the HCS")
	}
	return hdrEnd, nil
}

// ParseHDLC parses the HDLC frame at the start of b (which must begin with
// the opening flag) and returns it with the number of bytes it took, both
// flags included. Frames are delimited by the length field, never by
// searching for 7E (which occurs inside payloads). When consecutive frames
// share a flag, the next frame starts at b[n-1]; SplitHDLC handles both.
//
// Errors wrap codec.ErrTruncated (b ends inside the frame),
// codec.ErrMalformed (not a type-3 frame, bad address, missing closing
// flag) or codec.ErrCRC (HCS or FCS mismatch; the detail says which). With
// ErrCRC the frame's fields are filled and n is its length, so a caller
// can explain and skip it, but its content must not be trusted.
func ParseHDLC(b []byte) (HDLCFrame, int, error) {
	var f HDLCFrame
	if len(b) < 3 {
		if len(b) > 0 && b[0] != HDLCFlag {
			return f, 0, herr(codec.ErrMalformed, 0, "a frame starts with the flag 7E")
		}
		return f, 0, herr(codec.ErrTruncated, len(b), "frame header needs at least 3 bytes")
	}
	hdrEnd, err := hdlcHeader(b, &f)
	if err != nil {
		return HDLCFrame{}, 0, err
	}
	total := f.Length + 2
	if len(b) < total {
		return HDLCFrame{}, 0, herr(codec.ErrTruncated, len(b), "length field says "+strconv.Itoa(total)+" bytes with flags, got "+strconv.Itoa(len(b)))
	}
	if b[total-1] != HDLCFlag {
		return HDLCFrame{}, 0, herr(codec.ErrMalformed, total-1, "closing flag missing where the length field says the frame ends")
	}
	fcsAt := f.Length - 1
	f.FCS = binary.LittleEndian.Uint16(b[fcsAt:])
	f.FCSOK = crc16.Checksum(b[1:fcsAt], crc16.X25) == f.FCS
	if hdrEnd < fcsAt {
		f.HasHCS = true
		f.HCS = binary.LittleEndian.Uint16(b[hdrEnd:])
		f.HCSOK = crc16.Checksum(b[1:hdrEnd], crc16.X25) == f.HCS
		f.InfoOffset = hdrEnd + 2
		f.Info = b[f.InfoOffset:fcsAt]
		f.APDU, f.LLC = StripLLC(f.Info)
	}
	switch {
	case f.HasHCS && !f.HCSOK && !f.FCSOK:
		return f, total, herr(codec.ErrCRC, hdrEnd, "HCS and FCS both do not match: frame not trusted")
	case f.HasHCS && !f.HCSOK:
		return f, total, herr(codec.ErrCRC, hdrEnd, "HCS 0x"+strconv.FormatUint(uint64(f.HCS), 16)+" does not match the header (FCS ok): frame not trusted")
	case !f.FCSOK:
		return f, total, herr(codec.ErrCRC, fcsAt, "FCS 0x"+strconv.FormatUint(uint64(f.FCS), 16)+" does not match the frame: frame not trusted")
	}
	return f, total, nil
}

// appendHDLCAddress appends a in its wire form.
func appendHDLCAddress(dst []byte, a HDLCAddress) ([]byte, bool) {
	switch a.Len {
	case 1:
		return append(dst, byte(a.Upper)<<1|1), a.Upper < 0x80
	case 2:
		return append(dst, byte(a.Upper)<<1, byte(a.Lower)<<1|1), a.Upper < 0x80 && a.Lower < 0x80
	case 4:
		return append(dst, byte(a.Upper>>7)<<1, byte(a.Upper)<<1, byte(a.Lower>>7)<<1, byte(a.Lower)<<1|1), a.Upper < 0x4000 && a.Lower < 0x4000
	}
	return dst, false
}

// AppendHDLC appends an HDLC frame (type 3, both flags) to dst with the
// given addresses, control byte, S bit and information field, computing
// length, HCS and FCS. A nil info makes a frame without information (and
// without HCS). Errors wrap codec.ErrMalformed: an address that does not
// fit its length, or a frame longer than the 11-bit length field allows.
func AppendHDLC(dst []byte, dest, src HDLCAddress, control byte, segmented bool, info []byte) ([]byte, error) {
	length := 2 + dest.Len + src.Len + 1 + 2
	if info != nil {
		length += 2 + len(info)
	}
	if length > 0x7FF {
		return dst, herr(codec.ErrMalformed, -1, "frame of "+strconv.Itoa(length)+" bytes exceeds the 11-bit length field; segment the information")
	}
	start := len(dst)
	f := uint16(0xA000 | length)
	if segmented {
		f |= 0x0800
	}
	dst = append(dst, HDLCFlag, byte(f>>8), byte(f))
	var ok1, ok2 bool
	dst, ok1 = appendHDLCAddress(dst, dest)
	dst, ok2 = appendHDLCAddress(dst, src)
	if !ok1 || !ok2 {
		return dst[:start], herr(codec.ErrMalformed, -1, "address does not fit its length (1, 2 or 4 bytes of 7 bits)")
	}
	dst = append(dst, control)
	if info != nil {
		dst = binary.LittleEndian.AppendUint16(dst, crc16.Checksum(dst[start+1:], crc16.X25))
		dst = append(dst, info...)
	}
	dst = binary.LittleEndian.AppendUint16(dst, crc16.Checksum(dst[start+1:], crc16.X25))
	return append(dst, HDLCFlag), nil
}

// hdlcControlMeaning names the frame kind of a control byte.
func hdlcControlMeaning(c byte) string {
	pf := ""
	if c&0x10 != 0 {
		pf = ", poll/final"
	}
	switch {
	case c&0x01 == 0:
		return "I-frame, send " + strconv.Itoa(int(c>>1&7)) + ", receive " + strconv.Itoa(int(c>>5)) + pf
	case c&0x03 == 0x01:
		return "S-frame" + pf
	case c&0xEF == 0x03:
		return "UI-frame" + pf
	}
	return "U-frame" + pf
}

// Layer describes the frame for explanations; offsets count from the
// opening flag.
func (f *HDLCFrame) Layer(b []byte) codec.Layer {
	hx := func(off, n int) string {
		if off+n > len(b) {
			return ""
		}
		return hex.EncodeToString(b[off : off+n])
	}
	ok := func(v bool) string {
		if v {
			return "ok"
		}
		return "BAD"
	}
	seg := "last or only segment"
	if f.Segmented {
		seg = "more segments follow"
	}
	l := codec.Layer{Name: "hdlc", Offset: 0, Len: f.Length + 2}
	l.Fields = append(l.Fields,
		codec.Field{Name: "flag", Offset: 0, Len: 1, Hex: hx(0, 1)},
		codec.Field{Name: "format", Offset: 1, Len: 2, Hex: hx(1, 2), Value: strconv.Itoa(f.Length), Meaning: "type 3, " + seg},
		codec.Field{Name: "destination", Offset: 3, Len: f.Dest.Len, Hex: hx(3, f.Dest.Len), Value: f.Dest.String()},
		codec.Field{Name: "source", Offset: 3 + f.Dest.Len, Len: f.Src.Len, Hex: hx(3+f.Dest.Len, f.Src.Len), Value: f.Src.String()},
	)
	c := 3 + f.Dest.Len + f.Src.Len
	l.Fields = append(l.Fields, codec.Field{Name: "control", Offset: c, Len: 1, Hex: hx(c, 1), Meaning: hdlcControlMeaning(f.Control)})
	if f.HasHCS {
		l.Fields = append(l.Fields, codec.Field{Name: "HCS", Offset: c + 1, Len: 2, Hex: hx(c+1, 2), Value: ok(f.HCSOK)})
		off := f.InfoOffset
		if f.LLC {
			l.Fields = append(l.Fields, codec.Field{Name: "LLC", Offset: off, Len: 3, Hex: hx(off, 3), Meaning: "LSAP E6, " + map[bool]string{true: "response (from the meter)", false: "command"}[f.Info[1] == 0xE7]})
			off += 3
		}
		l.Fields = append(l.Fields, codec.Field{Name: "information", Offset: off, Len: len(f.APDU), Hex: hx(off, len(f.APDU)), Value: strconv.Itoa(len(f.APDU)) + " bytes"})
	}
	l.Fields = append(l.Fields,
		codec.Field{Name: "FCS", Offset: f.Length - 1, Len: 2, Hex: hx(f.Length-1, 2), Value: ok(f.FCSOK)},
		codec.Field{Name: "flag", Offset: f.Length + 1, Len: 1, Hex: hx(f.Length+1, 1)},
	)
	return l
}

// SplitHDLC is a bufio.SplitFunc that returns one HDLC frame per token,
// both flags included, ready for ParseHDLC. It finds frames by their
// length field, tolerates shared flags between consecutive frames and
// resynchronises after noise by moving to the next 7E.
//
// A candidate becomes a token when its closing flag sits where the length
// field says and its header can be trusted: the HCS matches (or, for a
// frame without information, the FCS does). A token may still carry a bad
// FCS, which ParseHDLC then reports; a candidate with a bad HCS is noise
// (its length cannot be trusted) and is skipped one byte at a time. The
// splitter never holds more than HDLCMaxFrame bytes for one candidate, so
// the default bufio.Scanner buffer suffices.
func SplitHDLC(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := 0
	for {
		j := bytes.IndexByte(data[i:], HDLCFlag)
		if j < 0 {
			return len(data), nil, nil
		}
		i += j
		c := data[i:]
		if len(c) < 3 {
			if atEOF {
				return len(data), nil, nil
			}
			return i, nil, nil
		}
		var f HDLCFrame
		hdrEnd, err := hdlcHeader(c, &f)
		if err != nil {
			if !atEOF && errors.Is(err, codec.ErrTruncated) {
				return i, nil, nil
			}
			i++
			continue
		}
		total := f.Length + 2
		if hdrEnd < f.Length-1 { // has an HCS: check it before waiting
			if len(c) < hdrEnd+2 {
				if atEOF {
					i++
					continue
				}
				return i, nil, nil
			}
			if crc16.Checksum(c[1:hdrEnd], crc16.X25) != binary.LittleEndian.Uint16(c[hdrEnd:]) {
				i++
				continue
			}
		}
		if len(c) < total {
			if atEOF {
				i++
				continue
			}
			return i, nil, nil
		}
		if c[total-1] != HDLCFlag {
			i++
			continue
		}
		if hdrEnd == f.Length-1 && crc16.Checksum(c[1:f.Length-1], crc16.X25) != binary.LittleEndian.Uint16(c[f.Length-1:]) {
			i++ // a frame without information is trusted through its FCS
			continue
		}
		// Leave the closing flag: it may open the next frame.
		return i + total - 1, c[:total], nil
	}
}

// Default limits of the assemblers.
const (
	// DefaultMaxAPDU bounds a reassembled information field or APDU.
	DefaultMaxAPDU = 64 << 10
	// DefaultMaxSegments bounds the HDLC segments of one message.
	DefaultMaxSegments = 64
)

// HDLCAssembler reassembles segmented HDLC information fields (frames with
// the S bit set, followed by one without it). Feed it every frame in
// order; it returns the APDU (the information field without its LLC
// header) when the last segment arrives. It keeps one buffer: not safe for
// concurrent use. The zero value is ready, with the default limits.
type HDLCAssembler struct {
	// MaxSize bounds the reassembled information field (0:
	// DefaultMaxAPDU); MaxSegments the number of frames (0:
	// DefaultMaxSegments).
	MaxSize, MaxSegments int

	buf      []byte
	n        int
	dest     HDLCAddress
	src      HDLCAddress
	skipping bool
	llc      bool
}

// LLC reports whether the last message Add completed began with an LLC
// header (which Add removed).
func (a *HDLCAssembler) LLC() bool { return a.llc }

// Reset drops a partly assembled message.
func (a *HDLCAssembler) Reset() {
	a.buf = a.buf[:0]
	a.n = 0
	a.skipping = false
}

// Pending returns the number of segments waiting for the last one.
func (a *HDLCAssembler) Pending() int { return a.n }

// drop abandons the pending message; continuation segments that still
// arrive for it are skipped until its last segment went by.
func (a *HDLCAssembler) drop(f *HDLCFrame) {
	a.buf = a.buf[:0]
	a.n = 0
	a.skipping = f.Segmented
}

// Add takes the next frame (parsed by ParseHDLC; a frame whose HCS or FCS
// failed is refused with codec.ErrCRC). It returns the complete APDU and
// true when f is an unsegmented frame or the last segment; nil and false
// while segments are pending. The APDU aliases f (unsegmented frames) or
// the assembler's buffer until the next Add.
//
// On an error the pending message is dropped, and frames that continue it
// are refused until its last segment went by: codec.ErrCRC (an untrusted
// frame), codec.ErrMalformed (a segment from other addresses, a
// continuation of a dropped message), codec.ErrUnsupported (the message
// exceeds MaxSize or MaxSegments).
func (a *HDLCAssembler) Add(f *HDLCFrame) ([]byte, bool, error) {
	if !f.Trusted() {
		a.drop(f)
		return nil, false, herr(codec.ErrCRC, -1, "segment with a failed check sequence; message dropped")
	}
	if a.skipping {
		a.skipping = f.Segmented
		return nil, false, herr(codec.ErrMalformed, -1, "continuation of a dropped message; skipped")
	}
	if a.n == 0 {
		if !f.Segmented {
			a.llc = f.LLC
			return f.APDU, true, nil
		}
		a.buf = a.buf[:0]
		a.dest, a.src = f.Dest, f.Src
	} else if f.Dest != a.dest || f.Src != a.src {
		a.drop(f)
		return nil, false, herr(codec.ErrMalformed, -1, "segment from "+f.Src.String()+" to "+f.Dest.String()+
			" while a message from "+a.src.String()+" to "+a.dest.String()+" was pending; message dropped")
	}
	maxSize, maxSeg := a.MaxSize, a.MaxSegments
	if maxSize <= 0 {
		maxSize = DefaultMaxAPDU
	}
	if maxSeg <= 0 {
		maxSeg = DefaultMaxSegments
	}
	if a.n+1 > maxSeg {
		a.drop(f)
		return nil, false, herr(codec.ErrUnsupported, -1, "more than "+strconv.Itoa(maxSeg)+" segments (MaxSegments); message dropped")
	}
	if len(a.buf)+len(f.Info) > maxSize {
		a.drop(f)
		return nil, false, herr(codec.ErrUnsupported, -1, "information field longer than "+strconv.Itoa(maxSize)+" bytes (MaxSize); message dropped")
	}
	a.buf = append(a.buf, f.Info...)
	a.n++
	if f.Segmented {
		return nil, false, nil
	}
	a.n = 0
	apdu, llc := StripLLC(a.buf)
	a.llc = llc
	return apdu, true, nil
}
