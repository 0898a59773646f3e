package mbus

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/meterwire/meterwire/codec"
)

// Function is the DIF function field (EN 13757-3 6.3.2).
type Function uint8

// Functions.
const (
	Instantaneous Function = iota
	Maximum
	Minimum
	DuringError
)

var functionNames = [...]string{"instantaneous", "maximum", "minimum", "during error"}

func (f Function) String() string { return functionNames[f&3] }

// Coding is the DIF data field coding.
type Coding uint8

// Data field codings (DIF bits 3-0).
const (
	NoData Coding = iota
	Int8
	Int16
	Int24
	Int32
	Real32
	Int48
	Int64
	Selection // selection for readout: no data
	BCD2
	BCD4
	BCD6
	BCD8
	Variable // length in the first data byte (LVAR)
	BCD12
	Special // DIF 0x0F, 0x1F, 0x2F, 0x7F
)

var codingNames = [...]string{"none", "int8", "int16", "int24", "int32", "real32", "int48", "int64", "selection",
	"bcd2", "bcd4", "bcd6", "bcd8", "variable", "bcd12", "special"}

func (c Coding) String() string { return codingNames[c&15] }

// dataLen is the fixed data length of a coding; -1 for variable/special.
var dataLen = [16]int{0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1}

// Special DIF values.
const (
	DIFManufacturer     = 0x0F // manufacturer specific data to the end
	DIFManufacturerMore = 0x1F // the same, and more records follow in the next telegram
	DIFIdle             = 0x2F // idle filler
	DIFGlobalReadout    = 0x7F // global readout request
)

// Limits against hostile input (EN 13757-3 allows 10 DIFEs and 10 VIFEs).
const (
	maxDIFE = 10
	maxVIFE = 10
)

// DateTime is an EN 13757-3 date/time (types F, G, I, J). Fields the type
// does not carry are zero. Meters send local time without a zone.
type DateTime struct {
	Year, Month, Day     int
	Hour, Minute, Second int
	HasDate, HasTime     bool
	HasSeconds           bool
	Invalid              bool // the IV bit, or an impossible field
	Summer               bool // the SU (summer time) bit
}

// String formats as "2008-05-31", "2008-05-31 23:50", "23:50:12" or with
// seconds, the way meters and wmbusmeters print them.
func (t DateTime) String() string {
	b := make([]byte, 0, 19)
	if t.HasDate {
		b = appendPad(b, t.Year, 4)
		b = append(b, '-')
		b = appendPad(b, t.Month, 2)
		b = append(b, '-')
		b = appendPad(b, t.Day, 2)
	}
	if t.HasTime {
		if t.HasDate {
			b = append(b, ' ')
		}
		b = appendPad(b, t.Hour, 2)
		b = append(b, ':')
		b = appendPad(b, t.Minute, 2)
		if t.HasSeconds {
			b = append(b, ':')
			b = appendPad(b, t.Second, 2)
		}
	}
	return string(b)
}

