package obis

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Code
	}{
		{"1-0:1.8.1", New(1, 0, 1, 8, 1, 255)},
		{"0-1:24.2.1", New(0, 1, 24, 2, 1, 255)},
		{"1-3:0.2.8", New(1, 3, 0, 2, 8, 255)},
		{"1-0:1.8.0*255", New(1, 0, 1, 8, 0, 255)},
		{"1-0:31.7.0.255", New(1, 0, 31, 7, 0, 255)},
		{"1-0:99:97.0", New(1, 0, 99, 97, 0, 255)},
		{"1-0:1.8.0*0", New(1, 0, 1, 8, 0, 0)},
		{"255-255:255.255.255*255", New(255, 255, 255, 255, 255, 255)},
		{"001-0:1.8.1", New(1, 0, 1, 8, 1, 255)},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if b, ok := ParseBytes([]byte(tc.in)); !ok || b != tc.want {
			t.Errorf("ParseBytes(%q)", tc.in)
		}
	}
	for _, bad := range []string{"", "1", "1-0:1.8", "1-0:1.8.1.2.3", "1-0:1.8.256", "1-0:1..8.1", "1-0:1.8.1 ", " 1-0:1.8.1",
		"1-0:1.8.1-", "a-0:1.8.1", "1-0:1.8.1000", "0001-0:1.8.1", "1/0:1.8.1"} {
		if c, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want error", bad, c)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v does not wrap ErrSyntax", bad, err)
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		c    Code
		want string
	}{
		{New(1, 0, 1, 8, 1, 255), "1-0:1.8.1"},
		{New(0, 1, 24, 2, 1, 255), "0-1:24.2.1"},
		{New(1, 0, 1, 8, 0, 0), "1-0:1.8.0*0"},
		{Code{}, "0-0:0.0.0*0"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%v: %q want %q", [6]byte(tc.c), got, tc.want)
		}
		back, err := Parse(tc.c.String())
		if err != nil || back != tc.c {
			t.Errorf("round trip %v: %v %v", tc.c, back, err)
		}
	}
	c := New(1, 0, 32, 7, 0, 255)
	if c.A() != 1 || c.B() != 0 || c.C() != 32 || c.D() != 7 || c.E() != 0 || c.F() != 255 || c.WithChannel(2).B() != 2 {
		t.Error("accessors")
	}
}

func TestText(t *testing.T) {
	b, err := json.Marshal(map[string]Code{"x": New(1, 0, 1, 8, 1, 255)})
	if err != nil || string(b) != `{"x":"1-0:1.8.1"}` {
		t.Fatalf("%s %v", b, err)
	}
	var m map[string]Code
	if err := json.Unmarshal([]byte(`{"y":"0-2:24.2.1"}`), &m); err != nil || m["y"] != New(0, 2, 24, 2, 1, 255) {
		t.Fatalf("%v %v", m, err)
	}
	if err := json.Unmarshal([]byte(`{"y":"nope"}`), &m); err == nil {
		t.Fatal("bad text accepted")
	}
}

func TestIsCanonical(t *testing.T) {
	for s, want := range map[string]bool{
		"1-0:1.8.1": true, "1-0:1.8.0*255": true, "1-0:31.7.0.255": true, "1-0:1.8.0*0": true,
		"1-0:99:97.0": false, "01-0:1.8.1": false, "1-0:1.8.0*00": false, "x": false, "1-0:1.8.0.0": true,
	} {
		if got := IsCanonical(s); got != want {
			t.Errorf("IsCanonical(%q) = %v", s, got)
		}
	}
}

func TestLookup(t *testing.T) {
	for s, want := range map[string]string{
		"1-0:1.8.1":   "Electricity imported, tariff 1",
		"1-1:31.4.0":  "Current limit (fuse supervision threshold), L1",
		"0-3:24.2.1":  "M-Bus last reading (capture time, value)",
		"0-1:96.1.0":  "M-Bus equipment identifier",
		"0-0:96.1.0":  "Meter serial number",
		"1-0:99.97.0": "Power failure event log (end time, duration)",
	} {
		c, _ := Parse(s)
		if got := c.Name(); got != want {
			t.Errorf("%s: %q want %q", s, got, want)
		}
	}
	if in, ok := Lookup(New(1, 0, 1, 7, 0, 255)); !ok || in.Unit != "kW" {
		t.Error("unit")
	}
	if _, ok := Lookup(New(9, 9, 9, 9, 9, 9)); ok {
		t.Error("unknown code found")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1-0:1.8.1", "1-0:99:97.0", "1-0:1.8.0*255", "0-0:96.1.255*255", "1-0:31.7.0.255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatal(err)
			}
			return
		}
		back, err := Parse(c.String())
		if err != nil || back != c {
			t.Fatalf("%q -> %v -> %q -> %v %v", s, [6]byte(c), c.String(), back, err)
		}
		if !IsCanonical(c.String()) {
			t.Fatalf("String %q not canonical", c.String())
		}
		_ = c.Name()
	})
}
