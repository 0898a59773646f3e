package mbus

import (
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
)

// Wired M-Bus CI fields that are not transport layers (EN 13757-3, EN
// 13757-7:2018 Table 2, m-bus.com 6.1). The transport-layer CIs (0x72,
// 0x78, 0x7A, ...) are decoded by package wmbus.
const (
	CIApplicationReset     = 0x50 // application reset (or select), optional subcode, no TPL header
	CIDataSend             = 0x51 // data send: EN 13757-3 records from master to slave
	CISelectSlave          = 0x52 // selection of a slave by secondary address
	CIApplicationResetLong = 0x53 // application reset (or select) with a long TPL header
	CISynchronizeAction    = 0x54 // m-bus.com: "synchronize action"; EN 13757-7:2018: request of selected application
	CIAppError             = 0x70 // report of application errors
	CIAlarm                = 0x71 // report of alarms
	CIFixedLSB             = 0x73 // fixed data structure, least significant byte first (mode 1)
	CIFixedMSB             = 0x77 // fixed data structure, most significant byte first (mode 2)
	CIBaud300              = 0xB8 // set baud rate to 300; 0xB9..0xBF: 600..38400
	CIBaud38400            = 0xBF
)

// ciNames names the wired CIs, for messages and explanations.
var ciNames = map[byte]string{
	0x50: "application reset",
	0x51: "data send (mode 1, LSB first)",
	0x52: "selection of slaves (mode 1)",
	0x53: "application reset or select, long TPL header",
	0x54: "synchronize action / request of selected application",
	0x55: "data send (mode 2, MSB first)",
	0x56: "selection of slaves (mode 2, MSB first)",
	0x5A: "command, short TPL header",
	0x5B: "command, long TPL header",
	0x5C: "synchronise action",
	0x70: "report of application errors",
	0x71: "report of alarms",
	0x72: "variable data response (mode 1), long TPL header",
	0x73: "fixed data response (mode 1, LSB first)",
	0x74: "report of alarms, short TPL header",
	0x75: "report of alarms, long TPL header",
	0x76: "variable data response (mode 2, MSB first)",
	0x77: "fixed data response (mode 2, MSB first)",
	0x78: "variable data response, no TPL header",
	0x7A: "variable data response, short TPL header",
	0xB1: "request readout of complete RAM content (Techem)",
	0xB2: "send user data, RAM write (Techem)",
	0xB3: "initialize test calibration mode",
	0xB4: "EEPROM read (Techem)",
	0xB6: "start software test (Techem)",
}

// CIName names a wired M-Bus CI field, "" if it has no known meaning.
func CIName(ci byte) string {
	if ci >= CIBaud300 && ci <= CIBaud38400 {
		return "set baud rate to " + strconv.Itoa(BaudRate(ci))
	}
	return ciNames[ci]
}

// BaudRate returns the baud rate a CI 0xB8..0xBF selects, 0 for other CIs.
func BaudRate(ci byte) int {
	if ci < CIBaud300 || ci > CIBaud38400 {
		return 0
	}
	return 300 << (ci - CIBaud300)
}

// CFieldName names a wired M-Bus C field (EN 13757-2): "SND_NKE",
// "SND_UD", "REQ_UD1", "REQ_UD2" (master to slave, FCB/FCV bits in any
// state that is valid) or "RSP_UD" (slave to master, ACD/DFC in any state);
// "" for other values.
func CFieldName(c byte) string {
	switch c {
	case 0x40:
		return "SND_NKE"
	case 0x53, 0x73:
		return "SND_UD"
	case 0x5A, 0x7A:
		return "REQ_UD1"
	case 0x5B, 0x7B:
		return "REQ_UD2"
	case 0x08, 0x18, 0x28, 0x38:
		return "RSP_UD"
	}
	return ""
}

// AppError is a CI 0x70 report of application errors (EN 13757-3 general
// application errors). A frame without a data byte reports code 0.
type AppError struct {
	Code byte
	// NoData is set when the frame carried no error byte ("unspecified
	// error: also if data field is missing").
	NoData bool
	// Extra holds any bytes after the error code, aliasing the input
	// (later editions append further information; it is kept, not read).
	Extra []byte
}

// Application error codes (EN 13757-3).
const (
	AppErrUnspecified      = 0
	AppErrUnimplementedCI  = 1
	AppErrBufferTooLong    = 2
	AppErrTooManyRecords   = 3
	AppErrPrematureEnd     = 4
	AppErrTooManyDIFEs     = 5
	AppErrTooManyVIFEs     = 6
	AppErrApplicationBusy  = 8
	AppErrTooManyReadouts  = 9
	appErrFirstUnallocated = 10
)

