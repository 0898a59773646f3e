package telegram

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// wmCase is one telegram with the JSON wmbusmeters prints for it.
type wmCase struct {
	source, driver string
	telegrams      [][]byte // usually one; a driver test may chain several with ","
	key            []byte
	expected       map[string]any
}

func loadWMCases(t *testing.T) []wmCase {
	var out []wmCase
	var cases []struct {
		Driver, Key, Telegram, Source string
		ExpectedJSON                  string `json:"expected_json_repo"`
	}
	b, err := os.ReadFile("testdata/wmbusmeters/wmbusmeters_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		out = append(out, wmCase{source: "cases", driver: c.Driver, telegrams: splitTelegrams(c.Telegram), key: keyOf(c.Key), expected: parseJSONObj(c.ExpectedJSON)})
	}
	var drv []struct {
		Driver, Args, Telegram, JSON string
	}
	if b, err = os.ReadFile("testdata/wmbusmeters/wmbusmeters_driver_tests.json"); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &drv); err != nil {
		t.Fatal(err)
	}
	for _, c := range drv {
		args := strings.Fields(c.Args)
		var key []byte
		if len(args) > 0 {
			key = keyOf(args[len(args)-1])
		}
		out = append(out, wmCase{source: "driver", driver: c.Driver, telegrams: splitTelegrams(c.Telegram), key: key, expected: parseJSONObj(c.JSON)})
	}
	return out
}

func splitTelegrams(s string) [][]byte {
	var out [][]byte
	for _, part := range strings.Split(s, ",") {
		out = append(out, cleanHex(part))
	}
	return out
}

func cleanHex(s string) []byte {
	s = strings.NewReplacer("_", "", "|", "", " ", "").Replace(s)
	b, _ := hexDecode(s)
	return b
}

func hexDecode(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		hi, ok1 := hexNibble(s[2*i])
		lo, ok2 := hexNibble(s[2*i+1])
		if !ok1 || !ok2 {
			return nil, os.ErrInvalid
		}
		b[i] = hi<<4 | lo
	}
	return b, nil
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func keyOf(s string) []byte {
	if len(s) != 32 {
		return nil
	}
	k, err := hexDecode(s)
	if err != nil {
		return nil
	}
	return k
}

func parseJSONObj(s string) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// candidates returns the numbers a record's value may be printed as, in
// the unit conversions wmbusmeters uses.
func candidates(r *mbus.Record) []float64 {
	if !r.Valid || r.IsText || r.Info.Type != mbus.TypeNumber && r.Info.Type != mbus.TypeID {
		return nil
	}
	v := r.Value
	disp, _ := r.DisplayValue()
	out := []float64{v, disp, float64(r.Int)}
	switch r.Info.Unit {
	case "Wh", "W", "VARh", "VAh", "VAR", "VA":
		out = append(out, v/1e3, v/1e6)
	case "J", "J/h":
		out = append(out, v/1e9, v/1e6, v/3.6e6, v/3.6e9)
	case "m3", "m3/h":
		out = append(out, v*1e3)
	case "s":
		out = append(out, v/3600, v/86400, v/60)
	case "min":
		out = append(out, v/60, v/1440, v*60)
	case "h":
		out = append(out, v/24, v*3600)
	case "d":
		out = append(out, v*24, v*86400, v/365, v/30)
	}
	return out
}

func close(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// ignoredKeys are JSON numbers wmbusmeters prints that are not values of the
// telegram's records (decoder metadata).
var ignoredKeys = map[string]bool{"rssi_dbm": true}

// TestWMBusmetersValueRate decodes every wmbusmeters test telegram and
// counts how many numeric values of its expected JSON appear among our
// record values (after unit scaling). What remains is meter-specific
// (manufacturer data, bit fields, derived values) and belongs to drivers.
func TestWMBusmetersValueRate(t *testing.T) {
	cases := loadWMCases(t)
	var d Decoder
	total, found, decoded, numbersTotal := 0, 0, 0, 0
	stdFound, stdTotal := 0, 0 // telegrams with standard content only
	missByDriver := map[string]int{}
	for _, c := range cases {
		d.WMBus.Keys = nil
		if c.key != nil {
			d.WMBus.Keys = wmbus.StaticKey(c.key)
		}
		var cands []float64
		standard := true
		for _, tg := range c.telegrams {
			res, err := d.Decode(tg)
			total++
			if err != nil {
				standard = false
				continue
			}
			decoded++
			for i := range res.Records {
				r := &res.Records[i]
				cands = append(cands, candidates(r)...)
				if r.Manufacturer || r.Info.Quantity == "manufacturer_specific" || r.Info.Quantity == "reserved_special_function" {
					standard = false
				}
			}
			if len(res.Records) == 0 {
				standard = false
			}
		}
		for k, v := range c.expected {
			f, ok := v.(float64)
			if !ok || ignoredKeys[k] {
				continue
			}
			numbersTotal++
			hit := false
			for _, cand := range cands {
				if close(cand, f) {
					hit = true
					break
				}
			}
			if hit {
				found++
			} else {
				missByDriver[c.driver]++
			}
			if standard {
				stdTotal++
				if hit {
					stdFound++
				}
			}
		}
	}
	rate := float64(found) / float64(numbersTotal)
	t.Logf("wmbusmeters corpus: %d telegrams, %d decoded; %d of %d expected numeric values found among our records (%.1f%%)", total, decoded, found, numbersTotal, 100*rate)
	type kv struct {
		k string
		v int
	}
	var misses []kv
	for k, v := range missByDriver {
		misses = append(misses, kv{k, v})
	}
	sort.Slice(misses, func(i, j int) bool { return misses[i].v > misses[j].v })
	if len(misses) > 15 {
		misses = misses[:15]
	}
	t.Logf("most values missed, by driver: %v", misses)
	t.Logf("telegrams with standard EN 13757-3 content only (no manufacturer data or VIFs, decoded): %d of %d values found (%.1f%%)", stdFound, stdTotal, 100*float64(stdFound)/float64(stdTotal))
	if rate < minValueRate {
		t.Fatalf("value rate %.3f fell below the floor %.3f", rate, minValueRate)
	}
	if std := float64(stdFound) / float64(stdTotal); std < minStandardRate {
		t.Fatalf("standard-content value rate %.3f fell below the floor %.3f", std, minStandardRate)
	}
}

// The floors measured when this test was written (75.0% and 98.3%); raise
// them as decoding improves. The overall rate is bounded by meters whose
// values sit in manufacturer-specific data (apator162, hydrodigit, qheatv2,
// izar, bfw240radio, ...): that is driver work.
const (
	minValueRate    = 0.745
	minStandardRate = 0.98
)
