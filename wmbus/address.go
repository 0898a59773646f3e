package wmbus

import (
	"encoding/binary"
	"strconv"
)

// Address is a wM-Bus meter identity: the M and A fields of the link layer
// (EN 13757-4), of an ELL M2/A2, or of a TPL long header.
type Address struct {
	// Manufacturer is the M field as sent (little-endian value): three
	// letters, 5 bits each, see ManufacturerCode.
	Manufacturer uint16
	// ID is the 8-digit identification number. It is BCD on the wire,
	// little-endian, so bytes 78 56 34 12 give ID 0x12345678, which prints
	// as "12345678" with %08x (IDString).
	ID uint32
	// Version is the meter's generation / firmware version byte.
	Version byte
	// Type is the device type (medium), see DeviceTypeName.
	Type byte
}

// addrLen is the length of M(2) + A(6) on the wire.
const addrLen = 8

// parseAddress reads M(2) ID(4) version type from b, which must hold 8 bytes.
func parseAddress(b []byte) Address {
	return Address{
		Manufacturer: binary.LittleEndian.Uint16(b),
		ID:           binary.LittleEndian.Uint32(b[2:]),
		Version:      b[6],
		Type:         b[7],
	}
}

// parseLongHeaderAddress reads the TPL long header order: ID(4) M(2) version type.
func parseLongHeaderAddress(b []byte) Address {
	return Address{
		ID:           binary.LittleEndian.Uint32(b),
		Manufacturer: binary.LittleEndian.Uint16(b[4:]),
		Version:      b[6],
		Type:         b[7],
	}
}

// put writes the address in link-layer order M(2) ID(4) version type.
func (a Address) put(b []byte) {
	binary.LittleEndian.PutUint16(b, a.Manufacturer)
	binary.LittleEndian.PutUint32(b[2:], a.ID)
	b[6] = a.Version
	b[7] = a.Type
}

// putLongHeader writes the address in TPL long header order ID(4) M(2) version type.
func (a Address) putLongHeader(b []byte) {
	binary.LittleEndian.PutUint32(b, a.ID)
	binary.LittleEndian.PutUint16(b[4:], a.Manufacturer)
	b[6] = a.Version
	b[7] = a.Type
}

// ManufacturerCode returns the three-letter manufacturer code (FLAG
// association), e.g. "KAM" for 0x2C2D. Letters outside A-Z (invalid codes)
// show as '?'.
func (a Address) ManufacturerCode() string {
	return ManufacturerCode(a.Manufacturer)
}

// ManufacturerCode decodes an M field value into three letters:
// M = (c1-64)<<10 | (c2-64)<<5 | (c3-64).
func ManufacturerCode(m uint16) string {
	var b [3]byte
	for i := range 3 {
		c := byte(m>>(10-5*i)) & 0x1F
		if c == 0 || c > 26 {
			b[i] = '?'
		} else {
			b[i] = '@' + c
		}
	}
	return string(b[:])
}

// ParseManufacturer encodes three letters A-Z (case-insensitive) into an M
// field value; ok is false for anything else.
func ParseManufacturer(code string) (m uint16, ok bool) {
	if len(code) != 3 {
		return 0, false
	}
	for i := range 3 {
		c := code[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		m = m<<5 | uint16(c-'@')
	}
	return m, true
}

// IDString returns the identification number as the 8 digits printed on
// the meter.
func (a Address) IDString() string {
	var b [8]byte
	const hexd = "0123456789ABCDEF"
	for i := range 8 {
		b[i] = hexd[a.ID>>(28-4*i)&0xF]
	}
	return string(b[:])
}

// String returns e.g. "12345678 (ELS v51 gas)".
func (a Address) String() string {
	return a.IDString() + " (" + a.ManufacturerCode() + " v" + strconv.Itoa(int(a.Version)) + " " + DeviceTypeName(a.Type) + ")"
}

// meterName is the short identity used in error messages: "12345678 (ELS)".
func (a Address) meterName() string {
	return a.IDString() + " (" + a.ManufacturerCode() + ")"
}

var deviceTypes = map[byte]string{
	0x00: "other", 0x01: "oil", 0x02: "electricity", 0x03: "gas",
	0x04: "heat (return)", 0x05: "steam", 0x06: "warm water", 0x07: "water",
	0x08: "heat cost allocator", 0x09: "compressed air", 0x0A: "cooling (return)",
	0x0B: "cooling (flow)", 0x0C: "heat (flow)", 0x0D: "heat/cooling",
	0x0E: "bus/system component", 0x0F: "unknown", 0x10: "irrigation water",
	0x11: "water data logger", 0x12: "gas data logger", 0x13: "gas converter",
	0x14: "calorific value", 0x15: "hot water", 0x16: "cold water",
	0x17: "dual water", 0x18: "pressure", 0x19: "A/D converter",
	0x1A: "smoke detector", 0x1B: "room sensor", 0x1C: "gas detector",
	0x1D: "reserved sensor", 0x20: "breaker (electricity)", 0x21: "valve (gas or water)",
	0x25: "customer unit (display)", 0x28: "waste water", 0x29: "garbage",
	0x2A: "carbon dioxide", 0x2B: "environmental", 0x31: "communication controller",
	0x32: "unidirectional repeater", 0x33: "bidirectional repeater",
	0x36: "radio converter (system side)", 0x37: "radio converter (meter side)",
	0x38: "wired adapter",
}

// DeviceTypeName names a device type (medium) byte (EN 13757-7 table of
// device types); unknown values are "reserved 0xNN".
func DeviceTypeName(t byte) string {
	if s, ok := deviceTypes[t]; ok {
		return s
	}
	return "reserved 0x" + hex2(t)
}

var cFields = map[byte]string{
	0x44: "SND-NR", 0x46: "SND-IR", 0x47: "ACC-NR", 0x48: "ACC-DMD",
	0x08: "RSP-UD", 0x18: "RSP-UD", 0x28: "RSP-UD", 0x38: "RSP-UD",
	0x40: "SND-NKE", 0x53: "SND-UD", 0x73: "SND-UD", 0x43: "SND-UD2",
	0x5B: "REQ-UD2", 0x7B: "REQ-UD2", 0x5A: "REQ-UD1", 0x7A: "REQ-UD1",
	0x06: "CNF-IR", 0x00: "ACK", 0x10: "ACK", 0x20: "ACK", 0x30: "ACK",
	0x01: "NACK", 0x11: "NACK", 0x21: "NACK", 0x31: "NACK",
}

// CFieldName names a link-layer C field value (EN 13757-4 table of
// C-fields, both directions), or "" if the value has no defined meaning.
func CFieldName(c byte) string { return cFields[c] }

func hex2(b byte) string {
	const hexd = "0123456789ABCDEF"
	return string([]byte{hexd[b>>4], hexd[b&0xF]})
}