var appErrNames = [appErrFirstUnallocated]string{
	"unspecified error",
	"unimplemented CI-field",
	"buffer too long, truncated",
	"too many records",
	"premature end of record",
	"more than 10 DIFEs",
	"more than 10 VIFEs",
	"reserved",
	"application too busy for handling readout request",
	"too many readouts",
}

// ParseAppError reads the data of a CI 0x70 frame (the bytes after the CI).
// Every input is valid.
func ParseAppError(data []byte) AppError {
	if len(data) == 0 {
		return AppError{NoData: true}
	}
	return AppError{Code: data[0], Extra: data[1:len(data):len(data)]}
}

// String names the error, e.g. "application too busy for handling readout
// request"; codes 7 and 10..255 are "reserved (code N)".
func (e AppError) String() string {
	if e.Code < appErrFirstUnallocated && e.Code != 7 {
		return appErrNames[e.Code]
	}
	return "reserved (code " + strconv.Itoa(int(e.Code)) + ")"
}

// FixedLen is the length of the fixed data structure after the CI.
const FixedLen = 16

// Fixed is a fixed data structure (CI 0x73 LSB first, 0x77 MSB first;
// EN 1434-3:1997, kept in EN 13757-3 as "not recommended for new
// developments"): ID(4, BCD) ACC STS medium/unit(2) counter 1(4)
// counter 2(4).
type Fixed struct {
	// ID is the identification number, BCD as sent: print it with %08X
	// (IDString). Non-decimal digits are kept.
	ID  uint32
	ACC byte // access number
	// STS is the status byte: bits 0-4 as in the variable structure
	// (application error, power low, permanent and temporary error), bit 6
	// set for stored (historic, fixed-date) counters, bit 7 set for binary
	// counters (clear: BCD).
	STS byte
	// MSBFirst is set for CI 0x77: every multi-byte field (ID, medium/unit,
	// counters) was sent most significant byte first.
	MSBFirst bool
	// Medium is the 4-bit medium code from the top two bits of each unit
	// byte (counter 1's byte gives bits 1-0), see MediumName.
	Medium   byte
	Counters [2]FixedCounter
}

// Fixed-structure status bits.
const (
	FixedStatusStored = 0x40 // counters hold stored (historic) values, not actual ones
	FixedStatusBinary = 0x80 // counters are binary, not BCD
)

// Binary reports whether the counters are binary (STS bit 7) rather than BCD.
func (f *Fixed) Binary() bool { return f.STS&FixedStatusBinary != 0 }

// Stored reports whether the counters hold stored (historic) values (STS bit 6).
func (f *Fixed) Stored() bool { return f.STS&FixedStatusStored != 0 }

// IDString returns the identification number as 8 digits.
func (f *Fixed) IDString() string { return IDString(f.ID) }

// IDString formats a BCD identification number (as read least significant
// byte first into a uint32) as its 8 digits; non-decimal nibbles show as
// hex digits (0xF: a wildcard in selections).
func IDString(id uint32) string {
	const hexd = "0123456789ABCDEF"
	var b [8]byte
	for i := range 8 {
		b[i] = hexd[id>>(28-4*i)&0xF]
	}
	return string(b[:])
}

var fixedMedia = [16]string{
	"other", "oil", "electricity", "gas", "heat", "steam", "hot water", "water",
	"heat cost allocator", "reserved", "gas (mode 2)", "heat (mode 2)", "hot water (mode 2)",
	"water (mode 2)", "heat cost allocator (mode 2)", "reserved",
}

// MediumName names the fixed-structure medium code (EN 1434-3 / m-bus.com
// 6.2 table of fixed media).
func (f *Fixed) MediumName() string { return fixedMedia[f.Medium&0x0F] }

// FixedCounter is one counter of a fixed data structure.
type FixedCounter struct {
	// UnitCode is the 6-bit unit code as sent (m-bus.com 6.2 table of
	// fixed units): 0x02 Wh .. 0x3F without units.
	UnitCode byte
	// Raw is the counter field as sent, in wire order (aliases the input).
	Raw []byte
	// Int is the counter value (BCD or binary, see Fixed.Binary) before
	// scaling. Valid is false for BCD with non-decimal digits.
	Int   int64
	Valid bool
	// Unit, Exp and Quantity describe the value the way VIFInfo does for
	// records: the value in Unit is Int × 10^Exp (Value). Unit codes
	// without a physical unit ("h,m,s", "D,M,Y", units for H.C.A.,
	// without units, reserved) have an empty Unit.
	Unit     string
	Exp      int
	Quantity string
	Value    float64
	// Historic is set for counter 2 with unit code 0x3E ("same but
	// historic"): it carries counter 1's unit and a stored value.
	Historic bool
}

