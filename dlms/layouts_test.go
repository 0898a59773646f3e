package dlms

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/obis"
)

// expected is one value a publisher's decoder printed for a sample.
type expected struct {
	code  obis.Code
	key   string  // as the publisher wrote it
	num   float64 // when isNum
	str   string  // otherwise, and the number as printed
	isNum bool
	// unit is the unit the publisher printed with the number; a number
	// without one is the register before scaling (the publishers apply
	// only scalers the frame carries).
	unit string
	raw  bool
}

// expectedSource says where a sample's expected values come from.
type expectedSource struct {
	file  string            // in testdata; "" when the publisher has none
	note  string            // why there is none, or how the file relates
	alias map[string]string // publisher key -> our OBIS, for values the publisher gives no code
}

var expectedSources = map[string]expectedSource{
	"Noschvie_shrdzm__im350_wels_1.bin":           {note: "no machine-readable output published (shrdzm prints readings on the device)"},
	"Noschvie_shrdzm__im350_wienernetze_1.bin":    {note: "no machine-readable output published"},
	"Noschvie_shrdzm__im350_wienernetze_2.bin":    {note: "no machine-readable output published"},
	"esphome-libs_dlms_parser__hdlc_iskra550.bin": {file: "esphome-libs_dlms_parser__hdlc_iskra550.h.txt"},
	"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin": {file: "esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.h.txt",
		note: "dlms_parser expects no values for this positional list (expected_count = 0)"},
	"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin": {file: "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.h.txt",
		alias: map[string]string{"0.0.0.0.0.0": "1-1:0.2.129"}},
	"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin": {file: "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.h.txt",
		alias: map[string]string{"0.0.0.0.0.0": "0-0:1.0.0"}},
	"esphome-libs_dlms_parser__hdlc_norway_han_1phase.bin":           {file: "esphome-libs_dlms_parser__hdlc_norway_han_1phase.h.txt"},
	"esphome-libs_dlms_parser__mbus_netz_noe_p1.bin":                 {file: "esphome-libs_dlms_parser__mbus_netz_noe_p1.h.txt"},
	"esphome-libs_dlms_parser__raw_egd_example.bin":                  {file: "esphome-libs_dlms_parser__raw_egd_example.h.txt"},
	"esphome-libs_dlms_parser__raw_energomera.bin":                   {file: "esphome-libs_dlms_parser__raw_energomera.h.txt"},
	"esphome-libs_dlms_parser__raw_sagecom_xt211.bin":                {file: "esphome-libs_dlms_parser__raw_sagemcom_xt211.h.txt"},
	"esphome-libs_dlms_parser__raw_salzburg_netz.bin":                {file: "esphome-libs_dlms_parser__raw_salzburg_netz.h.txt"},
	"fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin": {note: "EXAMPLE.md shows the decoded values only as screenshots"},
	"node-dsmr-parser__aidon-example-1.bin":                          {file: "node-dsmr-parser__aidon-example-1.expected.json"},
	"node-dsmr-parser__aidon-example-2-segmented.bin":                {file: "node-dsmr-parser__aidon-example-2-segmented.expected.json"},
	"node-dsmr-parser__aidon-example-2-with-aad.bin": {file: "node-dsmr-parser__aidon-example-2.expected.json",
		note: "the MANIFEST states its plaintext is the APDU of aidon-example-2"},
	"node-dsmr-parser__aidon-example-2-without-aad.bin": {file: "node-dsmr-parser__aidon-example-2.expected.json",
		note: "the MANIFEST states its plaintext is the APDU of aidon-example-2"},
	"node-dsmr-parser__aidon-example-2.bin": {file: "node-dsmr-parser__aidon-example-2.expected.json"},
	"node-dsmr-parser__austria-example-1_mbus_2frames.bin": {file: "esphome-libs_dlms_parser__mbus_netz_noe_p1.h.txt",
		note: "the MANIFEST states it is the frame of mbus_netz_noe_p1"},
	"node-dsmr-parser__kamstrup-example-1.bin":            {file: "node-dsmr-parser__kamstrup-example-1.expected.json"},
	"node-dsmr-parser__kamstrup-example-2.bin":            {file: "node-dsmr-parser__kamstrup-example-2.expected.json"},
	"node-dsmr-parser__slovenia-list-1.bin":               {file: "node-dsmr-parser__slovenia-list-1.expected.json"},
	"node-dsmr-parser__slovenia-list-2.bin":               {file: "node-dsmr-parser__slovenia-list-2.expected.json"},
	"pwitab_dlms-cosem__general_glo_cipher_1byte_len.bin": {note: "Green Book test vector: the body is one octet-string, no layout applies"},
	"wienernetze_am550_pocki.bin":                         {note: "the decoder quoted prints readings, no published output"},
}

