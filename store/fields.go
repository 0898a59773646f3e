package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fieldEncoder turns Reading.Fields into the JSON object text stored in the
// readings table. It is owned by the writer (guarded by the writer mutex) and
// reuses its key slice and buffers, so encoding the common value types
// (numbers, strings, booleans, nil) allocates nothing per reading.
//
// Keys are written in sorted order, so equal maps encode to equal text.
// Integers are written without a fraction and floats always carry a fraction
// or an exponent ("5.0", "1e+21"); decodeFields uses that to give integers
// back as int64 and floats as float64. NaN and ±Inf have no JSON form and are
// stored as null.
type fieldEncoder struct {
	keys []string
	tmp  bytes.Buffer
	enc  *json.Encoder
}

// appendFields appends the JSON object for fields to dst.
func (e *fieldEncoder) appendFields(dst []byte, fields map[string]any) ([]byte, error) {
	e.keys = e.keys[:0]
	for k := range fields {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys)
	dst = append(dst, '{')
	for i, k := range e.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		var err error
		dst, err = e.appendValue(dst, fields[k])
		if err != nil {
			return dst, fmt.Errorf("field %q: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

func (e *fieldEncoder) appendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case string:
		return appendJSONString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil || !json.Valid([]byte(x)) {
			return dst, fmt.Errorf("invalid json.Number %q", string(x))
		}
		return append(dst, x...), nil
	}
	// Anything else (nested maps, slices, structs, json.Marshaler) goes
	// through encoding/json; this path allocates but is rare for meter data.
	if e.enc == nil {
		e.enc = json.NewEncoder(&e.tmp)
		e.enc.SetEscapeHTML(false)
	}
	e.tmp.Reset()
	if err := e.enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimRight(e.tmp.Bytes(), "\n")...), nil
}

// appendFloat writes f so that it reads back as a float: a fraction or an
// exponent is always present. NaN and infinities become null.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, bits)
	if !bytes.ContainsAny(dst[start:], ".e") {
		dst = append(dst, ".0"...)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal. Only what JSON
// requires is escaped (quote, backslash, control characters), plus U+2028
// and U+2029 for the benefit of JavaScript consumers; invalid UTF-8 becomes
// U+FFFD. HTML characters are not escaped: consumers that put values into
// HTML must escape them there.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// decodeFields parses a stored JSON object. JSON integers that fit come back
// as int64 (or uint64 above math.MaxInt64), other numbers as float64,
// strings as string, booleans as bool, null as nil, and nested objects and
// arrays as map[string]any and []any with the same number rules.
func decodeFields(text []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("store: corrupt fields %q: %w", truncate(text, 64), err)
	}
	for k, v := range m {
		m[k] = convertNumbers(v)
	}
	return m, nil
}

func convertNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return numberValue(string(x))
	case map[string]any:
		for k, e := range x {
			x[k] = convertNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = convertNumbers(e)
		}
	}
	return v
}

func numberValue(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u
		}
	}
	f, _ := strconv.ParseFloat(s, 64) // a literal beyond float64 range reads as ±Inf
	return f
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
