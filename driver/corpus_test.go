package driver

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

// corpusCase is one driver test of the reference decoder (wmbusmeters):
// the telegram, the meter's arguments (name, driver, id, key) and the JSON
// it prints. The file is shared with package telegram; see its README for
// the provenance.
type corpusCase struct {
	Driver   string `json:"driver"`
	Args     string `json:"args"`
	Telegram string `json:"telegram"`
	JSON     string `json:"json"`
	Pass     bool   `json:"pass"`
}

// envelope fields are the reference's own, not the meter's.
var envelope = map[string]bool{"_": true, "media": true, "meter": true, "name": true, "id": true, "timestamp": true}

// tally counts expected fields and those found under the same name with
// the same value, per driver.
type tally struct {
	cases, expected, named, equal, status, statusEqual, detected int
	implemented                                                  bool
	misses                                                       []string
}

// TestCorpus runs every driver test telegram of the reference through the
// decoder and the driver the test names, and counts the expected fields
// present with the same name and value (numbers within 1e-6 relative) and
// the status texts that agree. It reports the figures per driver (go test
// -v -run TestCorpus ./driver) and fails when they fall below the floors:
// the floors only go up as drivers are added.
func TestCorpus(t *testing.T) {
	data, err := os.ReadFile("../telegram/testdata/wmbusmeters/wmbusmeters_driver_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	// The reference's own driver tests for drivers the shared corpus
	// lacks, in the same form (testdata/README.md says where they come
	// from); measured alongside but reported apart.
	more, _ := filepath.Glob("testdata/reference_*.json")
	var extra []corpusCase
	for _, f := range more {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []corpusCase
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		extra = append(extra, cs...)
	}
	measureExtra(t, extra)
	per := map[string]*tally{}
	var td telegram.Decoder
	for _, c := range cases {
		args := strings.Fields(c.Args)
		if len(args) < 4 {
			continue
		}
		ta := per[c.Driver]
		if ta == nil {
			ta = &tally{}
			per[c.Driver] = ta
		}
		ta.cases++
		var want map[string]any
		if err := json.Unmarshal([]byte(c.JSON), &want); err != nil {
			t.Fatalf("%s: expected JSON: %v", c.Driver, err)
		}
		got := Output{}
		d := Lookup(args[1])
		if d == nil {
			d = Lookup(c.Driver)
		}
		if d != nil {
			ta.implemented = true
			var det *Driver
			got, det = decodeWith(t, &td, d, c.Telegram, args[3])
			if det == d {
				ta.detected++
			}
		}
		for k, v := range want {
			if envelope[k] {
				continue
			}
			ta.expected++
			isStatus := strings.HasSuffix(k, "status")
			if isStatus {
				ta.status++
			}
			g, ok := got.Values[k]
			if !ok {
				if d != nil {
					ta.misses = append(ta.misses, k+" missing")
				}
				continue
			}
			ta.named++
			if sameValue(g, v) {
				ta.equal++
				if isStatus {
					ta.statusEqual++
				}
			} else {
				ta.misses = append(ta.misses, fmt.Sprintf("%s=%v want %v", k, g, v))
			}
		}
	}
	var names []string
	var all tally
	drivers := 0
	for n, ta := range per {
		names = append(names, n)
		all.cases += ta.cases
		all.expected += ta.expected
		all.named += ta.named
		all.equal += ta.equal
		all.status += ta.status
		all.statusEqual += ta.statusEqual
		all.detected += ta.detected
		if ta.implemented {
			drivers++
		}
	}
	sort.Strings(names)
	for _, n := range names {
		ta := per[n]
		if !ta.implemented {
			continue
		}
		t.Logf("%-16s %2d telegrams (%d detected): %3d/%3d fields equal, status %d/%d %s", n, ta.cases, ta.detected, ta.equal, ta.expected, ta.statusEqual, ta.status, strings.Join(first(ta.misses, 4), "; "))
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("corpus: %d telegrams, %d of %d reference drivers implemented; fields equal %d/%d (%.1f%%), status texts %d/%d (%.1f%%), telegrams detected as their driver %d",
		all.cases, drivers, len(per), all.equal, all.expected, pct(all.equal, all.expected), all.statusEqual, all.status, pct(all.statusEqual, all.status), all.detected)
	// Floors: raise them with every driver added.
	if all.equal < floorFields || all.statusEqual < floorStatus || all.detected < floorDetected {
		t.Errorf("below the floors: %d fields equal (floor %d), %d status texts (floor %d), %d detected (floor %d)", all.equal, floorFields, all.statusEqual, floorStatus, all.detected, floorDetected)
	}
}

const (
	floorFields   = 2692
	floorStatus   = 197
	floorDetected = 246
)

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// decodeWith decodes a reference test telegram with the key ("NOKEY":
// none), applies d and returns the driver detection picks for the
// telegram's meter. "_", "|" and "#" only mark where parts of a telegram
// begin; "," separates telegrams sent in a row (a full frame, then a
// compact frame that needs its format), which are decoded in order and the
// last one measured.
func decodeWith(t *testing.T, td *telegram.Decoder, d *Driver, tel, key string) (Output, *Driver) {
	td.WMBus.Keys = nil
	if key != "NOKEY" {
		k, err := hex.DecodeString(key)
		if err == nil {
			td.WMBus.Keys = wmbus.StaticKey(k)
		}
	}
	var (
		res *telegram.Result
		b   []byte
	)
	for _, part := range strings.Split(tel, ",") {
		var err error
		b, err = hex.DecodeString(strings.NewReplacer("_", "", "|", "", "#", "").Replace(part))
		if err != nil {
			t.Logf("telegram %s: not hex (%v): counted as not decoded", part, err)
			return Output{}, nil
		}
		res, _ = td.Decode(b)
	}
	var out Output
	if res == nil {
		return out, nil
	}
	out.Telegram = res.Telegram
	var apl []byte
	var det *Driver
	if res.Telegram != nil {
		apl = res.Telegram.APL()
		det, _ = ChooseFor(Auto, res.Telegram)
	}
	if err := d.Apply(res.Records, apl, &out); err != nil {
		t.Errorf("%s: %v", d.Name, err)
	}
	return out, det
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		return g == w || math.Abs(g-w) <= 1e-6*math.Max(math.Abs(g), math.Abs(w))
	case string:
		g, ok := got.(string)
		return ok && g == w
	case nil:
		return got == nil
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// measureExtra runs the reference's driver tests kept in testdata (for
// drivers the shared corpus has no telegram of): every expected field and
// status text must be equal, and each telegram detected as its driver.
func measureExtra(t *testing.T, cases []corpusCase) {
	var td telegram.Decoder
	equal, expected, detected := 0, 0, 0
	for _, c := range cases {
		args := strings.Fields(c.Args)
		d := Lookup(c.Driver)
		if d == nil || len(args) < 4 {
			t.Errorf("%s: no such driver (or bad args %q)", c.Driver, c.Args)
			continue
		}
		var want map[string]any
		if err := json.Unmarshal([]byte(c.JSON), &want); err != nil {
			t.Fatalf("%s: expected JSON: %v", c.Driver, err)
		}
		got, det := decodeWith(t, &td, d, c.Telegram, args[3])
		if det == d {
			detected++
		} else {
			t.Errorf("%s: telegram %s not detected as its driver", c.Driver, c.Telegram)
		}
		for k, v := range want {
			if envelope[k] {
				continue
			}
			expected++
			if g, ok := got.Values[k]; ok && sameValue(g, v) {
				equal++
			} else {
				t.Errorf("%s: %s = %v, want %v", c.Driver, k, got.Values[k], v)
			}
		}
	}
	if len(cases) > 0 {
		t.Logf("reference tests kept here: %d telegrams, %d detected, fields equal %d/%d", len(cases), detected, equal, expected)
	}
}
