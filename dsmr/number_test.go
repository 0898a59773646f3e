package dsmr

import (
	"strconv"
	"testing"
)

func TestParseNumberMatchesParseFloat(t *testing.T) {
	for _, s := range []string{"0", "000004.426", "-063", "+1.5", "1.", ".5", "2147583646", "00032549.5061662",
		"9007199254740993", "123456789012345678.5", "1234567890123456789", "0.000000000000000001", "99999999999999999.99"} {
		f, n, ok := parseNumber(s)
		want, err := strconv.ParseFloat(s, 64)
		if !ok || n != len(s) || err != nil || f != want {
			t.Errorf("%q: %v %d %v, ParseFloat %v %v", s, f, n, ok, want, err)
		}
	}
	for _, s := range []string{"", "-", ".", "+.", "x1", "12345678901234567890", "1234567890123456789.1"} {
		if f, _, ok := parseNumber(s); ok {
			t.Errorf("%q accepted: %v", s, f)
		}
	}
	if f, n, ok := parseNumber("12.5*kWh"); !ok || n != 4 || f != 12.5 {
		t.Errorf("prefix: %v %d %v", f, n, ok)
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"000004.426", "-063", "1.", "9007199254740993.25"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, n, ok := parseNumber(s)
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s[:n], 64)
		if err != nil || v != want {
			t.Fatalf("%q: %v, ParseFloat %v %v", s[:n], v, want, err)
		}
	})
}
