package dsmr

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/obis"
)

// Layer is the layer name in errors and explanations.
const Layer = "p1"

// Telegram is one parsed P1 telegram. Parse fills it; its strings are
// copies and stay valid after the input is reused, Raw aliases the input.
type Telegram struct {
	// Raw is the input given to Parse, not copied. Every Offset in the
	// Telegram counts from Raw[0].
	Raw []byte
	// Start is the offset of the '/' that begins the telegram (0 unless the
	// input started with white space).
	Start int
	// Header is the identification line after '/', without the line end,
	// e.g. `ISk5\2MT382-1000`: three letters of manufacturer, the baud
	// rate character and the meter's identification.
	Header string
	// CRC is the checksum line and its verification.
	CRC CRC
	// Objects are the data lines in the order of the telegram, unknown
	// codes included.
	Objects []Object
	// Unparsed lists the lines Parse could not read as an object; the
	// error Parse returns names the first of them.
	Unparsed []BadLine
	// Profile is the meter family the telegram was read as: detected from
	// the header and the objects, or given to ParseWithProfile.
	Profile *Profile
	// End is the offset just after the CRC line and its line end;
	// Raw[End:] is whatever followed (see Trailer). It is len(Raw) when the
	// '!' line is missing.
	End int
}

// CRC is the '!' line that ends a telegram: the CRC-16/ARC over the bytes
// from '/' through '!' inclusive, printed as hexadecimal digits.
type CRC struct {
	// Present is false when '!' is followed by no digit (DSMR 2.2 and 3,
	// EasyMeter) or when the '!' line is missing.
	Present bool
	// Value is the CRC as printed.
	Value uint16
	// Computed is the CRC of the received bytes, computed even when none
	// is printed.
	Computed uint16
	// OK is Present && Value == Computed.
	OK bool
	// Digits is the number of hexadecimal digits printed: 4 normally,
	// fewer from meters that do not pad (seen: "!B9F").
	Digits int
	// LowerCase reports hexadecimal letters printed in lower case.
	LowerCase bool
	// Offset is the offset of '!' in Raw, -1 when the line is missing; Len
	// is the length of the '!' line without its line end.
	Offset, Len int
}

// Object is one data line: an OBIS code followed by one or more
// parenthesised values, e.g. `1-0:1.8.1(000004.426*kWh)`.
type Object struct {
	// OBIS is the code as printed, e.g. "1-0:1.8.1" (irregular forms such as
	// "1-0:99:97.0" or "1-0:1.8.0*255" are kept as they are).
	OBIS string
	// Code is the parsed code; a code printed with five groups has F = 255.
	Code obis.Code
	// Values holds every (...) group in order, including those of a DSMR
	// 2.2 continuation line (see Parse).
	Values []Value
	// Line is the 1-based line number in Raw (the header is line 1).
	Line int
	// Offset and Len are the byte range of the line in Raw without its line
	// end; for an object continued on a following line the range covers
	// both lines.
	Offset, Len int
}

// Value is the text of one (...) group and what it means.
type Value struct {
	// Raw is the text between the parentheses, as printed.
	Raw string
	// Unit is the text after '*' as printed ("kWh", "m3", "s", "kwh");
	// empty when the value has none. For a DSMR 2.2/3 reading profile
	// (0-n:24.3.0) the value on the continuation line gets the unit group
	// of the profile line, e.g. "m3".
	Unit string
	// Text is the hex-decoded text of identifiers and text messages
	// (0-0:96.1.1, 0-n:96.1.0, 0-0:42.0.0, 0-0:96.13.0, ...) when Raw is
	// valid hexadecimal of printable text; otherwise empty (see String).
	Text string
	// Time is the timestamp when IsTime: YYMMDDhhmmssX in the profile's
	// time zone, X = 'S' (summer time) or 'W' (winter time), which also
	// picks the instant in the repeated autumn hour (see ParseTimestamp).
	// DSMR 2.2 profile timestamps without X are read too.
	Time time.Time
	// Number is the numeric part when IsNumber: "000004.426*kWh" gives
	// 4.426. Numbers are kept in the unit printed; Telegram.Fields scales.
	// A number has 1 to 19 digits, an optional sign and decimal point.
	Number float64
	// Offset is the offset of Raw in Telegram.Raw (the byte after '(').
	Offset int
	// Items are the comma-separated parts of a group holding a list, e.g.
	// smarty's "100.0*A,-100.0*A"; nil otherwise. The Value's own Number,
	// Unit and IsNumber are those of the first item.
	Items []Value

	// IsNumber reports that Number (and Unit) hold the value.
	IsNumber bool
	// IsTime reports that Time holds a valid timestamp.
	IsTime bool
	// TimeFlag is 'S' or 'W' as printed after a timestamp, 0 if none.
	TimeFlag byte

	kind uint8
}