// Unit code 0x3E: counter 2 has counter 1's unit and holds a historic value.
const fixedSameButHistoric = 0x3E

// fixedUnit maps a 6-bit fixed unit code to base unit, exponent and quantity.
func fixedUnit(code byte) (unit string, exp int, quantity string) {
	code &= 0x3F
	switch {
	case code == 0x00:
		return "", 0, "time_hms" // counter holds a time of day (h,m,s)
	case code == 0x01:
		return "", 0, "date_dmy" // counter holds a date (D,M,Y)
	case code <= 0x0A: // Wh .. 100 MWh
		return "Wh", int(code) - 0x02, "energy"
	case code <= 0x13: // kJ .. 100 GJ
		return "J", int(code) - 0x0B + 3, "energy"
	case code <= 0x1C: // W .. 100 MW
		return "W", int(code) - 0x14, "power"
	case code <= 0x25: // kJ/h .. 100 GJ/h
		return "J/h", int(code) - 0x1D + 3, "power"
	case code <= 0x2E: // ml .. 100 m3
		return "m3", int(code) - 0x26 - 6, "volume"
	case code <= 0x37: // ml/h .. 100 m3/h
		return "m3/h", int(code) - 0x2F - 6, "volume_flow"
	case code == 0x38:
		return "C", -3, "temperature"
	case code == 0x39:
		return "", 0, "hca"
	case code == fixedSameButHistoric:
		return "", 0, "same_but_historic"
	case code == 0x3F:
		return "", 0, "dimensionless"
	}
	return "", 0, "reserved" // 0x3A..0x3D
}

// FixedUnitName returns the unit a fixed-structure unit code names, as the
// tables print it: "Wh", "10 Wh", "kWh", "MJ", "l", "m3/h", "1e-3 °C",
// "units for HCA", "same but historic", "without units", "reserved".
func FixedUnitName(code byte) string {
	code &= 0x3F
	switch code {
	case 0x00:
		return "h,m,s"
	case 0x01:
		return "D,M,Y"
	case 0x38:
		return "1e-3 °C"
	case 0x39:
		return "units for HCA"
	case fixedSameButHistoric:
		return "same but historic"
	case 0x3F:
		return "without units"
	}
	unit, exp, q := fixedUnit(code)
	if q == "reserved" {
		return "reserved"
	}
	switch unit {
	case "m3":
		if exp < -3 {
			return stepName(exp+6, "ml")
		}
		if exp < 0 {
			return stepName(exp+3, "l")
		}
		return stepName(exp, "m3")
	case "m3/h":
		if exp < -3 {
			return stepName(exp+6, "ml/h")
		}
		if exp < 0 {
			return stepName(exp+3, "l/h")
		}
		return stepName(exp, "m3/h")
	}
	// Wh, W, J, J/h: steps of 1, 10, 100 with an SI prefix for the thousands.
	name := unit
	if p := " kMG"[exp/3]; p != ' ' {
		name = string(p) + unit
	}
	return stepName(exp%3, name)
}

func stepName(step int, unit string) string {
	switch step {
	case 1:
		return "10 " + unit
	case 2:
		return "100 " + unit
	}
	return unit
}

