package dsmr

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meterwire/meterwire/obis"
)

// parseList reads a (...) group holding a comma-separated list; off is
// its offset in Raw. Timestamps are only recognised here (kind); their
// instants need the profile's time zone and are computed by interpret.
func parseList(raw string, off int) Value {
	v := Value{Raw: raw, Offset: off}
	v.Items = make([]Value, 0, strings.Count(raw, ",")+1)
	o := 0
	for {
		end := len(raw)
		i := strings.IndexByte(raw[o:], ',')
		if i >= 0 {
			end = o + i
		}
		v.Items = append(v.Items, Value{Raw: raw[o:end], Offset: off + o})
		scalar(&v.Items[len(v.Items)-1])
		if i < 0 {
			break
		}
		o = end + 1
	}
	f := &v.Items[0]
	v.Number, v.IsNumber, v.Unit = f.Number, f.IsNumber, f.Unit
	return v
}

// scalar classifies v.Raw: a timestamp (recognised only; interpret gives
// it an instant in the profile's zone), a number with optional unit, or
// text.
func scalar(v *Value) {
	r := v.Raw
	if len(r) == 13 && allDigits(r[:12]) {
		switch r[12] {
		case 'S', 'W', 's', 'w':
			v.kind = kindTSFlag
			return
		}
	}
	num, n, ok := parseNumber(r)
	if !ok {
		return
	}
	if n == len(r) {
		v.Number, v.IsNumber = num, true
		return
	}
	if r[n] == '*' {
		v.Number, v.IsNumber, v.Unit = num, true, r[n+1:]
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber reads [+-]digits[.digits] at the start of s and returns the
// value and the number of bytes read. It needs 1 to 19 digits. The
// result equals strconv.ParseFloat's: mantissas below 2^53 divided by an
// exact power of ten are correctly rounded; longer ones use ParseFloat.
func parseNumber(s string) (float64, int, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		i = 1
	}
	var m uint64 // wraps beyond 19 digits, which are rejected below
	start := i
	for i < len(s) && s[i]-'0' <= 9 {
		m = m*10 + uint64(s[i]-'0')
		i++
	}
	digits, frac := i-start, 0
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i]-'0' <= 9 {
			m = m*10 + uint64(s[i]-'0')
			i++
		}
		frac = i - fs
		digits += frac
	}
	if digits == 0 || digits > 19 {
		// more than 19 digits is an identifier, not a DSMR number (Fn(x,y)
		// has at most a dozen)
		return 0, 0, false
	}
	if m >= 1<<53 {
		f, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, 0, false
		}
		return f, i, true
	}
	f := float64(m) / pow10[frac]
	if neg {
		f = -f
	}
	return f, i, true
}

// fracDigits returns the number of digits after the decimal point of the
// number at the start of s.
func fracDigits(s string) int {
	d := strings.IndexByte(s, '.')
	if d < 0 {
		return 0
	}
	n := 0
	for i := d + 1; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n++
	}
	return n
}

// isTextCode reports codes whose values are hex-encoded text: equipment
// identifiers (0-n:96.1.x), text messages (0-0:96.13.x) and the COSEM
// logical device name (0-0:42.0.0).
func isTextCode(c obis.Code) bool {
	if c[0] != 0 {
		return false
	}
	return c[2] == 96 && (c[3] == 1 || c[3] == 13) || c[2] == 42 && c[3] == 0 && c[4] == 0
}

// hexText decodes s when it is hexadecimal of printable text (UTF-8 without
// control characters other than tab, CR and LF).
func hexText(s string) (string, bool) {
	if len(s) < 2 || len(s)%2 != 0 {
		return "", false
	}
	var buf [96]byte
	var dst []byte
	if len(s)/2 <= len(buf) {
		dst = buf[:0]
	} else {
		dst = make([]byte, 0, len(s)/2)
	}
	for i := 0; i < len(s); i += 2 {
		h, ok1 := hexDigit(s[i])
		l, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			return "", false
		}
		c := h<<4 | l
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7F {
			return "", false
		}
		dst = append(dst, c)
	}
	if !utf8.Valid(dst) {
		return "", false
	}
	return string(dst), true
}
