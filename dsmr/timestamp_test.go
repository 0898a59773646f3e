package dsmr

import (
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	ams := ProfileNLDSMR5.Location
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
		off  string // the printed zone offset
	}{
		// winter and summer
		{"101209113020W", ams, utc(2010, 12, 9, 10, 30, 20), "+01:00"},
		{"200512135409S", ProfileBE.Location, utc(2020, 5, 12, 11, 54, 9), "+02:00"},
		{"200512135409s", ProfileBE.Location, utc(2020, 5, 12, 11, 54, 9), "+02:00"},
		// the autumn hour that happens twice: 2023-10-29 02:30 in Amsterdam
		{"231029023000S", ams, utc(2023, 10, 29, 0, 30, 0), "+02:00"},
		{"231029023000W", ams, utc(2023, 10, 29, 1, 30, 0), "+01:00"},
		// the same in Dublin (IST +01:00, GMT): the zone data marks winter
		// as daylight saving time, so offsets are compared by size
		{"231029013000S", ProfileIE.Location, utc(2023, 10, 29, 0, 30, 0), "+01:00"},
		{"231029013000W", ProfileIE.Location, utc(2023, 10, 29, 1, 30, 0), "Z"},
		{"230115120000W", ProfileIE.Location, utc(2023, 1, 15, 12, 0, 0), "Z"},
		{"230715120000S", ProfileIE.Location, utc(2023, 7, 15, 11, 0, 0), "+01:00"},
		// the hours around the autumn transition are not ambiguous
		{"231029015959S", ams, utc(2023, 10, 28, 23, 59, 59), "+02:00"},
		{"231029030000W", ams, utc(2023, 10, 29, 2, 0, 0), "+01:00"},
		// a flag contradicting the date is ignored
		{"230115120000S", ams, utc(2023, 1, 15, 11, 0, 0), "+01:00"},
		{"231029033000S", ams, utc(2023, 10, 29, 2, 30, 0), "+01:00"},
		// in the spring gap (02:30 does not exist) the flag decides
		{"230326023000W", ams, utc(2023, 3, 26, 1, 30, 0), "+02:00"},
		// DSMR 2.2 profile timestamps have no flag
		{"161107190000", ams, utc(2016, 11, 7, 18, 0, 0), "+01:00"},
		// two-digit years: 69..99 are 19xx
		{"700101010000W", ams, utc(1970, 1, 1, 0, 0, 0), "+01:00"},
		{"000101000001W", ams, utc(1999, 12, 31, 23, 0, 1), "+01:00"},
		{"000229120000W", ams, utc(2000, 2, 29, 11, 0, 0), "+01:00"},
	}
	for _, tc := range tests {
		got, ok := ParseTimestamp(tc.in, tc.loc)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("%s in %v: got %v %v, want %v", tc.in, tc.loc, got, ok, tc.want)
			continue
		}
		if f := got.Format(time.RFC3339); f[len(f)-len(tc.off):] != tc.off {
			t.Errorf("%s: %s, want offset %s", tc.in, f, tc.off)
		}
	}
	for _, bad := range []string{"", "632525252525S", "123412341234W", "230229120000W", "231301000000W", "230101240000W",
		"230101006000W", "230101000060W", "23010100000W", "2301010000000", "23010100000AW", "230101000000X"} {
		if got, ok := ParseTimestamp(bad, ams); ok {
			t.Errorf("%q accepted: %v", bad, got)
		}
	}
}

// The S/W flag travels with the value and the profile picks the zone.
func TestTimestampInTelegram(t *testing.T) {
	b := []byte("/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(231029023000S)\r\n0-1:24.1.0(003)\r\n0-1:24.2.1(231029023000W)(00001.000*m3)\r\n!\r\n")
	tel, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tel.Get("0-0:1.0.0").Timestamp()
	g, _ := tel.Get("0-1:24.2.1").Timestamp()
	if g.Sub(a) != time.Hour || tel.Get("0-0:1.0.0").Values[0].TimeFlag != 'S' {
		t.Fatalf("S %v, W %v", a, g)
	}
	f := tel.Fields()
	if f["timestamp"] != "2023-10-29T02:30:00+02:00" || f["gas_timestamp"] != "2023-10-29T02:30:00+01:00" {
		t.Fatalf("%v %v", f["timestamp"], f["gas_timestamp"])
	}
	// the same telegram read as Irish: other zone, other instant
	tel, _ = ParseWithProfile(b, ProfileIE)
	if ts, _ := tel.Get("0-0:1.0.0").Timestamp(); !ts.Equal(time.Date(2023, 10, 29, 2, 30, 0, 0, time.UTC)) {
		t.Fatalf("IE %v", ts)
	}
}