// ParseFixed parses the 16-byte fixed data structure after a CI 0x73
// (msbFirst false) or 0x77 (msbFirst true). Errors are *codec.Error
// wrapping codec.ErrTruncated (fewer than 16 bytes) or codec.ErrMalformed
// (more), with offsets counted in data. Counter slices alias data.
func ParseFixed(data []byte, msbFirst bool) (Fixed, error) {
	if len(data) < FixedLen {
		return Fixed{}, &codec.Error{Layer: "fixed", Offset: len(data), Err: codec.ErrTruncated,
			Detail: "fixed data structure needs " + strconv.Itoa(FixedLen) + " bytes, got " + strconv.Itoa(len(data))}
	}
	if len(data) > FixedLen {
		return Fixed{}, &codec.Error{Layer: "fixed", Offset: FixedLen, Err: codec.ErrMalformed,
			Detail: "fixed data structure is " + strconv.Itoa(FixedLen) + " bytes, the frame has " + strconv.Itoa(len(data)-FixedLen) + " more"}
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if msbFirst {
		order = binary.BigEndian
	}
	f := Fixed{
		ID:       order.Uint32(data[0:4]),
		ACC:      data[4],
		STS:      data[5],
		MSBFirst: msbFirst,
	}
	mu := order.Uint16(data[6:8]) // low byte: counter 1 unit, high byte: counter 2 unit
	u1, u2 := byte(mu), byte(mu>>8)
	f.Medium = u1>>6 | (u2>>6)<<2
	for i, u := range [2]byte{u1 & 0x3F, u2 & 0x3F} {
		c := &f.Counters[i]
		c.UnitCode = u
		c.Raw = data[8+4*i : 12+4*i : 12+4*i]
		if f.Binary() {
			c.Int, c.Valid = int64(order.Uint32(c.Raw)), true
		} else {
			var le [4]byte
			if msbFirst {
				le = [4]byte{c.Raw[3], c.Raw[2], c.Raw[1], c.Raw[0]}
			} else {
				copy(le[:], c.Raw)
			}
			c.Int, c.Valid = bcd(le[:], false)
		}
		code := u
		if i == 1 && u == fixedSameButHistoric {
			code = u1 & 0x3F
			c.Historic = true
		}
		c.Unit, c.Exp, c.Quantity = fixedUnit(code)
		if c.Valid {
			c.Value = scale(float64(c.Int), c.Exp)
		}
	}
	return f, nil
}

// Select is the secondary address of a CI 0x52 selection (EN 13757-3,
// m-bus.com 7.1): ID(4, BCD) M(2) version medium, all least significant
// byte first. Wildcards: an ID digit 0xF, manufacturer 0xFFFF, version or
// medium 0xFF match anything.
type Select struct {
	ID           uint32 // BCD digits as sent, 0xF per wildcard digit (IDPattern)
	Manufacturer uint16 // M field; 0xFFFF matches any manufacturer
	Version      byte   // 0xFF matches any version
	Medium       byte   // device type; 0xFF matches any medium
	// Data holds what follows the 8-byte address (enhanced selection: the
	// fabrication number as records), aliasing the input.
	Data []byte
}

// SelectLen is the length of the secondary address in a CI 0x52 frame.
const SelectLen = 8

// IDPattern returns the ID as 8 characters, wildcard digits as 'F'.
func (s *Select) IDPattern() string { return IDString(s.ID) }

// AnyManufacturer, AnyVersion and AnyMedium report the wildcards.
func (s *Select) AnyManufacturer() bool { return s.Manufacturer == 0xFFFF }

// AnyVersion reports whether the version is a wildcard.
func (s *Select) AnyVersion() bool { return s.Version == 0xFF }

// AnyMedium reports whether the medium is a wildcard.
func (s *Select) AnyMedium() bool { return s.Medium == 0xFF }

// ParseSelect parses the data of a CI 0x52 frame. Errors wrap
// codec.ErrTruncated when the 8-byte address is incomplete.
func ParseSelect(data []byte) (Select, error) {
	if len(data) < SelectLen {
		return Select{}, &codec.Error{Layer: "select", Offset: len(data), Err: codec.ErrTruncated,
			Detail: "secondary address needs " + strconv.Itoa(SelectLen) + " bytes (ID, manufacturer, version, medium), got " + strconv.Itoa(len(data))}
	}
	return Select{
		ID:           binary.LittleEndian.Uint32(data),
		Manufacturer: binary.LittleEndian.Uint16(data[4:]),
		Version:      data[6],
		Medium:       data[7],
		Data:         data[SelectLen:len(data):len(data)],
	}, nil
}

// CommandKind says what a master-to-slave frame asks for.
type CommandKind uint8

// Command kinds.
const (
	CommandReset       CommandKind = iota + 1 // CI 0x50, 0x53: application reset (optional subcode)
	CommandDataSend                           // CI 0x51: records to write follow
	CommandSelect                             // CI 0x52: select a slave by secondary address
	CommandSynchronize                        // CI 0x54
	CommandSetBaud                            // CI 0xB8..0xBF
)

func (k CommandKind) String() string {
	switch k {
	case CommandReset:
		return "application reset"
	case CommandDataSend:
		return "data send"
	case CommandSelect:
		return "select slave"
	case CommandSynchronize:
		return "synchronize action"
	case CommandSetBaud:
		return "set baud rate"
	}
	return "unknown"
}

// LongHeader is the TPL long header of CI 0x53: ID(4, BCD) M(2) version
// medium ACC STS CFG(2), least significant byte first.
type LongHeader struct {
	ID           uint32
	Manufacturer uint16
	Version      byte
	Medium       byte
	ACC, STS     byte
	CFG          uint16
}

// longHeaderLen is the length of a TPL long header after the CI.
const longHeaderLen = 12

// Command is a master-to-slave frame with one of the CIs 0x50..0x54 or
// 0xB8..0xBF.
type Command struct {
	CI   byte
	Kind CommandKind
	// Subcode is the application reset subcode (CI 0x50/0x53) when
	// HasSubcode; it selects what is reset or which application (telegram
	// type) is selected, as the slave's documentation defines.
	Subcode    byte
	HasSubcode bool
	// Header is the long TPL header of CI 0x53.
	Header    LongHeader
	HasHeader bool
	// Select is the secondary address of CI 0x52.
	Select Select
	// Baud is the baud rate of CI 0xB8..0xBF.
	Baud int
	// Data is the application data after the fixed part: the records of
	// CI 0x51 (parse them with a Parser), the enhanced-selection data of
	// 0x52, the bytes of 0x54 and anything after a reset subcode. It
	// aliases the input.
	Data []byte
	// DataOffset is the offset of Data in the bytes after the CI.
	DataOffset int
}

// IsCommandCI reports whether ParseCommand decodes ci.
func IsCommandCI(ci byte) bool {
	return ci >= CIApplicationReset && ci <= CISynchronizeAction || ci >= CIBaud300 && ci <= CIBaud38400
}

// ParseCommand parses the data after a master-to-slave CI (IsCommandCI).
// Errors are *codec.Error wrapping codec.ErrTruncated (the fixed part is
// incomplete), codec.ErrUnsupported (an encrypted CI 0x53 or another CI)
// or codec.ErrMalformed (data after a baud-rate CI), with offsets counted
// in data.
func ParseCommand(ci byte, data []byte) (Command, error) {
	c := Command{CI: ci}
	switch {
	case ci == CIApplicationReset:
		c.Kind = CommandReset
		if len(data) > 0 {
			c.Subcode, c.HasSubcode = data[0], true
			c.DataOffset = 1
		}
	case ci == CIApplicationResetLong:
		c.Kind = CommandReset
		if len(data) < longHeaderLen {
			return c, &codec.Error{Layer: "tpl", Offset: len(data), Err: codec.ErrTruncated,
				Detail: "CI 0x53 long TPL header needs 12 bytes, got " + strconv.Itoa(len(data))}
		}
		c.Header = LongHeader{
			ID:           binary.LittleEndian.Uint32(data),
			Manufacturer: binary.LittleEndian.Uint16(data[4:]),
			Version:      data[6],
			Medium:       data[7],
			ACC:          data[8],
			STS:          data[9],
			CFG:          binary.LittleEndian.Uint16(data[10:]),
		}
		c.HasHeader = true
		if mode := c.Header.CFG >> 8 & 0x1F; mode != 0 {
			return c, &codec.Error{Layer: "tpl", Offset: 10, Err: codec.ErrUnsupported,
				Detail: "CI 0x53 application reset with security mode " + strconv.Itoa(int(mode)) + ": encrypted commands are not decoded"}
		}
		c.DataOffset = longHeaderLen
		if len(data) > longHeaderLen {
			c.Subcode, c.HasSubcode = data[longHeaderLen], true
			c.DataOffset++
		}
	case ci == CIDataSend:
		c.Kind = CommandDataSend
	case ci == CISelectSlave:
		c.Kind = CommandSelect
		s, err := ParseSelect(data)
		if err != nil {
			return c, err
		}
		c.Select = s
		c.DataOffset = SelectLen
	case ci == CISynchronizeAction:
		c.Kind = CommandSynchronize
	case ci >= CIBaud300 && ci <= CIBaud38400:
		c.Kind = CommandSetBaud
		c.Baud = BaudRate(ci)
		if len(data) > 0 {
			return c, &codec.Error{Layer: "mbus", Offset: 0, Err: codec.ErrMalformed,
				Detail: "set-baud-rate CI 0x" + strconv.FormatUint(uint64(ci), 16) + " carries no data, got " + strconv.Itoa(len(data)) + " bytes"}
		}
	default:
		return c, &codec.Error{Layer: "mbus", Offset: -1, Err: codec.ErrUnsupported,
			Detail: "CI 0x" + strconv.FormatUint(uint64(ci), 16) + " is not a master-to-slave command"}
	}
	c.Data = data[c.DataOffset:len(data):len(data)]
	return c, nil
}
