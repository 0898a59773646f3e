package dsmr

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current output")

// Spot checks per profile: values read off the telegram files by hand.
var fieldChecks = []struct {
	file   string
	fields map[string]any
	absent []string
}{
	{"dsmr_parser__TELEGRAM_V5.txt", map[string]any{
		"energy_import_t1_kwh": 4.426, "energy_import_t2_kwh": 2.399, "energy_import_kwh": 6.825,
		"energy_export_t1_kwh": 2.444, "energy_export_t2_kwh": 0.0, "energy_export_kwh": 2.444,
		"power_import_kw": 0.244, "power_export_kw": 0.0,
		"power_import_l1_kw": 0.070, "power_import_l2_kw": 0.032, "power_import_l3_kw": 0.142,
		"voltage_l1_v": 230.0, "voltage_l3_v": 229.0, "current_l3_a": 0.86,
		"tariff": 2, "power_failures": 13, "long_power_failures": 0,
		"equipment_id": "K8EG004046395507", "p1_version": "50",
		"timestamp": "2017-01-02T19:20:02+01:00",
		"gas_m3":    0.107, "gas_timestamp": "2017-01-02T16:10:05+01:00", "gas_channel": 1,
		"text_message": "",
	}, nil},
	// gas on channel 2; channel 1 is a gas device printing a placeholder
	{"dsmr_parser__TELEGRAM_V5_TWO_MBUS.txt", map[string]any{
		"gas_m3": 246.138, "gas_timestamp": "2020-04-26T22:30:01+02:00", "gas_channel": 2,
		"gas_id": "G0039001936990619", "energy_import_kwh": 2375.582,
		"voltage_sags_l3": 192, "voltage_swells_l1": 1,
	}, []string{"gas_ch1_m3", "gas_ch2_m3"}},
	{"dsmr_parser__TELEGRAM_V4_2.txt", map[string]any{
		"energy_import_t1_kwh": 1581.123, "energy_import_t2_kwh": 1435.706,
		"gas_m3": 981.443, "gas_timestamp": "2016-11-29T20:00:00+01:00",
		"power_failures": 15, "long_power_failures": 7, "p1_version": "42",
	}, []string{"voltage_l1_v"}},
	// DSMR 2.2: the gas reading is on the line after 0-1:24.3.0
	{"dsmr_parser__TELEGRAM_V2_2.txt", map[string]any{
		"gas_m3": 1.001, "gas_timestamp": "2016-11-07T19:00:00+01:00",
		"energy_import_t1_kwh": 1.001, "limiter_threshold_kw": 999.0, "power_import_kw": 1.01,
	}, []string{"timestamp", "p1_version"}},
	{"node-dsmr-parser__dsmr-2.2-kfm-1.txt", map[string]any{
		"gas_m3": 124.477, "gas_timestamp": "2012-05-17T02:00:00+02:00", "limiter_threshold_a": 999.0,
	}, nil},
	{"dsmr_parser__TELEGRAM_V3.txt", map[string]any{
		"text_message": "0123456789:;<=>?0123456789:;<=>?0123456789:;<=>?0123456789:;<=>?0123456789:;<=>?",
		"message_code": "012345678", "limiter_threshold_a": 16.0, "tariff": 2,
		"gas_m3": 1.001, "gas_id": "2222ABCD123456789",
	}, nil},
	// Fluvius: capacity tariff registers, water on channel 2, gas 24.2.3
	{"dsmr_parser__TELEGRAM_FLUVIUS_V171.txt", map[string]any{
		"power_average_import_kw": 2.351, "power_max_import_month_kw": 2.589,
		"power_max_import_month_timestamp": "2020-05-09T13:45:58+02:00",
		"energy_import_t1_kwh":             0.034, "energy_import_t2_kwh": 15.758,
		"p1_version": "50217", "equipment_id": "1SAG3101021605",
		"gas_m3": 112.384, "gas_timestamp": "2020-05-12T13:45:58+02:00", "gas_channel": 1,
		"water_m3": 872.234, "water_timestamp": "2020-05-12T13:45:58+02:00", "water_channel": 2,
		"current_limit_l1_a": 999.0, "limiter_threshold_kw": 999.9, "breaker_state": 1,
		"power_max_import_history": []map[string]any{
			{"captured": "2020-05-01T00:00:00+02:00", "timestamp": "2020-04-23T19:25:38+02:00", "power_kw": 3.695},
			{"captured": "2020-04-01T00:00:00+02:00", "timestamp": "2020-03-05T12:21:39+01:00", "power_kw": 5.98},
			{"captured": "2020-03-01T00:00:00+01:00", "timestamp": "2020-02-10T03:54:21+01:00", "power_kw": 4.318},
		},
	}, nil},
	{"node-dsmr-parser__emucs-p1-v2.1.1-spec-example-1.txt", map[string]any{
		"ean": "541440012345678900", "power_average_import_kw": 2.351, "current_limit_l1_a": 999.99,
		"limiter_threshold_kw": 99.999, "water_m3": 872.234,
	}, nil},
	// Sagemcom XT211: electricity on channel B=1, empty demand history
	{"node-dsmr-parser__sagemcom-xt211.txt", map[string]any{
		"energy_import_t1_kwh": 1595.07, "power_import_kw": 1.622, "power_average_import_kw": 0.288,
		"power_max_import_month_kw": 15.206, "power_max_import_month_timestamp": "2025-03-15T01:45:00+01:00",
		"power_max_import_history": []map[string]any{},
	}, []string{"timestamp"}},
	// Austria: Wh, W, varh, var become kWh, kW, kvarh, kvar
	{"dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt", map[string]any{
		"energy_import_kwh": 6545.766, "energy_import_t1_kwh": 5017.12, "energy_import_t2_kwh": 1528.646,
		"energy_export_kwh": 0.058, "power_import_kw": 0.286,
		"reactive_energy_export_kvarh": 3897.726, "reactive_power_export_kvar": 0.166,
		"timestamp": "2022-10-06T15:50:14+02:00",
	}, nil},
	{"Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.decrypted.txt", map[string]any{
		"energy_import_kwh": 14159.934, "energy_export_kwh": 7086.646, "power_export_kw": 1.803,
		"timestamp": "2021-09-29T11:47:30+02:00",
	}, nil},
	// Luxembourg smarty
	{"luxmetering_smarty_spec_v1.1.3_appendixA_reconstructed.txt", map[string]any{
		"energy_import_kwh": 25.653, "reactive_energy_import_kvarh": 0.835, "reactive_energy_export_kvarh": 63.781,
		"equipment_id": "SAG1030790002574", "apparent_power_import_kva": 0.021, "limiter_threshold_kva": 69.0,
		"current_limit_l1_a": 100.0, "current_limits_l1_a": []float64{100, -63},
		"gas_m3": 0.006, "gas_channel": 1, "gas_ch4_m3": 28.103, "gas_ch4_timestamp": "2020-07-06T10:29:00+02:00",
		"timestamp": "2020-07-06T10:41:57+02:00",
	}, []string{"water_m3"}},
	{"openhab__smarty_with_units.txt", map[string]any{
		"energy_import_kwh": 12345.0, "gas_m3": 1234.567, "limiter_threshold_kva": 12.3,
	}, nil},
	// EasyMeter Q3D: 1-0:1.8.0*255, powers in W
	{"dsmr_parser__TELEGRAM_ESY5Q3DA1004_V304.txt", map[string]any{
		"energy_import_kwh": 32549.5061662, "power_import_kw": 1.68821, "power_import_l1_kw": 0.55729,
		"power_import_l3_kw": 0.6093, "equipment_id": "1ESY1336001560", "meter_id": "1336001560",
	}, []string{"energy_export_kwh", "timestamp"}},
	{"dsmr_parser__TELEGRAM_ESY5Q3DB1024_V304.txt", map[string]any{
		"energy_import_kwh": 52185.7825309, "energy_export_kwh": 19949.3221493, "power_import_kw": 2.12486,
	}, nil},
	// Ireland
	{"dsmr_parser__TELEGRAM_ISKRA_IE.txt", map[string]any{
		"energy_import_t1_kwh": 10.181, "energy_export_t2_kwh": 10.282, "meter_serial": "09610",
		"timestamp": "2023-02-02T13:27:47Z", "voltage_l3_v": 243.3,
	}, nil},
	// heat on channel 1 (Warmtelink), CRC printed with three digits
	{"dsmr_parser__TELEGRAM_UNPADDED_CRC.txt", map[string]any{
		"heat_gj": 240.86, "heat_timestamp": "2026-02-15T20:05:23+01:00", "heat_channel": 1,
	}, nil},
	// lower-case units
	{"node-dsmr-parser__dsmr-5.0-spec-example-lowercase.txt", map[string]any{
		"energy_import_t1_kwh": 123456.789, "power_import_kw": 1.193, "voltage_l1_v": 220.1, "current_l3_a": 3.0,
	}, nil},
	// power failure log with an irregular code 1-0:99:97.0
	{"node-dsmr-parser__dsmr-4.0-isk-1.txt", map[string]any{
		"power_failure_log": []map[string]any{
			{"timestamp": "2010-12-08T15:24:15+01:00", "duration_s": int64(240)},
			{"timestamp": "2010-12-08T15:10:04+01:00", "duration_s": int64(301)},
		},
		"voltage_sags_l3": 0, "limiter_threshold_kw": 16.1, "message_code": "01 61 81",
	}, nil},
	// plain-text message (not hex)
	{"node-dsmr-parser__iskra-mt-382-no-crc-with-text-message.txt", map[string]any{
		"text_message": "test-/-test", "gas_m3": 13032.85,
	}, nil},
}

