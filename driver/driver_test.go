package driver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

func TestStatusText(t *testing.T) {
	s := &Status{Default: "OK", Bits: []Bit{{Mask: 1, Value: 1, Text: "DRY"}, {Mask: 6, Value: 2, Text: "LEAK"}, {Mask: 6, Value: 6, Text: "BURST"}}}
	for v, want := range map[uint64]string{0: "OK", 1: "DRY", 2: "LEAK", 3: "DRY LEAK", 6: "BURST", 4: "OK"} {
		if got := s.Text(v); got != want {
			t.Errorf("%d: %q, want %q", v, got, want)
		}
	}
}

// Definitions are checked when registered: clashing names, unknown units
// and fields that match anything fail loudly.
func TestRegisterChecks(t *testing.T) {
	for want, d := range map[string]*Driver{
		"field total_m3 twice":  {Name: "x1", Fields: []Field{{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}}, {Name: "total", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}}}},
		`unknown unit "gallon"`: {Name: "x2", Fields: []Field{{Name: "total", Unit: "gallon", Match: Match{Quantity: "volume"}}}},
		"matches any record":    {Name: "x3", Fields: []Field{{Name: "total", Unit: "m3"}}},
		"is taken by driver":    {Name: "supercom587"},
		"is detected by driver": {Name: "x4", Detect: []Detect{{"SON", 0x3C, 0x07}}},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), want) {
					t.Errorf("%s: %v", d.Name, r)
				}
			}()
			Register(d)
		}()
	}
}

// Fields convert from the record's unit to theirs, or say why not.
func TestFieldUnits(t *testing.T) {
	r := mbus.Record{Valid: true, Value: 1500, Info: mbus.VIFInfo{Quantity: "energy", Unit: "Wh"}}
	f := Field{Name: "total_energy", Unit: "mwh", Match: Match{Quantity: "energy"}}
	if v, err := f.value(&r); err != nil || v != 1.5e-3 {
		t.Errorf("mwh: %v %v", v, err)
	}
	f.Unit = "m3"
	if _, err := f.value(&r); err == nil || !strings.Contains(err.Error(), `"kwh", which does not convert to "m3"`) {
		t.Errorf("m3 from kwh: %v", err)
	}
}

func TestTPLStatus(t *testing.T) {
	tel := &wmbus.Telegram{TPL: wmbus.TPL{Present: true, Header: wmbus.HeaderShort, STS: 0x1E | 0x40 | 0x80}}
	got := JoinStatus(TPLStatus(tel, map[byte]string{0x40: "SABOTAGE_ENCLOSURE"}), []string{"LEAK OK"})
	if got != "ERROR LEAK PERMANENT_ERROR POWER_LOW SABOTAGE_ENCLOSURE TEMPORARY_ERROR UNKNOWN_80" {
		t.Errorf("%q", got)
	}
	if got := JoinStatus(TPLStatus(&wmbus.Telegram{}, nil)); got != "OK" {
		t.Errorf("no TPL: %q", got)
	}
}