// wantLayouts is the layout each decoded sample is detected as ("" none).
var wantLayouts = map[string]string{
	"Noschvie_shrdzm__im350_wels_1.bin":                              "wienernetze-im350",
	"Noschvie_shrdzm__im350_wienernetze_1.bin":                       "wienernetze-im350",
	"Noschvie_shrdzm__im350_wienernetze_2.bin":                       "wienernetze-im350",
	"esphome-libs_dlms_parser__hdlc_iskra550.bin":                    "obis",
	"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin":              "kaifa-kfm001-list2-3p",
	"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin":          "kamstrup",
	"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin":             "obis",
	"esphome-libs_dlms_parser__hdlc_norway_han_1phase.bin":           "obis",
	"esphome-libs_dlms_parser__mbus_netz_noe_p1.bin":                 "obis",
	"esphome-libs_dlms_parser__raw_egd_example.bin":                  "obis",
	"esphome-libs_dlms_parser__raw_energomera.bin":                   "described",
	"esphome-libs_dlms_parser__raw_sagecom_xt211.bin":                "obis",
	"esphome-libs_dlms_parser__raw_salzburg_netz.bin":                "obis",
	"fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin": "obis",
	"node-dsmr-parser__aidon-example-1.bin":                          "obis",
	"node-dsmr-parser__aidon-example-2-segmented.bin":                "obis",
	"node-dsmr-parser__aidon-example-2-with-aad.bin":                 "obis",
	"node-dsmr-parser__aidon-example-2-without-aad.bin":              "obis",
	"node-dsmr-parser__aidon-example-2.bin":                          "obis",
	"node-dsmr-parser__austria-example-1_mbus_2frames.bin":           "obis",
	"node-dsmr-parser__kamstrup-example-1.bin":                       "kamstrup",
	"node-dsmr-parser__kamstrup-example-2.bin":                       "kamstrup",
	"node-dsmr-parser__slovenia-list-1.bin":                          "iskra-ece-list1",
	"node-dsmr-parser__slovenia-list-2.bin":                          "iskra-ece-list2",
	"pwitab_dlms-cosem__general_glo_cipher_1byte_len.bin":            "",
	"wienernetze_am550_pocki.bin":                                    "wienernetze-am550",
}

// disagreements lists every expected value meterwire does not reproduce,
// keyed "sample|publisher key", with the reason. The package
// documentation repeats them.
var disagreements = map[string]string{
	// dlms_parser matches its pattern "TC, TO, TS, TV" against the capture
	// object definitions {class id, logical name, attribute index, data
	// index}: it reads the attribute index 2 as a scaler and the data
	// index 0 as the value, so every "value" is 0. meterwire maps the
	// definitions to the values that follow them (ShapeDescribed).
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.25.9.0.255":   "the push object list itself: a container, no value",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.96.5.134.255": "capture-object data index read as value; the value is enum 1",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.42.0.0.255":   "capture-object data index read as value; the value is \"EMR0222173608710\"",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.96.1.0.255":   "capture-object data index read as value; the value is \"012415173608710\"",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.97.98.0.255":  "capture-object data index read as value; the value is 16",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.97.98.10.255": "capture-object data index read as value; the value is 65535",
	"esphome-libs_dlms_parser__raw_energomera.bin|0.0.96.5.135.255": "capture-object data index read as value; the value is a structure {0-0:99.98.4, 3}, not a leaf",
	// The value of the push setup's logical name is a logical name.
	"esphome-libs_dlms_parser__raw_egd_example.bin|0.2.25.9.0.255": "dlms_parser prints an empty string for the 6-byte octet-string; meterwire gives its hex 0002190900ff",
}

var (
	reHEntry = regexp.MustCompile(`\{"([0-9.]+)",\s*(?:"([^"]*)"|(-?[0-9.]+)f)\s*\}`)
	reCosem  = regexp.MustCompile(`^(\d+-\d+:\d+\.\d+\.\d+)\((.*)\)$`)
	reNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
)

