package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// apator162: Apator AT-WMBUS-16-2 water meters. The payload is Apator's
// own: after 2F2F and eight bytes (0F, a date and fault flags) come
// registers, each one byte naming it and a known number of bytes; register
// 0x10 holds the total volume in litres (4 bytes, little-endian). 0xFF
// pads the end.
func init() {
	Register(&Driver{
		Name:    "apator162",
		Media:   "water",
		Detect:  []Detect{{"APA", 0x05, 0x06}, {"APA", 0x05, 0x07}},
		Payload: apator162Payload,
	})
}

// apator162Size returns the length of register c's data, -1 if unknown.
func apator162Size(c byte) int {
	switch {
	case c == 0x00, c == 0x10, c == 0xA1, c == 0x42, c == 0xA0, c == 0xA4, c == 0xF0:
		return 4
	case c == 0x01, c == 0x44, c == 0xA6, c >= 0xB6 && c <= 0xC7, c == 0xD0, c == 0xD3:
		return 3
	case c == 0x11, c == 0x41, c == 0x43, c == 0xB4, c == 0xA7, c == 0xA8, c >= 0xAA && c <= 0xAD:
		return 2
	case c == 0x40, c == 0x8B, c == 0x8C:
		return 6
	case c == 0x71:
		return 9
	case c == 0x72:
		return 13
	case c == 0x73:
		return 17
	case c == 0x75:
		return 25
	case c == 0x7B:
		return 49
	case c >= 0x80 && c <= 0x84, c == 0x86, c == 0x87:
		return 10
	case c == 0x85, c == 0x88, c == 0x8F:
		return 11
	case c == 0x8A:
		return 9
	case c == 0x8E, c == 0xA3:
		return 7
	case c == 0xA2, c == 0xA5, c == 0xA9, c == 0xAF:
		return 1
	case c == 0xB0:
		return 5
	case c == 0xB1, c == 0xB3:
		return 8
	case c == 0xB2, c == 0xB5:
		return 16
	}
	return -1
}

func apator162Payload(_ []mbus.Record, apl []byte, out *Output) error {
	c := apl
	if len(c) >= 2 && c[0] == 0x2F && c[1] == 0x2F {
		c = c[2:]
	}
	for i := 8; i < len(c); {
		reg := c[i]
		if reg == 0xFF {
			break
		}
		size := apator162Size(reg)
		i++
		if size < 0 || i+size > len(c) {
			break
		}
		if reg == 0x10 && size == 4 && i+size < len(c) {
			out.Set("total_m3", float64(binary.LittleEndian.Uint32(c[i:]))/1000)
		}
		i += size
	}
	return nil
}