// BadLine is a line Parse could not read.
type BadLine struct {
	Line        int    // 1-based line number
	Offset, Len int    // byte range in Raw, without line end
	Reason      string // what is wrong
}

// value kinds recognised before the time zone is known.
const (
	kindPlain    uint8 = iota
	kindTSFlag         // YYMMDDhhmmssX
	kindTSNoFlag       // YYMMDDhhmmss in a DSMR 2.2 profile line
)

// String returns Text when it is set, Raw otherwise.
func (v *Value) String() string {
	if v.Text != "" {
		return v.Text
	}
	return v.Raw
}

// Trailer returns the bytes after the CRC line (nil if none): some
// captures carry extra lines there (EasyMeter); a telegram found by Split
// has none.
func (t *Telegram) Trailer() []byte {
	if t.End >= len(t.Raw) {
		return nil
	}
	return t.Raw[t.End:]
}

// Find returns the first object with code c, or nil.
func (t *Telegram) Find(c obis.Code) *Object {
	for i := range t.Objects {
		if t.Objects[i].Code == c {
			return &t.Objects[i]
		}
	}
	return nil
}

// Get returns the first object whose code is written s ("1-0:1.8.1"; any
// form obis.Parse reads), or nil.
func (t *Telegram) Get(s string) *Object {
	c, err := obis.Parse(s)
	if err != nil {
		return nil
	}
	return t.Find(c)
}

// Main returns the value that is the object's reading, or nil when it has
// no values: the last value for an M-Bus reading (0-n:24.2.x: capture time,
// value; 0-n:24.3.0: value on the continuation line) and for a maximum
// demand (1-0:1.6.0: time, value); the count (the first value) for the
// buffers 1-0:99.97.0 and 0-0:98.1.0; the first value otherwise.
func (o *Object) Main() *Value {
	n := len(o.Values)
	if n == 0 {
		return nil
	}
	if isBuffer(o.Code) {
		return &o.Values[0]
	}
	if n >= 2 && (o.Values[0].IsTime || o.Values[0].kind != kindPlain) {
		return &o.Values[n-1]
	}
	return &o.Values[0]
}

// Number returns the main value's number.
func (o *Object) Number() (float64, bool) {
	v := o.Main()
	if v == nil || !v.IsNumber {
		return 0, false
	}
	return v.Number, true
}

// Timestamp returns the capture time of a reading printed as (time)(value),
// or the time of an object whose main value is a timestamp.
func (o *Object) Timestamp() (time.Time, bool) {
	if len(o.Values) == 0 {
		return time.Time{}, false
	}
	if o.Values[0].IsTime {
		return o.Values[0].Time, true
	}
	return time.Time{}, false
}

func isBuffer(c obis.Code) bool {
	return c == codePowerFailureLog || c == codeMaxDemandHistory
}

var (
	codePowerFailureLog  = obis.New(1, 0, 99, 97, 0, 255)
	codeMaxDemandHistory = obis.New(0, 0, 98, 1, 0, 255)
)

// Parse reads one telegram: b runs from '/' (white space before it is
// skipped) through the '!' line with its CRC, as Split returns it or as a
// file holds it; bytes after the CRC line are kept (Telegram.Trailer). The
// profile is detected (see DetectProfile).
//
// A CRC mismatch is not an error: Telegram.CRC reports it and the caller
// decides. Every line between the header and '!' becomes an Object or a
// BadLine; blank lines are skipped. A line that starts with '(' continues
// the previous object (DSMR 2.2/3 print the gas reading of 0-n:24.3.0 on
// its own line); its values are appended to that object.
//
// Errors are *codec.Error with Layer "p1" wrapping
//   - codec.ErrTruncated: empty input, no line end after the header, or no
//     '!' line (Iskra MT382 meters of the DSMR 2.2 era omit it); the
//     returned Telegram then holds every line that was present;
//   - codec.ErrMalformed: the input does not start with '/', or some lines
//     are not OBIS objects; the Telegram holds the others and lists these
//     in Unparsed.
//
// Parse never panics. It allocates a handful of times per telegram (one
// string copy of b that all strings share, the object and value slices,
// and decoded texts), not per byte or per line.
func Parse(b []byte) (*Telegram, error) { return parse(b, nil, nil) }

// ParseWithProfile is Parse with the profile given instead of detected:
// use it when detection picks the wrong meter family. A nil p detects.
func ParseWithProfile(b []byte, p *Profile) (*Telegram, error) { return parse(b, p, nil) }

// Parser parses telegrams like Parse but reuses its Telegram and its object
// and value slices from one call to the next, for a port that delivers a
// telegram every second: the returned Telegram is valid until the next
// call. The zero value is ready; not safe for concurrent use.
type Parser struct {
	// Profile, if set, is used instead of detecting one.
	Profile *Profile

	t    Telegram
	objs []Object
	vals []Value
}

