package telit

import (
	"strconv"

	"github.com/meterwire/meterwire/wmbus"
)

// IsKeyRegister reports whether reg holds a byte of the registered
// meter's AES key (RegMeterKey..RegMeterKey+15). Values of these
// registers must never be shown in logs, errors or command output.
func IsKeyRegister(reg int) bool { return reg >= RegMeterKey && reg < RegMeterKey+16 }

// RegisterName returns a short description of a register of the map
// ("link mode and role", "meter key byte 3"), or "" for registers this
// package does not know.
func RegisterName(reg int) string {
	switch {
	case reg == RegMode:
		return "link mode and role"
	case reg == RegTxFields:
		return "fields the host sends"
	case reg == RegRxFields:
		return "fields passed to the host"
	case reg == RegTxC:
		return "default C field"
	case reg == RegTxM || reg == RegTxM+1:
		return "default M field byte " + strconv.Itoa(reg-RegTxM+1) + " (LSB first)"
	case reg >= RegTxA && reg < RegTxA+6:
		return "default A field byte " + strconv.Itoa(reg-RegTxA+1) + " (ID LSB first, version, type)"
	case reg == RegTxCI:
		return "default CI field"
	case reg == RegFrameOptions:
		return "frame options"
	case reg == RegMeterOptions:
		return "registered-meter options"
	case reg == RegMeterM || reg == RegMeterM+1:
		return "registered meter M byte " + strconv.Itoa(reg-RegMeterM+1) + " (LSB first)"
	case reg >= RegMeterA && reg < RegMeterA+6:
		return "registered meter A byte " + strconv.Itoa(reg-RegMeterA+1) + " (ID LSB first, version, type)"
	case IsKeyRegister(reg):
		return "meter key byte " + strconv.Itoa(reg-RegMeterKey+1) + " (MSB first)"
	}
	return ""
}

// DescribeValue explains value v of register reg: "N2, meter" for
// RegMode, the field list of a field mask, "frame format B" for
// RegFrameOptions, the option bits of RegMeterOptions, a C field name. It
// returns "" when it has nothing to add to the number, and "set" for key
// registers, whose values it never shows.
func DescribeValue(reg int, v int) string {
	switch {
	case IsKeyRegister(reg):
		return "set"
	case v < 0 || v > 255:
		return ""
	case reg == RegMode:
		m, r, ok := ModeFromValue(byte(v))
		if !ok {
			return "unknown mode value"
		}
		return m.String() + ", " + r.String()
	case reg == RegTxFields || reg == RegRxFields:
		return FieldMask(v).String()
	case reg == RegTxC:
		return wmbus.CFieldName(byte(v))
	case reg == RegFrameOptions:
		s := "frame format A"
		if v&FrameFormatB != 0 {
			s = "frame format B"
		}
		if o := v &^ FrameFormatB; o != 0 {
			s += ", other bits 0x" + strconv.FormatUint(uint64(o), 16)
		}
		return s
	case reg == RegMeterOptions:
		return MeterOptionsFromValue(byte(v)).String()
	}
	return ""
}

// MeterOptionsFromValue decodes a RegMeterOptions byte.
func MeterOptionsFromValue(v byte) MeterOptions {
	return MeterOptions{
		Add:        v&(1<<0) != 0,
		Forward:    v&(1<<1) != 0,
		Encryption: v&(1<<2) != 0,
		AutoCnfIR:  v&(1<<3) != 0,
		AutoACK:    v&(1<<4) != 0,
	}
}

// String lists the set options ("add|forward|encryption"), or "remove"
// when Add is clear.
func (o MeterOptions) String() string {
	if !o.Add {
		return "remove"
	}
	s := "add"
	for _, f := range [...]struct {
		on   bool
		name string
	}{{o.Forward, "forward"}, {o.Encryption, "encryption"}, {o.AutoCnfIR, "auto CNF-IR"}, {o.AutoACK, "auto ACK"}} {
		if f.on {
			s += "|" + f.name
		}
	}
	return s
}