func appendPad(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Record is one EN 13757-3 data record. Slices alias the parsed buffer.
type Record struct {
	Offset int    // offset of the DIF in the parsed application data
	DIB    []byte // DIF and DIFEs
	VIB    []byte // VIF and VIFEs (for plain-text VIFs: VIF, length, text, VIFEs)
	// PlainUnit is the unit text of a plain-text VIF (0x7C/0xFC), in wire
	// order (M-Bus sends it last character first; see PlainUnitString).
	PlainUnit []byte
	Data      []byte // the data field (for Variable: without the LVAR byte)
	LVAR      byte   // the LVAR byte of variable-length data

	Function Function
	Storage  uint64
	Tariff   uint32
	Subunit  uint32
	Coding   Coding
	Info     VIFInfo

	// The decoded value. Valid is false for BCD with non-decimal digits
	// (meters send FFFF... for "no value"), unsupported LVAR ranges and
	// records without data.
	Valid bool
	Int   int64    // integer and BCD values, before scaling
	Value float64  // Int (or the real32) × 10^Info.Exp, in Info.Unit
	Time  DateTime // for TypeDate/TypeDateTime/TypeTime
	// IsText is set for LVAR text; the text is Data in reverse order (Text()).
	IsText bool
	// Long is set for LVAR binary numbers longer than 8 bytes (0xF0-0xF6):
	// Data holds them little-endian; there is no Int or Value.
	Long bool
	// Manufacturer is set for DIF 0x0F/0x1F: Data holds everything after the
	// DIF; MoreFollow is set for 0x1F.
	Manufacturer bool
	MoreFollow   bool
}

// Text returns LVAR text data in reading order (M-Bus sends it reversed).
func (r *Record) Text() string {
	b := make([]byte, len(r.Data))
	for i, c := range r.Data {
		b[len(b)-1-i] = c
	}
	return string(b)
}

// PlainUnitString returns the plain-text VIF unit in reading order.
func (r *Record) PlainUnitString() string {
	b := make([]byte, len(r.PlainUnit))
	for i, c := range r.PlainUnit {
		b[len(b)-1-i] = c
	}
	return string(b)
}

// Parser parses application data into records, reusing its record slice
// between calls. The zero value is ready. Not safe for concurrent use.
type Parser struct {
	recs []Record
	vib  [1 + maxVIFE]byte // VIF+VIFEs of a plain-text VIF, made contiguous
}

func recErr(err error, off int, detail string) error {
	return &codec.Error{Layer: "apl", Offset: off, Err: err, Detail: detail}
}

// Parse parses the data records of apl (EN 13757-3 variable data
// structure, after any TPL header). Idle fillers (0x2F) are skipped. The
// returned slice is reused by the next call. On error the records before
// the bad one are returned with it; the error wraps codec.ErrTruncated or
// codec.ErrMalformed and gives the offset in apl.
func (p *Parser) Parse(apl []byte) ([]Record, error) {
	p.recs = p.recs[:0]
	for pos := 0; pos < len(apl); {
		dif := apl[pos]
		if dif == DIFIdle {
			pos++
			continue
		}
		if len(p.recs) == cap(p.recs) {
			p.recs = append(p.recs, Record{})[:len(p.recs)]
		}
		p.recs = p.recs[:len(p.recs)+1]
		r := &p.recs[len(p.recs)-1]
		n, err := p.parseRecord(apl, pos, r)
		if err != nil {
			p.recs = p.recs[:len(p.recs)-1]
			return p.recs, err
		}
		pos += n
	}
	return p.recs, nil
}

// parseRecord parses the record at apl[pos:] into r and returns its length.
func (ps *Parser) parseRecord(apl []byte, pos int, r *Record) (int, error) {
	*r = Record{Offset: pos}
	dif := apl[pos]
	if dif == DIFManufacturer || dif == DIFManufacturerMore {
		r.DIB = apl[pos : pos+1]
		r.Coding = Special
		r.Manufacturer = true
		r.MoreFollow = dif == DIFManufacturerMore
		r.Data = apl[pos+1:]
		r.Info = VIFInfo{Quantity: "manufacturer_data", Description: "manufacturer specific data", Known: true, Type: TypeBinary}
		return len(apl) - pos, nil
	}
	if dif&0x0F == 0x0F && dif != DIFGlobalReadout {
		// A reserved special function (0x3F..0x6F, or with the extension
		// bit): nothing after it can be parsed reliably, so the rest is kept
		// as one raw record, marked, rather than dropped or failing the
		// records before it.
		r.DIB = apl[pos : pos+1]
		r.Coding = Special
		r.Data = apl[pos+1:]
		r.Info = VIFInfo{Quantity: "reserved_special_function", Description: "reserved special function DIF; the rest of the data is kept raw", Type: TypeBinary}
		return len(apl) - pos, nil
	}
	if dif == DIFGlobalReadout {
		r.DIB = apl[pos : pos+1]
		r.Coding = Special
		r.Info = VIFInfo{Quantity: "global_readout", Description: "global readout request", Known: true}
		return 1, nil
	}
	p := pos + 1
	r.Coding = Coding(dif & 0x0F)
	r.Function = Function(dif >> 4 & 3)
	r.Storage = uint64(dif >> 6 & 1)
	ext := dif&0x80 != 0
	for i := 0; ext; i++ {
		if i == maxDIFE {
			return 0, recErr(codec.ErrMalformed, p, "more than 10 DIFEs")
		}
		if p >= len(apl) {
			return 0, recErr(codec.ErrTruncated, p, "record ends inside its DIFEs")
		}
		dife := apl[p]
		p++
		r.Storage |= uint64(dife&0x0F) << (1 + 4*i)
		r.Tariff |= uint32(dife>>4&3) << (2 * i)
		r.Subunit |= uint32(dife>>6&1) << i
		ext = dife&0x80 != 0
	}
	r.DIB = apl[pos:p]
	// VIB.
	if p >= len(apl) {
		return 0, recErr(codec.ErrTruncated, p, "record ends before its VIF")
	}
	vibStart := p
	vif := apl[p]
	p++
	if vif&0x7F == 0x7C {
		// Plain-text VIF: length and text follow the VIF, then any VIFEs.
		if p >= len(apl) {
			return 0, recErr(codec.ErrTruncated, p, "plain-text VIF without its length")
		}
		n := int(apl[p])
		if p+1+n > len(apl) {
			return 0, recErr(codec.ErrTruncated, p, "plain-text VIF of "+strconv.Itoa(n)+" characters runs past the end")
		}
		r.PlainUnit = apl[p+1 : p+1+n]
		p += 1 + n
	}
	vibEnd := p
	ext = vif&0x80 != 0
	for i := 0; ext; i++ {
		if i == maxVIFE {
			return 0, recErr(codec.ErrMalformed, p, "more than 10 VIFEs")
		}
		if p >= len(apl) {
			return 0, recErr(codec.ErrTruncated, p, "record ends inside its VIFEs")
		}
		ext = apl[p]&0x80 != 0
		p++
	}
	r.VIB = apl[vibStart:p]
	if r.PlainUnit == nil {
		r.Info = vifInfo(r.VIB)
	} else {
		// The VIFEs follow the unit text: look them up together with the VIF.
		ps.vib[0] = vif
		n := copy(ps.vib[1:], apl[vibEnd:p])
		r.Info = vifInfo(ps.vib[:1+n])
	}
	// Data.
	n := dataLen[r.Coding]
	if r.Coding == Variable {
		if p >= len(apl) {
			return 0, recErr(codec.ErrTruncated, p, "variable-length data without its LVAR byte")
		}
		r.LVAR = apl[p]
		p++
		n = lvarLen(r.LVAR)
		if n < 0 {
			return 0, recErr(codec.ErrUnsupported, p-1, "LVAR 0x"+strconv.FormatUint(uint64(r.LVAR), 16)+" (reserved)")
		}
	}
	if p+n > len(apl) {
		return 0, recErr(codec.ErrTruncated, p, r.Coding.String()+" data needs "+strconv.Itoa(n)+" bytes, "+strconv.Itoa(len(apl)-p)+" left")
	}
	r.Data = apl[p : p+n]
	decodeValue(r)
	return p + n - pos, nil
}

// lvarLen returns the data length an LVAR byte announces (EN 13757-3
// 6.3.3 Table 5), -1 for reserved values.
func lvarLen(l byte) int {
	switch {
	case l <= 0xBF:
		return int(l) // text
	case l <= 0xC9:
		return int(l - 0xC0) // positive BCD, 2 digits per byte
	case l >= 0xD0 && l <= 0xD9:
		return int(l - 0xD0) // negative BCD
	case l >= 0xE0 && l <= 0xEF:
		return int(l - 0xE0) // binary number
	case l >= 0xF0 && l <= 0xF4:
		return 4 * int(l-0xEC) // binary number of 16, 20, 24, 28 or 32 bytes
	case l == 0xF5:
		return 48 // binary number
	case l == 0xF6:
		return 64 // binary number
	}
	return -1
}

// decodeValue fills the value fields of r from r.Data.
func decodeValue(r *Record) {
	d := r.Data
	switch r.Info.Type {
	case TypeDate, TypeDateTime, TypeTime:
		if dt, ok := decodeDateTime(d, r.Coding); ok {
			r.Time = dt
			r.Valid = !dt.Invalid
			return
		}
	}
	switch r.Coding {
	case Int8, Int16, Int24, Int32, Int48, Int64:
		r.Int = leInt(d)
		r.Valid = true
	case Real32:
		r.Value = float64(math.Float32frombits(binary.LittleEndian.Uint32(d)))
		r.Valid = !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0)
		if r.Valid {
			r.Value = scale(r.Value, r.Info.Exp)
		} else {
			r.Value = 0
		}
		return
	case BCD2, BCD4, BCD6, BCD8, BCD12:
		r.Int, r.Valid = bcd(d, false)
	case Variable:
		switch l := r.LVAR; {
		case l <= 0xBF:
			r.IsText = true
			r.Valid = true
			return
		case l <= 0xC9:
			r.Int, r.Valid = bcd(d, false)
		case l <= 0xD9:
			r.Int, r.Valid = bcd(d, true)
		case l <= 0xEF:
			if len(d) <= 8 {
				r.Int = leInt(d)
				r.Valid = true
			}
		default:
			// Binary numbers of 16..64 bytes do not fit an int64: Data keeps
			// them, FieldValue shows them as hex.
			r.Valid = true
			r.Long = true
			return
		}
	default:
		return
	}
	if r.Valid {
		r.Value = scale(float64(r.Int), r.Info.Exp)
	}
}