// Parse parses b (see the package function Parse).
func (p *Parser) Parse(b []byte) (*Telegram, error) { return parse(b, p.Profile, p) }

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func newErr(sentinel error, off int, detail string) *codec.Error {
	return &codec.Error{Layer: Layer, Offset: off, Err: sentinel, Detail: detail}
}

func parse(b []byte, prof *Profile, reuse *Parser) (*Telegram, error) {
	start := 0
	for start < len(b) && isBlank(b[start]) {
		start++
	}
	if start == len(b) {
		return nil, newErr(codec.ErrTruncated, start, "no telegram: the input is empty")
	}
	if b[start] != '/' {
		return nil, newErr(codec.ErrMalformed, start, "a P1 telegram starts with '/'; pass the bytes from '/' through the CRC line (Split finds them in a stream)")
	}
	s := string(b) // the one copy every string of the Telegram aliases
	t := &Telegram{}
	if reuse != nil {
		t = &reuse.t
	}
	*t = Telegram{Raw: b, Start: start, End: len(b)}
	t.CRC.Offset = -1

	nl := strings.IndexByte(s[start:], '\n')
	if nl < 0 {
		t.Header = strings.TrimRight(s[start+1:], "\r")
		t.Profile = pickProfile(prof, t)
		t.CRC.Computed = checksum(b[start:])
		return t, newErr(codec.ErrTruncated, len(b), "the header line has no line end; the telegram is cut off")
	}
	hdrEnd := start + nl
	if hdrEnd > start && s[hdrEnd-1] == '\r' {
		hdrEnd--
	}
	t.Header = s[start+1 : hdrEnd]

	pos := start + nl + 1
	nObj, nVal := bytes.Count(b[pos:], []byte{'\n'})+1, bytes.Count(b[pos:], []byte{'('})
	var vals []Value
	if reuse != nil {
		if cap(reuse.objs) < nObj {
			reuse.objs = make([]Object, 0, nObj)
		}
		if cap(reuse.vals) < nVal {
			reuse.vals = make([]Value, 0, nVal)
		}
		// The parser fills elements in place and relies on zero values.
		clear(reuse.objs[:cap(reuse.objs)])
		clear(reuse.vals[:cap(reuse.vals)])
		t.Objects, vals = reuse.objs[:0], reuse.vals[:0]
	} else {
		t.Objects = make([]Object, 0, nObj)
		vals = make([]Value, 0, nVal)
	}
	line := 1
	bang := -1
	afterObject := false // the previous non-blank line was an object
	for pos < len(s) {
		line++
		end := len(s)
		next := len(s)
		if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
			end = pos + i
			next = end + 1
		}
		lo, hi := pos, end
		for lo < hi && (s[lo] == ' ' || s[lo] == '\t' || s[lo] == '\r') {
			lo++
		}
		for hi > lo && isBlank(s[hi-1]) {
			hi--
		}
		pos = next
		if lo == hi {
			continue
		}
		wasObject := afterObject
		afterObject = false
		switch s[lo] {
		case '!':
			bang = lo
			t.End = next
			t.parseCRCLine(s, lo, hi, line)
		case '(':
			if !wasObject {
				t.bad(line, lo, hi, "a value line with no object line before it")
				continue
			}
			o := &t.Objects[len(t.Objects)-1]
			first := len(vals) - len(o.Values)
			var reason string
			vals, reason = parseValues(s, lo, hi, vals)
			if reason != "" {
				clear(vals[first+len(o.Values):])
				vals = vals[:first+len(o.Values)]
				t.bad(line, lo, hi, reason)
				continue
			}
			o.Values = vals[first:len(vals):len(vals)]
			o.Len = hi - o.Offset
			afterObject = true
		default:
			t.Objects = append(t.Objects, Object{})
			o := &t.Objects[len(t.Objects)-1]
			var reason string
			vals, reason = parseObject(o, s, lo, hi, vals)
			if reason != "" {
				t.Objects = t.Objects[:len(t.Objects)-1]
				t.bad(line, lo, hi, reason)
				continue
			}
			o.Line = line
			afterObject = true
		}
		if bang >= 0 {
			break
		}
	}
	if bang >= 0 {
		t.CRC.Computed = checksum(b[start : bang+1])
		t.CRC.OK = t.CRC.Present && t.CRC.Value == t.CRC.Computed
	} else {
		t.CRC.Computed = checksum(b[start:])
	}
	t.interpret(prof)

	if bang < 0 {
		return t, newErr(codec.ErrTruncated, len(b), "no '!' line ends the telegram: it is cut off, or the meter omits the end line (some DSMR 2.2 Iskra MT382 do)")
	}
	if len(t.Unparsed) > 0 {
		u := t.Unparsed[0]
		d := "line " + itoa(u.Line) + ": " + u.Reason
		if n := len(t.Unparsed) - 1; n > 0 {
			d += " (and " + itoa(n) + " more unparsed lines)"
		}
		return t, newErr(codec.ErrMalformed, u.Offset, d)
	}
	return t, nil
}

