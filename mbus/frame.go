package mbus

import (
	"strconv"

	"github.com/meterwire/meterwire/codec"
)

// Kind is the wired M-Bus frame type.
type Kind uint8

// Frame kinds (EN 13757-2).
const (
	KindAck     Kind = iota + 1 // single character E5
	KindShort                   // 10 C A CS 16
	KindControl                 // 68 03 03 68 C A CI CS 16
	KindLong                    // 68 L L 68 C A CI data CS 16
)

func (k Kind) String() string {
	switch k {
	case KindAck:
		return "ack"
	case KindShort:
		return "short"
	case KindControl:
		return "control"
	case KindLong:
		return "long"
	}
	return "unknown"
}

// Frame is a parsed wired M-Bus frame. Data aliases the input.
type Frame struct {
	Kind Kind
	C    byte // control field
	A    byte // primary address (0xFD: secondary addressing, 0xFE/0xFF broadcast)
	CI   byte // control information (control and long frames)
	// Data is the user data after CI (long frames).
	Data []byte
	// DataOffset is the offset of Data in the input (7 for long frames).
	DataOffset int
	// Checksum is the received 8-bit sum of C..last data byte.
	Checksum byte
}

// Start bytes.
const (
	AckByte   = 0xE5
	ShortByte = 0x10
	LongByte  = 0x68
	StopByte  = 0x16
)

func ferr(err error, off int, detail string) error {
	return &codec.Error{Layer: "mbus", Offset: off, Err: err, Detail: detail}
}

// ParseFrame parses one frame at the start of b and returns it with the
// number of bytes it took. Errors wrap codec.ErrTruncated (the frame ends
// early), codec.ErrCRC (checksum mismatch) or codec.ErrMalformed.
func ParseFrame(b []byte) (Frame, int, error) {
	if len(b) == 0 {
		return Frame{}, 0, ferr(codec.ErrTruncated, 0, "empty input")
	}
	switch b[0] {
	case AckByte:
		return Frame{Kind: KindAck}, 1, nil
	case ShortByte:
		if len(b) < 5 {
			return Frame{}, 0, ferr(codec.ErrTruncated, len(b), "short frame needs 5 bytes")
		}
		if b[4] != StopByte {
			return Frame{}, 0, ferr(codec.ErrMalformed, 4, "short frame stop byte is 0x"+strconv.FormatUint(uint64(b[4]), 16)+", want 0x16")
		}
		if b[1]+b[2] != b[3] {
			return Frame{}, 0, ferr(codec.ErrCRC, 3, "short frame checksum does not match")
		}
		return Frame{Kind: KindShort, C: b[1], A: b[2], Checksum: b[3]}, 5, nil
	case LongByte:
	default:
		return Frame{}, 0, ferr(codec.ErrMalformed, 0, "not a wired M-Bus frame (first byte must be E5, 10 or 68)")
	}
	if len(b) < 4 {
		return Frame{}, 0, ferr(codec.ErrTruncated, len(b), "long frame header needs 4 bytes")
	}
	l := int(b[1])
	if b[2] != b[1] || b[3] != LongByte {
		return Frame{}, 0, ferr(codec.ErrMalformed, 1, "long frame header must be 68 L L 68")
	}
	if l < 3 {
		return Frame{}, 0, ferr(codec.ErrMalformed, 1, "L field "+strconv.Itoa(l)+" is shorter than C A CI")
	}
	total := l + 6
	if len(b) < total {
		return Frame{}, 0, ferr(codec.ErrTruncated, len(b), "L says "+strconv.Itoa(total)+" bytes, got "+strconv.Itoa(len(b)))
	}
	if b[total-1] != StopByte {
		return Frame{}, 0, ferr(codec.ErrMalformed, total-1, "stop byte missing")
	}
	var sum byte
	for _, c := range b[4 : 4+l] {
		sum += c
	}
	if sum != b[4+l] {
		return Frame{}, 0, ferr(codec.ErrCRC, 4+l, "checksum 0x"+strconv.FormatUint(uint64(b[4+l]), 16)+" does not match the sum 0x"+strconv.FormatUint(uint64(sum), 16))
	}
	f := Frame{Kind: KindLong, C: b[4], A: b[5], CI: b[6], Data: b[7 : 4+l], DataOffset: 7, Checksum: b[4+l]}
	if l == 3 {
		f.Kind = KindControl
	}
	return f, total, nil
}

// AppendLong appends a long frame with the given fields and data,
// computing L and the checksum.
func AppendLong(dst []byte, c, a, ci byte, data []byte) ([]byte, error) {
	l := 3 + len(data)
	if l > 255 {
		return dst, ferr(codec.ErrMalformed, 0, "user data too long for one frame ("+strconv.Itoa(len(data))+" bytes, at most 252)")
	}
	dst = append(dst, LongByte, byte(l), byte(l), LongByte, c, a, ci)
	dst = append(dst, data...)
	sum := c + a + ci
	for _, v := range data {
		sum += v
	}
	return append(dst, sum, StopByte), nil
}