// parseEsphome reads the expected maps of a dlms_parser tests/expected/*.h.
func parseEsphome(t *testing.T, b []byte) []expected {
	var out []expected
	for _, m := range reHEntry.FindAllStringSubmatch(string(b), -1) {
		c, err := obis.Parse(m[1])
		if err != nil {
			t.Fatalf("code %q: %v", m[1], err)
		}
		e := expected{code: c, key: m[1]}
		if m[3] != "" {
			e.num, _ = strconv.ParseFloat(m[3], 64)
			e.isNum = true
		} else {
			e.str = m[2]
		}
		out = append(out, e)
	}
	return out
}

// parseNode reads the cosem objects of a node-dsmr-parser expected JSON:
// "1-0:31.7.0(9.3*A)", "1-0:72.7.0(2346)", "0-0:42.0.0(49534b...)".
func parseNode(t *testing.T, b []byte) []expected {
	var doc struct {
		Cosem struct {
			Known   []string `json:"knownObjects"`
			Unknown []string `json:"unknownObjects"`
		} `json:"cosem"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []expected
	for _, s := range append(doc.Cosem.Known, doc.Cosem.Unknown...) {
		m := reCosem.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("cosem object %q", s)
		}
		c, _ := obis.Parse(m[1])
		e := expected{code: c, key: m[1], str: m[2]}
		v, unit, _ := strings.Cut(m[2], "*")
		if reNumber.MatchString(v) {
			e.num, _ = strconv.ParseFloat(v, 64)
			e.isNum, e.unit, e.raw = true, unit, unit == ""
		} else {
			e.str = v
		}
		out = append(out, e)
	}
	return out
}

func loadExpected(t *testing.T, src expectedSource) []expected {
	if src.file == "" {
		return nil
	}
	b := read(t, src.file)
	if strings.HasSuffix(src.file, ".json") {
		return parseNode(t, b)
	}
	return parseEsphome(t, b)
}

func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b))
}

// agrees compares one expected value with the objects.
func agrees(objs []Object, e expected, src expectedSource) (bool, string) {
	code := e.code
	if a, ok := src.alias[e.key]; ok {
		code = oc(a)
	}
	var o *Object
	for i := range objs {
		if objs[i].Code == code {
			o = &objs[i]
			break
		}
	}
	if o == nil {
		return false, "no object " + code.String()
	}
	got := o.Value
	switch {
	case e.isNum:
		f, ok := got.(float64)
		if !ok {
			if sameText(got, e.str) {
				return true, "" // digits that are text: "0-0:96.1.0(7359992890941742)"
			}
			return false, "value " + valueText(got) + " is not a number"
		}
		// A number the publisher printed without a unit, or from a frame
		// without a scaler (dlms_parser prints registers as sent), is the
		// register before meterwire's layout scaled it.
		if e.raw || o.Implied {
			f = scaleBy(f, -o.Scaler)
		}
		if !near(f, e.num) {
			return false, "value " + strconv.FormatFloat(f, 'g', -1, 64) + ", publisher " + strconv.FormatFloat(e.num, 'g', -1, 64)
		}
		if e.unit != "" && e.unit != o.Unit {
			return false, "unit " + o.Unit + ", publisher " + e.unit
		}
		return true, ""
	default:
		if sameText(got, e.str) {
			return true, ""
		}
		return false, "value " + valueText(got) + ", publisher " + strconv.Quote(e.str)
	}
}

// sameText compares a string, hex or date-time the publisher printed.
func sameText(got any, want string) bool {
	switch g := got.(type) {
	case string:
		if g == want || hex.EncodeToString([]byte(g)) == want {
			return true
		}
		if len(want) == 19 && strings.Replace(g, "T", " ", 1) == want {
			return true // "2026-03-12 15:24:30" for a date-time without deviation
		}
		if b, err := hex.DecodeString(want); err == nil && len(b) == 12 {
			if dt, ok := DateTimeFromOctets(b); ok {
				return timeValue(dt) == g
			}
		}
	case time.Time:
		if g.Format("2006-01-02 15:04:05") == want {
			return true
		}
		if b, err := hex.DecodeString(want); err == nil && len(b) == 12 {
			if dt, ok := DateTimeFromOctets(b); ok {
				tv, ok := timeValue(dt).(time.Time)
				return ok && tv.Equal(g)
			}
		}
	}
	return false
}

func valueText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return strconv.Quote(x)
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return "?"
}

// decodeCorpus runs a corpus sample to its data-notification.
func decodeCorpus(t *testing.T, s corpusSample) *Message {
	var r corpusResult
	u := sampleUnwrapper(t, s)
	m, err := unwrapTransport(t, s, &u, read(t, s.file), &r)
	if err != nil || m == nil {
		return nil
	}
	return m
}

// TestLayoutsCorpus maps every decodable corpus sample to objects and
// compares them with the publishers' decoded output.
func TestLayoutsCorpus(t *testing.T) {
	samples, total, agree := 0, 0, 0
	seen := map[string]bool{}
	for _, s := range corpus {
		m := decodeCorpus(t, s)
		if m == nil {
			if _, ok := expectedSources[s.file]; ok {
				t.Errorf("%s: listed but does not decode", s.file)
			}
			continue
		}
		samples++
		src, ok := expectedSources[s.file]
		if !ok {
			t.Errorf("%s: decodes but has no expectedSources entry", s.file)
			continue
		}
		objs, l, err := Objects(&m.Notification, nil)
		if err != nil {
			t.Errorf("%s: %v", s.file, err)
		}
		name := ""
		if l != nil {
			name = l.Name
		}
		if want := wantLayouts[s.file]; name != want {
			t.Errorf("%s: layout %q, want %q", s.file, name, want)
		}
		checkObjects(t, s.file, objs)
		exp := loadExpected(t, src)
		n := 0
		for _, e := range exp {
			key := s.file + "|" + e.key
			ok, why := agrees(objs, e, src)
			reason, listed := disagreements[key]
			seen[key] = true
			switch {
			case ok && listed:
				t.Errorf("%s: %s agrees but is listed as a disagreement", s.file, e.key)
			case !ok && !listed:
				t.Errorf("%s: %s: %s", s.file, e.key, why)
			case !ok:
				t.Logf("DISAGREE | %s | %s | %s | %s", s.file, e.key, why, reason)
			default:
				n++
			}
		}
		total += len(exp)
		agree += n
		note := src.note
		if note == "" {
			note = src.file
		}
		t.Logf("LAYOUT | %s | %s | %d | %d | %d objects | %s", s.file, name, len(exp), n, len(objs), note)
	}
	for k := range disagreements {
		if !seen[k] {
			t.Errorf("disagreement %q matches no expected value", k)
		}
	}
	t.Logf("dlms layouts: %d samples, %d of %d values agree", samples, agree, total)
	if samples != 26 || total-agree != len(disagreements) {
		t.Errorf("%d samples, %d disagreements, %d listed", samples, total-agree, len(disagreements))
	}
}

// checkObjects checks what every object must satisfy.
func checkObjects(t *testing.T, name string, objs []Object) {
	t.Helper()
	for _, o := range objs {
		if o.OBIS != o.Code.String() || o.Path == "" {
			t.Errorf("%s: object %+v", name, o)
		}
		switch v := o.Value.(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: %s = %v", name, o.OBIS, v)
			}
		case string, time.Time:
			if o.Unit != "" || o.Scaler != 0 {
				t.Errorf("%s: %s text with unit %q scaler %d", name, o.OBIS, o.Unit, o.Scaler)
			}
		default:
			t.Errorf("%s: %s value %T", name, o.OBIS, o.Value)
		}
	}
}

func corpusObjects(t *testing.T, file string, l *Layout) ([]Object, *Layout) {
	for _, s := range corpus {
		if s.file != file {
			continue
		}
		m := decodeCorpus(t, s)
		if m == nil {
			t.Fatalf("%s does not decode", file)
		}
		objs, got, err := Objects(&m.Notification, l)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return objs, got
	}
	t.Fatalf("%s not in the corpus", file)
	return nil, nil
}

func TestFieldsSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[string]any
	}{
		{"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", map[string]any{
			"energy_import_kwh": 63074.98, "power_import_kw": 1.083, "current_l1_a": 0.57, "voltage_l1_v": 222.0,
			"power_factor": 0.83, "reactive_energy_export_kvarh": 21240.57, "timestamp": "2026-03-12T15:24:30"}},
		{"node-dsmr-parser__kamstrup-example-2.bin", map[string]any{"energy_import_kwh": 0.0, "power_import_kw": 0.0}},
		{"node-dsmr-parser__aidon-example-2.bin", map[string]any{
			"voltage_l1_v": 230.7, "voltage_l2_v": 249.9, "current_l2_a": 7.5, "power_import_l2_kw": 1.122,
			"energy_import_kwh": 10049.926, "reactive_energy_import_kvarh": 6614.347}},
		{"node-dsmr-parser__aidon-example-1.bin", map[string]any{"voltage_l1_v": 250.0, "current_l1_a": 9.3, "meter_serial": "7359992890941742"}},
		{"esphome-libs_dlms_parser__mbus_netz_noe_p1.bin", map[string]any{
			"energy_import_kwh": 12.937, "voltage_l1_v": 233.7, "power_factor": 1.0, "meter_serial": "181220000009",
			"timestamp": "2021-09-27T09:47:15+02:00"}},
		{"fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin", map[string]any{
			"energy_import_kwh": 9.108, "reactive_energy_import_kvarh": 0.096, "voltage_l1_v": 230.8,
			"meter_serial": "1KFM0100000035", "equipment_id": "KFM1100100000035"}},
		{"esphome-libs_dlms_parser__raw_salzburg_netz.bin", map[string]any{"energy_import_kwh": 1327.456, "current_l3_a": 0.37}},
		{"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin", map[string]any{
			"power_import_kw": 0.948, "current_l1_a": 1.416, "voltage_l1_v": 238.5, "voltage_l2_v": 0.0, "meter_serial": "6970631401753985"}},
		{"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin", map[string]any{"energy_import_kwh": 4408.736, "energy_import_t2_kwh": 814.817}},
		{"esphome-libs_dlms_parser__raw_sagecom_xt211.bin", map[string]any{"tariff": 2, "breaker_state": 1, "limiter_threshold": 0.0}},
		{"wienernetze_am550_pocki.bin", map[string]any{
			"energy_import_kwh": 3448.196, "reactive_energy_export_kvarh": 1421.979, "power_import_kw": 0.125,
			"reactive_power_export_kvar": 0.138, "timestamp": "2021-04-25T21:05:42+02:00"}},
		{"Noschvie_shrdzm__im350_wels_1.bin", map[string]any{
			"energy_import_kwh": 3531.997, "power_import_kw": 0.146, "meter_serial": "18037098", "timestamp": "2021-05-19T10:08:23+02:00"}},
		{"node-dsmr-parser__slovenia-list-2.bin", map[string]any{"energy_import_kwh": 3.81, "tariff": 2, "breaker_state": 1}},
		{"node-dsmr-parser__slovenia-list-1.bin", map[string]any{"voltage_l3_v": 234.6, "equipment_id": "ISK1030783826316"}},
	} {
		objs, _ := corpusObjects(t, tc.file, nil)
		f := Fields(objs)
		for k, want := range tc.want {
			if got, ok := f[k]; !ok || got != want {
				t.Errorf("%s: %s = %#v (%v), want %#v", tc.file, k, got, ok, want)
			}
		}
	}
}

// The Kamstrup scalers are facts from the implementations, not from the
// frame; the Omnipower frame confirms them: per phase, P = U * I * cos phi
// within the meter's rounding, and the phase energies add up to the total.
func TestKamstrupScalesConsistent(t *testing.T) {
	objs, _ := corpusObjects(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", nil)
	v := func(code string) float64 {
		for _, o := range objs {
			if o.OBIS == code {
				return o.Value.(float64)
			}
		}
		t.Fatalf("no %s", code)
		return 0
	}
	for _, ph := range [][4]string{
		{"1-1:21.7.0", "1-1:32.7.0", "1-1:31.7.0", "1-1:33.7.0"},
		{"1-1:41.7.0", "1-1:52.7.0", "1-1:51.7.0", "1-1:53.7.0"},
		{"1-1:61.7.0", "1-1:72.7.0", "1-1:71.7.0", "1-1:73.7.0"},
	} {
		p, s := v(ph[0]), v(ph[1])*v(ph[2])*v(ph[3])
		if math.Abs(p-s) > 0.05*p+5 {
			t.Errorf("%s = %v W, U*I*cos = %v", ph[0], p, s)
		}
	}
	if sum := v("1-1:21.8.0") + v("1-1:41.8.0") + v("1-1:61.8.0"); math.Abs(sum-v("1-1:1.8.0")) > 100 {
		t.Errorf("phase energies %v Wh, total %v Wh", sum, v("1-1:1.8.0"))
	}
}

func TestLayoutByNameOverrides(t *testing.T) {
	// The generic layout on a Kamstrup list: the list version has no
	// name and the registers no Kamstrup scalers.
	l, ok := LayoutByName("obis")
	if !ok {
		t.Fatal("no obis layout")
	}
	objs, got := corpusObjects(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", l)
	if got != l {
		t.Fatalf("layout %v", got.Name)
	}
	for _, o := range objs {
		if o.OBIS == "1-1:31.7.0" && (o.Value != 57.0 || o.Scaler != 0) {
			t.Errorf("generic layout scaled the current: %+v", o)
		}
		if o.OBIS == "1-1:0.2.129" {
			t.Errorf("generic layout named the list version")
		}
	}
	// Kamstrup scalers on an Aidon frame apply only where the meter sends
	// no scaler-unit structure: nowhere.
	k, _ := LayoutByName("kamstrup")
	objs, _ = corpusObjects(t, "node-dsmr-parser__aidon-example-2.bin", k)
	for _, o := range objs {
		if o.Implied {
			t.Errorf("kamstrup scales applied to %s", o.OBIS)
		}
	}
	// A manual layout is never detected, only named.
	one, ok := LayoutByName("kaifa-kfm001-list1")
	if !ok || !one.Manual {
		t.Fatal("kaifa-kfm001-list1")
	}
	root, _, err := DecodeData(unhex(t, "020106000002FA"))
	if err != nil {
		t.Fatal(err)
	}
	n := &DataNotification{Body: root}
	if objs, l, err := Objects(n, nil); objs != nil || l != nil || err != nil {
		t.Errorf("detected %v %v %v", objs, l, err)
	}
	objs, _, err = Objects(n, one)
	if err != nil || len(objs) != 1 || objs[0].OBIS != "1-0:1.7.0" || objs[0].Value != 762.0 || objs[0].Unit != "W" {
		t.Errorf("%+v %v", objs, err)
	}
	if _, ok := LayoutByName("nope"); ok {
		t.Error("unknown layout found")
	}
	names := map[string]bool{}
	for _, l := range Layouts() {
		if l.Name == "" || names[l.Name] || l.Description == "" || l.Shape == 0 {
			t.Errorf("layout %+v", l)
		}
		names[l.Name] = true
	}
}

func TestObjectsUnknownShape(t *testing.T) {
	for _, h := range []string{
		"0906000102030405",       // a bare octet-string
		"0203120001120002120003", // structure of 3 numbers: no layout has 3 positions
		"0100",                   // empty array
		"00",                     // null-data
	} {
		root, _, err := DecodeData(unhex(t, h))
		if err != nil {
			continue
		}
		objs, l, err := Objects(&DataNotification{Body: root, DateTime: unhex(t, "07e5091b01092f0f00ff8880")}, nil)
		if objs != nil || l != nil || err != nil {
			t.Errorf("%s: %v %v %v", h, objs, l, err)
		}
	}
	if objs, l, err := Objects(nil, nil); objs != nil || l != nil || err != nil {
		t.Error("nil notification")
	}
	if objs, _, err := Objects(&DataNotification{}, nil); objs != nil || err != nil {
		t.Error("nil body")
	}
}

// Wrong types at the positions of a named layout: typed errors, the
// positions that fit still mapped, never a panic.
func TestObjectsHostile(t *testing.T) {
	kaifa, _ := LayoutByName("kaifa-kfm001-list2-3p")
	am550, _ := LayoutByName("wienernetze-am550")
	for _, tc := range []struct {
		hex   string
		l     *Layout
		nobjs int
	}{
		// KFM_001 list with a text where a current should be (position 7)
		{"020D09074B464D5F3030310901310901320600000001060000000206000000030600000004" +
			"0A01780600000006060000000706000000080600000009060000000A", kaifa, 12},
		// too few elements
		{"020209074B464D5F3030310600000001", kaifa, 0},
		// not a structure
		{"0600000001", kaifa, 0},
		// wrong list identifier
		{"020D09074B464D5F3030320901310901320600000001060000000206000000030600000004" +
			"060000000506000000060600000007060000000806000000090600000010", kaifa, 0},
		// AM550 shape with a structure where the clock should be
		{"02090200060000000106000000020600000003060000000406000000050600000006060000000706000000 08", am550, 8},
	} {
		root, _, err := DecodeData(unhex(t, strings.ReplaceAll(tc.hex, " ", "")))
		if err != nil {
			t.Fatalf("%s: %v", tc.hex, err)
		}
		objs, l, err := Objects(&DataNotification{Body: root, BodyOffset: 10}, tc.l)
		var ce *codec.Error
		if !errors.Is(err, codec.ErrMalformed) || !errors.As(err, &ce) || ce.Layer != "layout" || ce.Offset < 10 || l != tc.l {
			t.Errorf("%s: err %v", tc.hex, err)
		}
		if len(objs) != tc.nobjs {
			t.Errorf("%s: %d objects, want %d", tc.hex, len(objs), tc.nobjs)
		}
		checkObjects(t, tc.hex, objs)
		// Detection never errs.
		if _, _, err := Objects(&DataNotification{Body: root}, nil); err != nil {
			t.Errorf("%s: detection: %v", tc.hex, err)
		}
	}
	// A hand-built tree deeper than any decoder allows.
	deep := Data{Type: TypeOctetString, Bytes: []byte{1, 0, 1, 8, 0, 255}}
	for range 200 {
		deep = Data{Type: TypeArray, Items: []Data{deep, {Type: TypeDoubleLongUnsigned}}}
	}
	for _, l := range Layouts() {
		Objects(&DataNotification{Body: &deep}, l)
	}
	Objects(&DataNotification{Body: &deep}, nil)
	// A layout without a shape.
	if _, _, err := Objects(&DataNotification{Body: &deep}, &Layout{Name: "x"}); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("shapeless layout: %v", err)
	}
}

func TestMeasureOf(t *testing.T) {
	for code, want := range map[string]Measure{
		"1-0:1.8.0": ActiveEnergy, "1-1:2.8.1": ActiveEnergy, "1-0:21.8.0": ActiveEnergy, "1-0:1.7.0": ActivePower,
		"1-0:62.7.0": ActivePower, "1-0:3.7.0": ReactivePower, "1-0:44.7.0": ReactivePower, "1-0:4.8.0": ReactiveEnergy,
		"1-0:9.7.0": ApparentPower, "1-0:9.8.0": ApparentEnergy, "1-0:31.7.0": Current, "1-0:91.7.0": Current,
		"1-0:72.7.0": Voltage, "1-0:13.7.0": PowerFactor, "1-0:33.7.0": PowerFactor, "1-0:14.7.0": Frequency,
		"1-0:1.6.0": ActivePower, "1-0:31.4.0": Current, "0-0:1.0.0": MeasureNone, "1-0:0.0.0": MeasureNone,
		"1-0:32.32.0": MeasureNone, "1-0:99.97.0": MeasureNone, "1-0:96.5.5": MeasureNone, "1-0:91.8.0": MeasureNone,
	} {
		if got := MeasureOf(oc(code)); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
	if UnitName(27) != "W" || UnitName(30) != "Wh" || UnitName(35) != "V" || UnitName(33) != "A" || UnitName(44) != "Hz" ||
		UnitName(9) != "°C" || UnitName(32) != "varh" || UnitName(255) != "" || UnitName(200) != "unit-200" {
		t.Error("unit names")
	}
}

func TestObjectValues(t *testing.T) {
	// {OBIS, value, {scaler, unit}} of every number kind, text, date-time,
	// null (skipped), NaN (as text), a NUL-padded serial.
	body := "020B" +
		"020309060100200700ff1209320202 0fff1623" + // long-unsigned 2354, -1, V
		"020309060100010800ff0600000064 0202 0f03161e" + // 100 * 10^3 Wh
		"020309060100010700ff10ff9c 0202 0f00161b" + // long -100 W
		"020209060000600100ff0906 313233000000" + // "123" NUL padded
		"020209060000010000ff090c07e5091b01092f0f00ff8880" + // date-time
		"020209060000600e00ff00" + // null-data: skipped
		"020209060100200700ff177fc00000" + // float32 NaN
		"020209060000600300ff0301" + // boolean true
		"020209060000600d00ff0903010203" + // binary octets: hex
		"020309060100010700ff0600000005 0202 0f00 16ff" + // unit 255: no unit
		"020309060100020700ff187fe1ccf385ebc8a0 0202 0f7f 161b" // float64 1e308 * 10^127: text
	root, _, err := DecodeData(unhex(t, strings.ReplaceAll(body, " ", "")))
	if err != nil {
		t.Fatal(err)
	}
	objs, l, err := Objects(&DataNotification{Body: root}, nil)
	if err != nil || l == nil || l.Name != "obis" {
		t.Fatal(err, l)
	}
	got := map[string]any{}
	for _, o := range objs {
		got[o.OBIS+"/"+o.Path+"/"+o.Unit+"/"+strconv.Itoa(o.Scaler)] = o.Value
	}
	want := map[string]any{
		"1-0:32.7.0/body[0][1]/V/-1": 235.4,
		"1-0:1.8.0/body[1][1]/Wh/3":  100000.0,
		"1-0:1.7.0/body[2][1]/W/0":   -100.0,
		"0-0:96.1.0/body[3][1]//0":   "123",
		"0-0:1.0.0/body[4][1]//0":    time.Date(2021, 9, 27, 9, 47, 15, 0, time.FixedZone("", 7200)),
		"1-0:32.7.0/body[6][1]//0":   "NaN",
		"0-0:96.3.0/body[7][1]//0":   1.0,
		"0-0:96.13.0/body[8][1]//0":  "010203",
		"1-0:1.7.0/body[9][1]//0":    5.0,
		"1-0:2.7.0/body[10][1]//0":   "+Inf",
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(got) != len(want) {
		t.Errorf("objects %v", keys)
	}
	for k, w := range want {
		g, ok := got[k]
		if tw, isT := w.(time.Time); isT {
			if gt, _ := g.(time.Time); !gt.Equal(tw) {
				t.Errorf("%s = %v, want %v (have %v)", k, g, w, keys)
			}
			continue
		}
		if !ok || g != w {
			t.Errorf("%s = %#v, want %#v (have %v)", k, g, w, keys)
		}
	}
	// The first object of a name wins; a number without a unit has no
	// field; the NaN voltage is text.
	f := Fields(objs)
	if f["voltage_l1_v"] != 235.4 || f["energy_import_kwh"] != 100.0 || f["power_import_kw"] != -0.1 ||
		f["meter_serial"] != "123" || f["timestamp"] != "2021-09-27T09:47:15+02:00" {
		t.Errorf("fields %v", f)
	}
}

func TestFieldsTariffSumAndLimiter(t *testing.T) {
	objs := []Object{
		{Code: oc("1-0:1.8.1"), Value: 1234.5, Unit: "Wh", Scaler: -1},
		{Code: oc("1-0:1.8.2"), Value: 1000.0, Unit: "Wh"},
		{Code: oc("1-0:2.8.1"), Value: 1.0, Unit: "kWh"},
		{Code: oc("0-0:17.0.0"), Value: 5000.0, Unit: "W"},
		{Code: oc("0-0:96.14.0"), Value: "T2"},
		{Code: oc("1-0:14.7.0"), Value: 49.98, Unit: "Hz", Scaler: -2},
		{Code: oc("1-0:32.7.0"), Value: 230.0},                // no unit: no field
		{Code: oc("1-1:31.7.0"), Value: 150.0, Unit: "mA"},    // channel 1, mA
		{Code: oc("0-0:96.1.1"), Value: 42.0},                 // number as text
		{Code: oc("0-1:1.0.0"), Value: "2017-08-16T16:00:05"}, // clock of channel 1
		{Code: oc("1-0:99.99.0"), Value: 1.0, Unit: "W"},      // no name
		{Code: oc("1-0:21.7.0"), Value: "x", Unit: ""},        // text where a number belongs
		{Code: oc("1-0:1.7.0"), Value: 3.0, Unit: "parsec"},   // unknown unit
	}
	f := Fields(objs)
	want := map[string]any{
		"energy_import_t1_kwh": 1.2345, "energy_import_t2_kwh": 1.0, "energy_import_kwh": 2.2345,
		"energy_export_t1_kwh": 1.0, "energy_export_kwh": 1.0, "limiter_threshold_kw": 5.0, "tariff": 2,
		"frequency_hz": 49.98, "current_l1_a": 0.15, "equipment_id": "42", "timestamp": "2017-08-16T16:00:05",
	}
	for k, w := range want {
		if f[k] != w {
			t.Errorf("%s = %#v, want %#v", k, f[k], w)
		}
	}
	if len(f) != len(want) {
		t.Errorf("fields %v", f)
	}
}