func (t *Telegram) bad(line, lo, hi int, reason string) {
	t.Unparsed = append(t.Unparsed, BadLine{Line: line, Offset: lo, Len: hi - lo, Reason: reason})
}

// parseCRCLine reads "!XXXX" in s[lo:hi] (trimmed).
func (t *Telegram) parseCRCLine(s string, lo, hi, line int) {
	c := &t.CRC
	c.Offset, c.Len = lo, hi-lo
	var v uint16
	n := 0
	i := lo + 1
	for ; i < hi && n < 4; i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			break
		}
		if s[i] >= 'a' {
			c.LowerCase = true
		}
		v = v<<4 | uint16(d)
		n++
	}
	c.Digits = n
	c.Present = n > 0
	c.Value = v
	if i < hi {
		t.bad(line, lo, hi, "unexpected characters after the CRC")
	}
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// parseObject reads one object line s[lo:hi] (trimmed, not empty) into
// *o, appending its values to vals. A non-empty reason says why the line
// is not an object; vals is then returned unchanged.
func parseObject(o *Object, s string, lo, hi int, vals []Value) ([]Value, string) {
	p := lo
	for p < hi && s[p] != '(' {
		p++
	}
	if p == hi {
		return vals, "no (value) after the code"
	}
	idEnd := p
	for idEnd > lo && (s[idEnd-1] == ' ' || s[idEnd-1] == '\t') {
		idEnd--
	}
	code, ok := obis.ParseString(s[lo:idEnd])
	if !ok {
		return vals, "not an OBIS code before '('"
	}
	n := len(vals)
	vals, reason := parseValues(s, p, hi, vals)
	if reason != "" {
		clear(vals[n:])
		return vals[:n], reason
	}
	o.OBIS, o.Code, o.Values, o.Offset, o.Len = s[lo:idEnd], code, vals[n:len(vals):len(vals)], lo, hi-lo
	return vals, ""
}

// valueStop marks the bytes that end or split a value's text.
var valueStop = [256]bool{')': true, '(': true, ',': true}

// parseValues reads "(..)(..)" groups from s[p:hi], appending to vals.
func parseValues(s string, p, hi int, vals []Value) ([]Value, string) {
	for p < hi {
		c := s[p]
		if c == ' ' || c == '\t' {
			p++
			continue
		}
		if c != '(' {
			return vals, "unexpected text after a value"
		}
		q := p + 1
		comma := false
		for {
			for q < hi && !valueStop[s[q]] {
				q++
			}
			if q == hi {
				return vals, "a value without closing ')'"
			}
			if s[q] == ')' {
				break
			}
			if s[q] == '(' {
				return vals, "'(' inside a value"
			}
			comma = true
			q++
		}
		if comma {
			vals = append(vals, parseList(s[p+1:q], p+1))
		} else {
			// Fill the slot in place: copying a Value costs write barriers
			// for its pointers. Slots past len(vals) are zero (parse
			// counted the '(' for the capacity; rollbacks clear).
			if len(vals) < cap(vals) {
				vals = vals[:len(vals)+1]
			} else {
				vals = append(vals, Value{})
			}
			v := &vals[len(vals)-1]
			v.Raw, v.Offset = s[p+1:q], p+1
			scalar(v)
		}
		p = q + 1
	}
	return vals, ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// ParseLine reads one object line such as "1-0:1.8.1(000004.426*kWh)"
// (surrounding blanks and the line end are ignored), with timestamps in
// p's time zone; a nil p means ProfileNLDSMR5. Offsets in the result count
// from the start of line; Line is 1. Errors are *codec.Error wrapping
// codec.ErrMalformed. Parse does not use it: it reads whole telegrams.
func ParseLine(line string, p *Profile) (Object, error) {
	lo, hi := 0, len(line)
	for lo < hi && isBlank(line[lo]) {
		lo++
	}
	for hi > lo && isBlank(line[hi-1]) {
		hi--
	}
	if lo == hi {
		return Object{}, newErr(codec.ErrMalformed, 0, "empty line")
	}
	var o Object
	_, reason := parseObject(&o, line, lo, hi, nil)
	if reason != "" {
		return Object{}, newErr(codec.ErrMalformed, lo, reason)
	}
	o.Line = 1
	if p == nil {
		p = ProfileNLDSMR5
	}
	t := Telegram{Objects: []Object{o}}
	t.interpret(p)
	return t.Objects[0], nil
}
