package wmbus

import (
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
)

// Format is the link-layer frame shape (EN 13757-4 frame formats).
type Format uint8

// Frame shapes. FormatAuto is only meaningful as a decoder setting.
const (
	FormatAuto Format = iota // detect A, B or none
	FormatA                  // block CRC after the first 10 bytes, then after every 16
	FormatB                  // one CRC over the first 126 bytes, one over the rest
	FormatNone               // no CRCs (as most receivers deliver frames)
)

func (f Format) String() string {
	switch f {
	case FormatA:
		return "A"
	case FormatB:
		return "B"
	case FormatNone:
		return "none"
	}
	return "auto"
}

// ParseFormat parses "auto", "a", "b" or "none" (case-insensitive).
func ParseFormat(s string) (Format, bool) {
	switch s {
	case "auto", "AUTO", "":
		return FormatAuto, true
	case "a", "A":
		return FormatA, true
	case "b", "B":
		return FormatB, true
	case "none", "NONE", "nocrc":
		return FormatNone, true
	}
	return FormatAuto, false
}

const (
	block1Len     = 10  // L C M(2) A(6)
	formatBBlock2 = 126 // data bytes of blocks 1+2 in format B
	maxFrameLen   = 256 // L is one byte
)

// formatALen returns the wire length of a format A frame with length field l.
func formatALen(l int) int {
	data := l - 9 // bytes after block 1
	return block1Len + 2 + data + 2*((data+15)/16)
}