// scale multiplies v by 10^exp with exact powers for the usual exponents.
func scale(v float64, exp int) float64 {
	if exp >= 0 && exp < len(pow10) {
		return v * pow10[exp]
	}
	if exp < 0 && -exp < len(pow10) {
		return v / pow10[-exp]
	}
	return v * math.Pow10(exp)
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// leInt reads a little-endian two's complement integer of 1..8 bytes.
func leInt(d []byte) int64 {
	var u uint64
	for i := len(d) - 1; i >= 0; i-- {
		u = u<<8 | uint64(d[i])
	}
	if n := len(d); n > 0 && n < 8 && d[n-1]&0x80 != 0 {
		u |= ^uint64(0) << (8 * n) // sign-extend
	}
	return int64(u)
}

// bcd reads little-endian packed BCD. A high nibble 0xF in the most
// significant byte means negative (EN 13757-3 Annex: "F" as minus sign, as
// jMBus, libmbus and wmbusmeters read it). Any other non-decimal digit makes
// the value invalid (meters send all-F for "no value").
func bcd(d []byte, negative bool) (int64, bool) {
	var v int64
	for i := len(d) - 1; i >= 0; i-- {
		hi, lo := d[i]>>4, d[i]&0x0F
		if i == len(d)-1 && hi == 0x0F && len(d) > 0 {
			negative = !negative
			hi = 0
		}
		if hi > 9 || lo > 9 {
			return 0, false
		}
		v = v*100 + int64(hi)*10 + int64(lo)
	}
	if negative {
		v = -v
	}
	return v, true
}

// decodeDateTime decodes types G (2 bytes), J (3), F (4) and I (6) by the
// data length (EN 13757-3 Annex A).
func decodeDateTime(d []byte, c Coding) (DateTime, bool) {
	var t DateTime
	year := func(lo, hi byte) int {
		y := int(lo&0xE0)>>5 | int(hi&0xF0)>>1
		if y < 81 {
			return 2000 + y
		}
		return 1900 + y
	}
	switch len(d) {
	case 2: // G
		if c != Int16 {
			return t, false
		}
		t.HasDate = true
		t.Day, t.Month, t.Year = int(d[0]&0x1F), int(d[1]&0x0F), year(d[0], d[1])
		t.Invalid = d[0] == 0xFF && d[1] == 0xFF
	case 3: // J: time of day
		t.HasTime, t.HasSeconds = true, true
		t.Second, t.Minute, t.Hour = int(d[0]&0x3F), int(d[1]&0x3F), int(d[2]&0x1F)
	case 4: // F
		if c != Int32 {
			return t, false
		}
		t.HasDate, t.HasTime = true, true
		t.Minute, t.Hour = int(d[0]&0x3F), int(d[1]&0x1F)
		t.Day, t.Month, t.Year = int(d[2]&0x1F), int(d[3]&0x0F), year(d[2], d[3])
		t.Invalid = d[0]&0x80 != 0
		t.Summer = d[1]&0x80 != 0
	case 6: // I
		t.HasDate, t.HasTime, t.HasSeconds = true, true, true
		t.Second, t.Minute, t.Hour = int(d[0]&0x3F), int(d[1]&0x3F), int(d[2]&0x1F)
		t.Day, t.Month, t.Year = int(d[3]&0x1F), int(d[4]&0x0F), year(d[3], d[4])
		t.Invalid = d[1]&0x80 != 0
		t.Summer = d[0]&0x40 != 0
	default:
		return t, false
	}
	if t.HasDate && (t.Month > 12 || t.Day > 31) || t.HasTime && (t.Hour > 23 || t.Minute > 59 || t.Second > 59) {
		t.Invalid = true
	}
	return t, true
}