func TestFieldsSpotChecks(t *testing.T) {
	for _, c := range fieldChecks {
		t.Run(c.file, func(t *testing.T) {
			tel, _ := Parse(readCorpus(t, c.file))
			got := tel.Fields()
			for k, want := range c.fields {
				g, ok := got[k]
				if !ok {
					t.Errorf("%s missing", k)
					continue
				}
				if !reflect.DeepEqual(g, want) {
					t.Errorf("%s = %#v, want %#v", k, g, want)
				}
			}
			for _, k := range c.absent {
				if v, ok := got[k]; ok {
					t.Errorf("%s = %#v, want absent", k, v)
				}
			}
		})
	}
}

// TestFieldsGolden compares Fields of every corpus file with
// testdata/golden/<file>.json; go test -run Golden -update rewrites them.
func TestFieldsGolden(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.file, func(t *testing.T) {
			tel, _ := Parse(readCorpus(t, c.file))
			got, err := json.MarshalIndent(tel.Fields(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(c.file, ".txt")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Fields differ from %s:\n%s", path, got)
			}
		})
	}
}

func TestSmartyTutorial(t *testing.T) {
	tel := parseCorpus(t, "smarty_tutorial_plain.txt")
	if !tel.CRC.OK || tel.CRC.Value != 0x7A02 || tel.CRC.Digits != 4 {
		t.Fatalf("CRC %+v", tel.CRC)
	}
	if tel.Profile != ProfileLU || tel.Profile.Location.String() != "Europe/Luxembourg" {
		t.Fatalf("profile %v", tel.Profile.Name)
	}
	if n, ok := tel.Get("1-0:1.8.0").Number(); !ok || n != 3745.060 || tel.Get("1-0:1.8.0").Main().Unit != "kWh" {
		t.Fatalf("1-0:1.8.0 = %v", n)
	}
	id := tel.Get("0-0:42.0.0").Main()
	if id.Raw != "53414731303330373030303839303637" || id.Text != "SAG1030700089067" {
		t.Fatalf("0-0:42.0.0 %+v", id)
	}
	for code, want := range map[string]float64{
		"1-0:32.32.0": 218, "1-0:52.32.0": 5, "1-0:72.32.0": 4,
		"1-0:32.36.0": 2, "1-0:52.36.0": 2, "1-0:72.36.0": 2,
	} {
		if n, ok := tel.Get(code).Number(); !ok || n != want {
			t.Errorf("%s = %v, want %v", code, n, want)
		}
	}
	for _, code := range []string{"0-0:96.13.0", "0-0:96.13.2", "0-0:96.13.3", "0-0:96.13.4", "0-0:96.13.5"} {
		o := tel.Get(code)
		if o == nil || len(o.Values) != 1 || o.Values[0].Raw != "" || o.Values[0].IsNumber || o.Values[0].Text != "" {
			t.Errorf("%s: %+v", code, o)
		}
	}
	// unit-less numbers
	if v := tel.Get("1-0:4.7.0").Main(); !v.IsNumber || v.Number != 0.004 || v.Unit != "" {
		t.Errorf("1-0:4.7.0 %+v", v)
	}
	ts, ok := tel.Get("0-0:1.0.0").Timestamp()
	if !ok || !ts.Equal(time.Date(2019, 12, 8, 10, 14, 41, 0, time.UTC)) {
		t.Errorf("timestamp %v", ts)
	}
	f := tel.Fields()
	for k, want := range map[string]any{
		"energy_import_kwh": 3745.06, "energy_export_kwh": 0.929, "reactive_energy_import_kvarh": 13.721,
		"reactive_energy_export_kvarh": 4.635, "reactive_power_export_kvar": 0.004,
		"equipment_id": "SAG1030700089067", "voltage_sags_l1": 218, "voltage_swells_l3": 2,
		"text_message": "", "text_message_5": "", "power_failures": 234, "limiter_threshold_kva": 97.632,
	} {
		if !reflect.DeepEqual(f[k], want) {
			t.Errorf("%s = %#v, want %#v", k, f[k], want)
		}
	}
}