// crcBE reads a block CRC (big-endian on the wire).
func crcBE(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

func crcErr(format Format, block, off int) error {
	return &codec.Error{Layer: "dll", Offset: off, Err: codec.ErrCRC,
		Detail: "format " + format.String() + " block " + strconv.Itoa(block) + " CRC does not match (radio noise or wrong --format)"}
}

func shortLErr(l int) error {
	return &codec.Error{Layer: "dll", Offset: 0, Err: codec.ErrMalformed,
		Detail: "L field " + strconv.Itoa(l) + " is shorter than the link-layer header (9)"}
}

func truncErr(layer string, off int, detail string) error {
	return &codec.Error{Layer: layer, Offset: off, Err: codec.ErrTruncated, Detail: detail}
}

// StripCRC detects (or, with a forced format, checks) the frame shape of
// raw, verifies every block CRC and appends the frame without CRCs to dst,
// with L rewritten to count the bytes after it. It returns the extended
// buffer, the format found and the number of bytes of raw that follow the
// frame (receivers append RSSI or LQI there).
//
// Auto detection tries format A (block 1 CRC matches), then B (the final CRC
// matches), then no CRCs. A CRC-less frame matches a CRC by chance once in
// 65536 frames; force the format when the receiver's output is known.
func StripCRC(dst, raw []byte, format Format) ([]byte, Format, int, error) {
	if len(raw) == 0 {
		return dst, format, 0, truncErr("dll", 0, "empty frame")
	}
	l := int(raw[0])
	if format == FormatA {
		return stripA(dst, raw)
	}
	if l < 9 {
		return dst, format, 0, shortLErr(l)
	}
	switch format {
	case FormatB:
		return stripB(dst, raw)
	case FormatNone:
		if len(raw) < l+1 {
			return dst, format, 0, truncErr("dll", len(raw), "L says "+strconv.Itoa(l+1)+" bytes, got "+strconv.Itoa(len(raw)))
		}
		return append(dst, raw[:l+1]...), FormatNone, len(raw) - l - 1, nil
	}
	if len(raw) >= formatALen(l) && crc16.Checksum(raw[:block1Len], crc16.EN13757) == crcBE(raw[block1Len:]) {
		return stripA(dst, raw)
	}
	if isFormatB(raw) {
		return stripB(dst, raw)
	}
	if len(raw) < l+1 {
		return dst, FormatAuto, 0, truncErr("dll", len(raw), "L says "+strconv.Itoa(l+1)+" bytes (without CRCs), got "+strconv.Itoa(len(raw)))
	}
	return append(dst, raw[:l+1]...), FormatNone, len(raw) - l - 1, nil
}

// isFormatB reports, without allocating, whether raw holds a format B frame
// whose CRCs all match.
func isFormatB(raw []byte) bool {
	l := int(raw[0])
	total := l + 1
	if l < block1Len+1 || len(raw) < total {
		return false
	}
	if total <= formatBBlock2+2 {
		return crc16.Checksum(raw[:total-2], crc16.EN13757) == crcBE(raw[total-2:])
	}
	return total >= formatBBlock2+2+3 &&
		crc16.Checksum(raw[:formatBBlock2], crc16.EN13757) == crcBE(raw[formatBBlock2:]) &&
		crc16.Checksum(raw[formatBBlock2+2:total-2], crc16.EN13757) == crcBE(raw[total-2:])
}

func stripA(dst, raw []byte) ([]byte, Format, int, error) {
	l := int(raw[0])
	total := formatALen(l)
	// Block 1's CRC covers L: check it before trusting L for the length, so
	// a corrupted L reads as the CRC error it is.
	if len(raw) >= block1Len+2 && crc16.Checksum(raw[:block1Len], crc16.EN13757) != crcBE(raw[block1Len:]) {
		return dst, FormatA, 0, crcErr(FormatA, 1, block1Len)
	}
	if l < 9 {
		return dst, FormatA, 0, shortLErr(l)
	}
	if len(raw) < total {
		return dst, FormatA, 0, truncErr("dll", len(raw), "format A frame with L="+strconv.Itoa(l)+" needs "+strconv.Itoa(total)+" bytes, got "+strconv.Itoa(len(raw)))
	}
	dst = append(dst, raw[:block1Len]...)
	pos := block1Len + 2
	for block := 2; pos < total; block++ {
		n := min(16, total-pos-2)
		blk := raw[pos : pos+n]
		if crc16.Checksum(blk, crc16.EN13757) != crcBE(raw[pos+n:]) {
			return dst, FormatA, 0, crcErr(FormatA, block, pos+n)
		}
		dst = append(dst, blk...)
		pos += n + 2
	}
	return dst, FormatA, len(raw) - total, nil
}

func stripB(dst, raw []byte) ([]byte, Format, int, error) {
	l := int(raw[0])
	total := l + 1
	if l < block1Len+1 {
		return dst, FormatB, 0, &codec.Error{Layer: "dll", Offset: 0, Err: codec.ErrMalformed, Detail: "format B frame shorter than block 1 plus CRC"}
	}
	if len(raw) < total {
		return dst, FormatB, 0, truncErr("dll", len(raw), "format B frame with L="+strconv.Itoa(l)+" needs "+strconv.Itoa(total)+" bytes, got "+strconv.Itoa(len(raw)))
	}
	start := len(dst)
	if total <= formatBBlock2+2 {
		if crc16.Checksum(raw[:total-2], crc16.EN13757) != crcBE(raw[total-2:]) {
			return dst, FormatB, 0, crcErr(FormatB, 2, total-2)
		}
		dst = append(dst, raw[:total-2]...)
	} else {
		if crc16.Checksum(raw[:formatBBlock2], crc16.EN13757) != crcBE(raw[formatBBlock2:]) {
			return dst, FormatB, 0, crcErr(FormatB, 2, formatBBlock2)
		}
		if total < formatBBlock2+2+3 {
			return dst, FormatB, 0, &codec.Error{Layer: "dll", Offset: formatBBlock2 + 2, Err: codec.ErrMalformed, Detail: "format B block 3 has no data"}
		}
		b3 := raw[formatBBlock2+2 : total-2]
		if crc16.Checksum(b3, crc16.EN13757) != crcBE(raw[total-2:]) {
			return dst, FormatB, 0, crcErr(FormatB, 3, total-2)
		}
		dst = append(dst, raw[:formatBBlock2]...)
		dst = append(dst, b3...)
	}
	dst[start] = byte(len(dst) - start - 1)
	return dst, FormatB, len(raw) - total, nil
}

// AppendCRC appends frame (without CRCs, L = len(frame)-1) to dst in the
// given format, inserting the block CRCs and, for format B, raising L to
// count them. FormatNone and FormatAuto append the frame unchanged.
func AppendCRC(dst, frame []byte, format Format) ([]byte, error) {
	if len(frame) < block1Len || int(frame[0]) != len(frame)-1 {
		return dst, &codec.Error{Layer: "dll", Offset: 0, Err: codec.ErrMalformed, Detail: "frame must be at least the 10-byte link header with L = length-1"}
	}
	switch format {
	case FormatA:
		dst = append(dst, frame[:block1Len]...)
		dst = binary.BigEndian.AppendUint16(dst, crc16.Checksum(frame[:block1Len], crc16.EN13757))
		for rest := frame[block1Len:]; len(rest) > 0; {
			n := min(16, len(rest))
			dst = append(dst, rest[:n]...)
			dst = binary.BigEndian.AppendUint16(dst, crc16.Checksum(rest[:n], crc16.EN13757))
			rest = rest[n:]
		}
		return dst, nil
	case FormatB:
		start := len(dst)
		if len(frame) <= formatBBlock2 {
			dst = append(dst, frame...)
			dst[start] = byte(len(frame) + 1)
			return binary.BigEndian.AppendUint16(dst, crc16.Checksum(dst[start:], crc16.EN13757)), nil
		}
		if len(frame)+4 > maxFrameLen {
			return dst, &codec.Error{Layer: "dll", Offset: 0, Err: codec.ErrMalformed, Detail: "frame too long for format B (" + strconv.Itoa(len(frame)) + " bytes, at most 252)"}
		}
		dst = append(dst, frame[:formatBBlock2]...)
		dst[start] = byte(len(frame) + 3)
		dst = binary.BigEndian.AppendUint16(dst, crc16.Checksum(dst[start:], crc16.EN13757))
		dst = append(dst, frame[formatBBlock2:]...)
		return binary.BigEndian.AppendUint16(dst, crc16.Checksum(frame[formatBBlock2:], crc16.EN13757)), nil
	}
	return append(dst, frame...), nil
}

// RawOffset maps an offset in the CRC-less frame to the offset of the same
// byte in the frame as received in the given format.
func RawOffset(off int, format Format) int {
	switch format {
	case FormatA:
		if off < block1Len {
			return off
		}
		return off + 2 + 2*((off-block1Len)/16)
	case FormatB:
		if off < formatBBlock2 {
			return off
		}
		return off + 2
	}
	return off
}
