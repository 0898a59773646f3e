// Package obis handles OBIS codes (IEC 62056-61, Object Identification
// System): the six-group identifiers A-B:C.D.E*F that name every value a
// meter publishes, in DSMR P1 telegrams ("1-0:1.8.1") as well as in DLMS
// A-XDR structures (six raw bytes).
//
// A Code is the six group values. Parse and ParseBytes read the textual
// form leniently, because meters print it in several shapes:
//
//	1-0:1.8.1        five groups, F omitted (F = 255)
//	1-0:1.8.1*255    F after '*' (EasyMeter)
//	1-0:31.7.0.255   F after '.' (DSMR 4.2.2 specification example)
//	1-0:99:97.0      wrong separator (DSMR 4.0 specification example)
//
// String prints the canonical form, so comparing it with the printed text
// tells whether a meter used an irregular form.
//
// Lookup knows the name and usual unit of the codes found in P1 telegrams
// (DSMR 2.2 to 5, Belgian e-MUCS, Luxembourg smarty, Austrian, Hungarian,
// Swedish and Irish variants). It is a description table, not a
// specification: codes it does not know are still valid codes.
package obis

import (
	"errors"
	"strconv"
)

// Code is an OBIS code: the value groups A (medium), B (channel), C
// (quantity), D (processing), E (classification, e.g. tariff) and F
// (billing period; 255 = current value), in that order. The zero Code is
// 0-0:0.0.0*0.
type Code [6]byte

// New returns the code A-B:C.D.E*F.
func New(a, b, c, d, e, f byte) Code { return Code{a, b, c, d, e, f} }

// A returns the medium group (0 abstract, 1 electricity, 7 gas, 8 water...).
func (c Code) A() byte { return c[0] }

// B returns the channel group (the M-Bus channel in DSMR 0-n:24.x codes).
func (c Code) B() byte { return c[1] }

// C returns the quantity group (1 active power +, 32 voltage L1, ...).
func (c Code) C() byte { return c[2] }

// D returns the processing group (7 instantaneous, 8 energy register...).
func (c Code) D() byte { return c[3] }

// E returns the classification group (tariff number for registers).
func (c Code) E() byte { return c[4] }

// F returns the billing period group (255: current value).
func (c Code) F() byte { return c[5] }

// WithChannel returns c with group B replaced by ch.
func (c Code) WithChannel(ch byte) Code { c[1] = ch; return c }

// String returns the canonical text: "A-B:C.D.E" when F is 255 (how DSMR
// prints codes) and "A-B:C.D.E*F" otherwise.
func (c Code) String() string {
	var buf [24]byte
	return string(c.AppendText(buf[:0]))
}

// AppendText appends the canonical text of c (see String) to b.
func (c Code) AppendText(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(c[0]), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(c[1]), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(c[2]), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(c[3]), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(c[4]), 10)
	if c[5] != 255 {
		b = append(b, '*')
		b = strconv.AppendUint(b, uint64(c[5]), 10)
	}
	return b
}

// MarshalText implements encoding.TextMarshaler with the canonical text.
func (c Code) MarshalText() ([]byte, error) { return c.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (c *Code) UnmarshalText(b []byte) error {
	v, ok := ParseBytes(b)
	if !ok {
		return errSyntax(string(b))
	}
	*c = v
	return nil
}

// ErrSyntax is wrapped by the errors Parse returns.
var ErrSyntax = errors.New("obis: invalid code")

type syntaxError struct{ s string }

// Error says what is wrong and what a code looks like.
func (e *syntaxError) Error() string {
	return "obis: invalid code " + strconv.Quote(e.s) + ": want A-B:C.D.E or A-B:C.D.E*F with groups 0..255"
}

// Unwrap returns ErrSyntax.
func (e *syntaxError) Unwrap() error { return ErrSyntax }

func errSyntax(s string) error { return &syntaxError{s: s} }

// Parse reads an OBIS code in text form. It accepts five groups A-B:C.D.E
// (F is then 255) or six groups, each a decimal number 0..255, separated by
// any of '-', ':', '.' and '*' (so the irregular forms meters print are
// read too; see the package documentation). Surrounding spaces are not
// accepted.
func Parse(s string) (Code, error) {
	c, ok := parse(s)
	if !ok {
		return Code{}, errSyntax(s)
	}
	return c, nil
}

// ParseBytes is Parse for a byte slice without allocating; ok reports
// whether b holds a code.
func ParseBytes(b []byte) (c Code, ok bool) { return parse(string(b)) }

// ParseString is Parse without an error value, for hot paths: ok reports
// whether s holds a code.
func ParseString(s string) (c Code, ok bool) { return parse(s) }

// byte classes for parse: 0 invalid, 1 separator, 2.. digit value + 2
var class = func() (t [256]byte) {
	for _, c := range "-:.*" {
		t[c] = 1
	}
	for d := byte(0); d <= 9; d++ {
		t['0'+d] = d + 2
	}
	return t
}()

func parse(s string) (c Code, ok bool) {
	n, v, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		k := class[s[i]]
		if k >= 2 {
			v = v*10 + int(k-2)
			digits++
			continue
		}
		if k == 0 || digits == 0 || digits > 3 || v > 255 || n == 5 {
			return Code{}, false
		}
		c[n] = byte(v)
		n++
		v, digits = 0, 0
	}
	if digits == 0 || digits > 3 || v > 255 {
		return Code{}, false
	}
	c[n] = byte(v)
	switch n {
	case 4:
		c[5] = 255
	case 5:
	default:
		return Code{}, false
	}
	return c, true
}

// IsCanonical reports whether s is a code printed the regular way:
// "A-B:C.D.E", "A-B:C.D.E*F" or "A-B:C.D.E.F", without leading zeros.
func IsCanonical(s string) bool {
	c, ok := parse(s)
	if !ok {
		return false
	}
	var buf [24]byte
	base := Code{c[0], c[1], c[2], c[3], c[4], 255}.AppendText(buf[:0])
	n := len(base)
	if len(s) < n || s[:n] != string(base) {
		return false
	}
	rest := s[n:]
	if rest == "" {
		return c[5] == 255
	}
	if rest[0] != '*' && rest[0] != '.' {
		return false
	}
	return rest[1:] == strconv.Itoa(int(c[5]))
}