func TestValueForms(t *testing.T) {
	tests := []struct {
		line  string
		check func(t *testing.T, o Object)
	}{
		{"1-1:31.4.0(100.0*A,-100.0*A)", func(t *testing.T, o Object) {
			v := o.Values[0]
			if len(v.Items) != 2 || v.Items[0].Number != 100 || v.Items[1].Number != -100 || v.Items[1].Unit != "A" {
				t.Fatalf("%+v", v)
			}
			if !v.IsNumber || v.Number != 100 || v.Unit != "A" || v.Raw != "100.0*A,-100.0*A" {
				t.Fatalf("%+v", v)
			}
			if v.Items[1].Offset != v.Offset+8 {
				t.Fatalf("item offset %d", v.Items[1].Offset)
			}
		}},
		{"0-0:1.0.0(200512135409S,200512135410S)", func(t *testing.T, o Object) { // a list of timestamps
			v := o.Values[0]
			if len(v.Items) != 2 || !v.Items[1].IsTime || v.Items[1].TimeFlag != 'S' || v.Items[1].Time.Second() != 10 {
				t.Fatalf("%+v", v)
			}
		}},
		{"0-0:96.13.0()", func(t *testing.T, o Object) {
			if v := o.Values[0]; v.Raw != "" || v.IsNumber || v.IsTime || v.Text != "" {
				t.Fatalf("%+v", v)
			}
		}},
		{"0-0:96.13.0(48656C6C6F)", func(t *testing.T, o Object) {
			if v := o.Values[0]; v.Text != "Hello" || v.Raw != "48656C6C6F" || v.String() != "Hello" {
				t.Fatalf("%+v", v)
			}
		}},
		{"0-0:96.13.0(0001FF)", func(t *testing.T, o Object) { // hex, but not text
			if v := o.Values[0]; v.Text != "" || v.String() != "0001FF" {
				t.Fatalf("%+v", v)
			}
		}},
		{"1-0:1.8.1(000004.426*kWh)", func(t *testing.T, o Object) {
			if v := o.Values[0]; v.Number != 4.426 || v.Unit != "kWh" || v.Text != "" {
				t.Fatalf("%+v", v)
			}
		}},
		{"1-0:1.8.1 (000004.426*kWh) ", func(t *testing.T, o Object) {
			if o.OBIS != "1-0:1.8.1" || o.Values[0].Number != 4.426 {
				t.Fatalf("%+v", o)
			}
		}},
		{"0-0:96.14.0(0002)", func(t *testing.T, o Object) {
			if v := o.Values[0]; v.Number != 2 || v.Unit != "" {
				t.Fatalf("%+v", v)
			}
		}},
		{"0-1:24.2.1(170102161005W)(00000.107*m3)", func(t *testing.T, o Object) {
			if m := o.Main(); m.Number != 0.107 || m.Unit != "m3" {
				t.Fatalf("main %+v", m)
			}
			ts, ok := o.Timestamp()
			if !ok || ts.Format(time.RFC3339) != "2017-01-02T16:10:05+01:00" || o.Values[0].TimeFlag != 'W' {
				t.Fatalf("time %v", ts)
			}
		}},
		{"0-2:24.2.1(632525252525S)(00000.000)", func(t *testing.T, o Object) { // "not set"
			if o.Values[0].IsTime || o.Values[0].IsNumber || o.Main() != &o.Values[1] {
				t.Fatalf("%+v", o.Values)
			}
		}},
		{"1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)", func(t *testing.T, o Object) {
			if len(o.Values) != 6 || o.Main().Number != 2 || o.Values[1].Raw != "0-0:96.7.19" || !o.Values[4].IsTime || o.Values[5].Unit != "s" {
				t.Fatalf("%+v", o.Values)
			}
		}},
		{"0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(200501000000S)(200423192538S)(03.695*kW)", func(t *testing.T, o Object) {
			if len(o.Values) != 6 || o.Main().Number != 3 || !o.Values[3].IsTime || o.Values[5].Number != 3.695 {
				t.Fatalf("%+v", o.Values)
			}
		}},
		{"1-0:99:97.0(0)(0-0:96.7.19)", func(t *testing.T, o Object) {
			if o.Code != codePowerFailureLog || o.OBIS != "1-0:99:97.0" {
				t.Fatalf("%+v", o)
			}
		}},
		{"1-0:1.8.0*255(00032549.5061662*kWh)", func(t *testing.T, o Object) {
			if o.Code != codeImportTotal || o.Values[0].Number != 32549.5061662 {
				t.Fatalf("%+v", o)
			}
		}},
		{"1-0:31.7.0.255(001*A)", func(t *testing.T, o Object) {
			if o.Code != el(31, 7, 0) {
				t.Fatalf("%+v", o)
			}
		}},
		{"1-0:1.8.1(-123456789012345678.5*kWh)", func(t *testing.T, o Object) { // beyond 2^53: ParseFloat
			if v := o.Values[0]; !v.IsNumber || v.Number != -123456789012345678.5 || v.Unit != "kWh" {
				t.Fatalf("%+v", v)
			}
		}},
		{"0-1:96.1.0(3232323241424344313233343536373839)", func(t *testing.T, o Object) { // an identifier, not a number
			if v := o.Values[0]; v.IsNumber || v.Text != "2222ABCD123456789" {
				t.Fatalf("%+v", v)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			o, err := ParseLine(tc.line, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o)
		})
	}
	for _, bad := range []string{"", "1-0:1.8.1", "1-0:1.8.1(5", "1-0:1.8.1(5)x", "x(5)", "1-0:1.8.1((5))", "(5)", "1-0:1.8(5)"} {
		if _, err := ParseLine(bad, nil); err == nil {
			t.Errorf("ParseLine(%q) accepted", bad)
		}
	}
}

func TestDSMR22ContinuationLine(t *testing.T) {
	tel := parseCorpus(t, "dsmr_parser__TELEGRAM_V2_2.txt")
	o := tel.Get("0-1:24.3.0")
	if len(o.Values) != 7 {
		t.Fatalf("values %+v", o.Values)
	}
	if !strings.HasSuffix(string(tel.Raw[o.Offset:o.Offset+o.Len]), "(m3)\r\n(00001.001)") {
		t.Fatalf("range %q", tel.Raw[o.Offset:o.Offset+o.Len])
	}
	m := o.Main()
	if m.Number != 1.001 || m.Unit != "m3" || m.Raw != "00001.001" {
		t.Fatalf("main %+v", m)
	}
	if ts, ok := o.Timestamp(); !ok || ts.Format(time.RFC3339) != "2016-11-07T19:00:00+01:00" || o.Values[0].TimeFlag != 0 {
		t.Fatalf("time %v", ts)
	}
	devs := tel.MBus()
	if len(devs) != 1 || devs[0].Type != 3 || devs[0].Medium() != "gas" || devs[0].Reading != m {
		t.Fatalf("%+v", devs)
	}
}

func TestPowerFailures(t *testing.T) {
	tel := parseCorpus(t, "node-dsmr-parser__dsmr-5.0-ene-1.txt")
	pf := tel.PowerFailures()
	if len(pf) != 9 || pf[0].Seconds != 12287 || pf[0].Duration() != 12287*time.Second ||
		pf[0].End.Format(time.RFC3339) != "2019-02-21T20:18:23+01:00" {
		t.Fatalf("%+v", pf)
	}
	if n, _ := tel.Get("1-0:99.97.0").Number(); n != 9 {
		t.Fatal("count")
	}
	tel = parseCorpus(t, "dsmr_parser__TELEGRAM_V4_2.txt")
	if pf := tel.PowerFailures(); len(pf) != 3 || pf[1].Seconds != 2147483646+100000 {
		t.Fatalf("%+v", pf)
	}
}

func TestFieldsEnergySumRounding(t *testing.T) {
	// 0.1 + 0.2 must not print as 0.30000000000000004
	b := []byte("/XMX5TEST\r\n\r\n1-0:1.8.1(000000.100*kWh)\r\n1-0:1.8.2(000000.200*kWh)\r\n!\r\n")
	tel, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if f := tel.Fields()["energy_import_kwh"]; f != 0.3 {
		t.Fatalf("%v", f)
	}
}
