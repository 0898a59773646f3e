package telit

import (
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Configuration registers (one byte each).
const (
	// RegMode selects link mode and role, see ModeValue.
	RegMode = 400
	// RegTxFields is the FieldMask of the fields the host supplies in
	// data mode when transmitting (the others come from RegTxC..RegTxCI).
	RegTxFields = 401
	// RegRxFields is the FieldMask of the fields the module passes to the
	// host with each received frame.
	RegRxFields = 402
	// RegTxC is the default C field for transmission.
	RegTxC = 410
	// RegTxM is the first of two registers holding the default M field,
	// least significant byte first (as on the air).
	RegTxM = 411
	// RegTxA is the first of six registers holding the default A field
	// (ID LSB first, version, device type, as on the air).
	RegTxA = 413
	// RegTxCI is the default CI field for transmission.
	RegTxCI = 419
	// RegFrameOptions holds frame options; bit FrameFormatB selects frame
	// format B for transmission.
	RegFrameOptions = 453
	// RegMeterOptions registers, forwards or removes the meter whose
	// address and key are in RegMeterM..RegMeterKey+15, see MeterOptions.
	// Write it last: the module acts on the write.
	RegMeterOptions = 460
	// RegMeterM is the first of two registers holding the registered
	// meter's M field, LSB first.
	RegMeterM = 461
	// RegMeterA is the first of six registers holding the registered
	// meter's A field, LSB first (ID LSB first, version, device type).
	RegMeterA = 463
	// RegMeterKey is the first of sixteen registers holding the meter's
	// AES-128 key, most significant (first) byte first.
	RegMeterKey = 470
)

// FrameFormatB is the bit of RegFrameOptions that selects frame format B
// for transmission.
const FrameFormatB = 1 << 2

// Mode values of RegMode: each link mode has a meter value and, one
// higher, an "other" (collector) value. The ME70-169 and ME50-169 (169
// MHz) use the N values, the ME50-868 the others.
const (
	ModeS1Meter = 0
	ModeS1Other = 1
	ModeS2Meter = 2
	ModeS2Other = 3
	ModeT1Meter = 4
	ModeT1Other = 5
	ModeT2Meter = 6
	ModeT2Other = 7
	ModeR2Meter = 8
	ModeR2Other = 9
	ModeC1Meter = 10
	ModeC1Other = 11
	ModeC2Meter = 12
	ModeC2Other = 13
	ModeN1Meter = 14
	ModeN1Other = 15
	ModeN2Meter = 16
	ModeN2Other = 17
)

// Role is which side of the link the module plays: a meter (sends
// SND-NR, listens after it) or the other device (collector, concentrator).
type Role uint8

// Roles.
const (
	RoleMeter Role = iota
	RoleOther
)

// String returns "meter" or "other".
func (r Role) String() string {
	if r == RoleMeter {
		return "meter"
	}
	return "other"
}

// modeBase maps link modes to their meter value of RegMode.
var modeBase = [...]struct {
	mode radio.LinkMode
	v    byte
}{
	{radio.ModeS1, ModeS1Meter}, {radio.ModeS2, ModeS2Meter},
	{radio.ModeT1, ModeT1Meter}, {radio.ModeT2, ModeT2Meter},
	{radio.ModeR2, ModeR2Meter},
	{radio.ModeC1, ModeC1Meter}, {radio.ModeC2, ModeC2Meter},
	{radio.ModeN1, ModeN1Meter}, {radio.ModeN2, ModeN2Meter},
}

// ModeValue returns the RegMode value for mode and role; ok is false for
// modes the modules do not have a value for (S1-m is S1 with the short
// preamble of register 421; F2). Which values a module accepts depends on
// its band: N1/N2 on the 169 MHz modules, the others on the ME50-868.
func ModeValue(mode radio.LinkMode, role Role) (v byte, ok bool) {
	for _, m := range modeBase {
		if m.mode == mode {
			if role == RoleOther {
				return m.v + 1, true
			}
			return m.v, true
		}
	}
	return 0, false
}

// ModeFromValue maps a RegMode value back to link mode and role; ok is
// false for values above ModeN2Other.
func ModeFromValue(v byte) (radio.LinkMode, Role, bool) {
	if int(v/2) >= len(modeBase) {
		return radio.ModeUnknown, RoleMeter, false
	}
	return modeBase[v/2].mode, Role(v & 1), true
}

// FieldMask selects link-layer fields and reception data on the serial
// interface (RegTxFields, RegRxFields): a set bit means the field is
// passed over the UART, a clear bit that the module supplies (transmit)
// or drops (receive) it. FieldL is the serial length byte, not the radio
// L field: it counts the bytes after it (the selected link-layer fields
// and the data), never the wake-up character, LQI or RSSI.
type FieldMask uint8

// Field bits.
const (
	FieldL  FieldMask = 1 << 0
	FieldC  FieldMask = 1 << 1
	FieldM  FieldMask = 1 << 2
	FieldA  FieldMask = 1 << 3
	FieldCI FieldMask = 1 << 4
	// FieldLQI (receive only) appends the link quality, 0 (poor) to 3
	// (excellent), after the frame.
	FieldLQI FieldMask = 1 << 5
	// FieldWakeUp (receive only) sends a wake-up character before the
	// frame, for hosts that sleep.
	FieldWakeUp FieldMask = 1 << 6
	// FieldRSSI (receive only) appends the signal strength in dBm as a
	// signed byte, after LQI.
	FieldRSSI FieldMask = 1 << 7

	// FieldsHeader are the link-layer fields L, C, M, A and CI.
	FieldsHeader = FieldL | FieldC | FieldM | FieldA | FieldCI
	// FieldsReceive is the receive mask meterwire uses: every link-layer
	// field, LQI and RSSI, no wake-up character.
	FieldsReceive = FieldsHeader | FieldLQI | FieldRSSI
)

// Has reports whether every bit of f is set in m.
func (m FieldMask) Has(f FieldMask) bool { return m&f == f }

// String lists the set fields, e.g. "L|C|M|A|CI|LQI|RSSI", or "none".
func (m FieldMask) String() string {
	names := [...]string{"L", "C", "M", "A", "CI", "LQI", "WAKEUP", "RSSI"}
	var b []byte
	for i, n := range names {
		if m&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// RegisterWrite is one register assignment, sent as "ATSnnn=v".
type RegisterWrite struct {
	Reg   int
	Value byte
}

// Append appends the AT command performing the write.
func (w RegisterWrite) Append(dst []byte) []byte { return AppendWriteRegister(dst, w.Reg, w.Value) }

// Check verifies the response to reading the register back after the
// write: it must be a value equal to w.Value (and name w.Reg if it names a
// register). Errors wrap codec.ErrMalformed.
func (w RegisterWrite) Check(r Response) error {
	if r.Kind != RespValue {
		return atErr(codec.ErrMalformed, -1, "reading back register "+strconv.Itoa(w.Reg)+" gave "+r.Kind.String()+", want a value")
	}
	if r.Register >= 0 && r.Register != w.Reg {
		return atErr(codec.ErrMalformed, -1, "reading back register "+strconv.Itoa(w.Reg)+" answered for register "+strconv.Itoa(r.Register))
	}
	if r.Value != int(w.Value) {
		return atErr(codec.ErrMalformed, -1, "register "+strconv.Itoa(w.Reg)+" reads "+strconv.Itoa(r.Value)+" after writing "+strconv.Itoa(int(w.Value))+"; the module refused the value")
	}
	return nil
}

// MeterOptions are the bits of RegMeterOptions.
type MeterOptions struct {
	// Add registers the meter (bit 0); false removes it.
	Add bool
	// Forward passes the meter's frames to the host (bit 1).
	Forward bool
	// Encryption lets the module decrypt the meter's frames with the key
	// (bit 2). Decrypted frames keep ENC set; see PROTOCOLS.md (ELL).
	Encryption bool
	// AutoCnfIR answers the meter's SND-IR with CNF-IR (bit 3).
	AutoCnfIR bool
	// AutoACK acknowledges the meter's frames automatically (bit 4).
	AutoACK bool
}

// Value returns the RegMeterOptions byte.
func (o MeterOptions) Value() byte {
	var v byte
	if o.Add {
		v |= 1 << 0
	}
	if o.Forward {
		v |= 1 << 1
	}
	if o.Encryption {
		v |= 1 << 2
	}
	if o.AutoCnfIR {
		v |= 1 << 3
	}
	if o.AutoACK {
		v |= 1 << 4
	}
	return v
}

// appendAddress appends writes of M (2 registers) then A (6 registers),
// all LSB first, starting at register m; A follows M directly.
func appendAddress(w []RegisterWrite, m int, a wmbus.Address) []RegisterWrite {
	var b [8]byte
	binary.LittleEndian.PutUint16(b[0:], a.Manufacturer)
	binary.LittleEndian.PutUint32(b[2:], a.ID)
	b[6], b[7] = a.Version, a.Type
	for i, v := range b {
		w = append(w, RegisterWrite{Reg: m + i, Value: v})
	}
	return w
}

// RegisterMeterWrites returns the register writes that register (or with
// opts.Add false, remove) meter m, in the order to send them: M
// (461-462) and A (463-468) LSB first, the key (470-485) MSB first, and
// last the options (460), on which the module acts. The key is written
// every time; key may be nil (written as zeros) unless opts.Encryption is
// set, else it must hold 16 bytes. Errors wrap codec.ErrMalformed.
func RegisterMeterWrites(m wmbus.Address, key []byte, opts MeterOptions) ([]RegisterWrite, error) {
	switch {
	case len(key) == 0 && opts.Encryption:
		return nil, atErr(codec.ErrMalformed, -1, "decryption on the module needs the meter's 16-byte key")
	case len(key) != 0 && len(key) != 16:
		return nil, atErr(codec.ErrMalformed, -1, "key has "+strconv.Itoa(len(key))+" bytes; want 16 (AES-128)")
	}
	w := make([]RegisterWrite, 0, 8+16+1)
	w = appendAddress(w, RegMeterM, m)
	for i := range 16 {
		var v byte
		if len(key) == 16 {
			v = key[i]
		}
		w = append(w, RegisterWrite{Reg: RegMeterKey + i, Value: v})
	}
	return append(w, RegisterWrite{Reg: RegMeterOptions, Value: opts.Value()}), nil
}

// TxDefaults are the link-layer fields the module uses when transmitting
// a frame whose fields the host omits (RegTxC..RegTxCI).
type TxDefaults struct {
	C       byte
	Address wmbus.Address
	CI      byte
}

// Config is the module configuration ConfigWrites turns into writes.
type Config struct {
	// Mode (N1 or N2) and Role select RegMode.
	Mode radio.LinkMode
	Role Role
	// FormatB sets bit FrameFormatB of RegFrameOptions. FrameOptions are
	// the other bits of that register as read from the module (ConfigWrites
	// keeps them).
	FormatB      bool
	FrameOptions byte
	// TxFields and RxFields go to RegTxFields and RegRxFields.
	TxFields FieldMask
	RxFields FieldMask
	// TxDefaults, when not nil, go to RegTxC..RegTxCI.
	TxDefaults *TxDefaults
}

// ConfigWrites returns the register writes for cfg in the order to send
// them: mode (400), field masks (401, 402), frame options (453), then the
// transmit defaults C (410), M (411-412), A (413-418), CI (419) when given.
// A mode without a RegMode value gives an error wrapping
// codec.ErrUnsupported.
func ConfigWrites(cfg Config) ([]RegisterWrite, error) {
	mode, ok := ModeValue(cfg.Mode, cfg.Role)
	if !ok {
		return nil, atErr(codec.ErrUnsupported, -1, "Telit modules have no mode value for link mode "+cfg.Mode.String()+"; use S1, S2, T1, T2, R2, C1, C2 (ME50-868), N1 or N2 (169 MHz)")
	}
	fo := cfg.FrameOptions &^ FrameFormatB
	if cfg.FormatB {
		fo |= FrameFormatB
	}
	w := []RegisterWrite{
		{RegMode, mode},
		{RegTxFields, byte(cfg.TxFields)},
		{RegRxFields, byte(cfg.RxFields)},
		{RegFrameOptions, fo},
	}
	if d := cfg.TxDefaults; d != nil {
		w = append(w, RegisterWrite{RegTxC, d.C})
		w = appendAddress(w, RegTxM, d.Address)
		w = append(w, RegisterWrite{RegTxCI, d.CI})
	}
	return w, nil
}
