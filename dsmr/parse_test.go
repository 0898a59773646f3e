package dsmr

import (
	"errors"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in       string
		sentinel error
		hasTel   bool
		offset   int
	}{
		{"", codec.ErrTruncated, false, 0},
		{" \r\n", codec.ErrTruncated, false, 3},
		{"1-0:1.8.1(1)\r\n!\r\n", codec.ErrMalformed, false, 0},
		{"/ABC5", codec.ErrTruncated, true, 5},
		{"/ABC5\r\n1-0:1.8.1(1)\r\n", codec.ErrTruncated, true, 21},
		{"/ABC5\r\n1-0:1.8.1(1\r\n!\r\n", codec.ErrMalformed, true, 7},
	}
	for _, tc := range tests {
		tel, err := Parse([]byte(tc.in))
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, tc.sentinel) || ce.Layer != "p1" || ce.Offset != tc.offset {
			t.Errorf("%q: %v (offset %d), want %v at %d", tc.in, err, ce.Offset, tc.sentinel, tc.offset)
		}
		if (tel != nil) != tc.hasTel {
			t.Errorf("%q: telegram %v", tc.in, tel)
		}
	}
}

// Bad lines are reported, never dropped silently; the others are kept.
func TestParseReportsEveryBadLine(t *testing.T) {
	in := "/ABC5 test\r\n\r\n" +
		"1-0:1.8.1(000001.000*kWh)\r\n" +
		"garbage line\r\n" + // 4
		"1-0:1.8.2(000002.000*kWh\r\n" + // 5: no ')'
		"(00001.001)\r\n" + // 6: continuation after a bad line
		"1-0:2.8.1(000003.000*kWh)junk\r\n" + // 7
		"1-0:2.8.2(000004.000*kWh)\r\n" +
		"!12345\r\n" // 9: one digit too many
	tel, err := Parse([]byte(in))
	if !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "and 4 more") {
		t.Errorf("error %q", err)
	}
	var lines []int
	for _, u := range tel.Unparsed {
		lines = append(lines, u.Line)
	}
	if len(lines) != 5 || lines[0] != 4 || lines[1] != 5 || lines[2] != 6 || lines[3] != 7 || lines[4] != 9 {
		t.Fatalf("unparsed lines %v", lines)
	}
	if len(tel.Objects) != 2 || tel.Objects[0].OBIS != "1-0:1.8.1" || tel.Objects[1].OBIS != "1-0:2.8.2" {
		t.Fatalf("objects %+v", tel.Objects)
	}
	if tel.Objects[1].Line != 8 || len(tel.Objects[1].Values) != 1 {
		t.Fatalf("object %+v", tel.Objects[1])
	}
	if !tel.CRC.Present || tel.CRC.Value != 0x1234 || tel.CRC.Digits != 4 {
		t.Fatalf("CRC %+v", tel.CRC)
	}
	checkInvariants(t, tel)
	// the explanation shows them in order
	var names []string
	for _, f := range tel.Layers()[0].Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "header,1-0:1.8.1,unparsed,unparsed,unparsed,unparsed,1-0:2.8.2,unparsed,CRC" {
		t.Fatalf("layer fields %s", got)
	}
}

func TestParseCRCForms(t *testing.T) {
	body := "/ABC5 test\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!"
	sum := checksum([]byte(body))
	upper, lower := hexN(sum, 4), strings.ToLower(hexN(sum, 4))
	tests := []struct {
		crc            string
		present, ok    bool
		digits         int
		lowerCase, bad bool
	}{
		{upper, true, true, 4, false, false},
		{lower, true, true, 4, lower != upper, false},
		{"", false, false, 0, false, false},
		{"12", true, false, 2, false, false},
		{upper + " ", true, true, 4, false, false},
		{"zz", false, false, 0, false, true},
	}
	for _, tc := range tests {
		tel, err := Parse([]byte(body + tc.crc + "\r\n"))
		if tc.bad != (err != nil) {
			t.Errorf("%q: err %v", tc.crc, err)
		}
		c := tel.CRC
		if c.Present != tc.present || c.OK != tc.ok || c.Digits != tc.digits || c.LowerCase != tc.lowerCase || c.Computed != sum {
			t.Errorf("%q: %+v", tc.crc, c)
		}
	}
	// LF line ends and no line end after the CRC
	tel, err := Parse([]byte(strings.ReplaceAll(body, "\r\n", "\n")))
	if err != nil || tel.CRC.Present || tel.CRC.Offset < 0 || len(tel.Objects) != 1 {
		t.Fatalf("%v %+v", err, tel.CRC)
	}
}

func TestTrailerAndLeadingBlanks(t *testing.T) {
	b := readCorpus(t, "dsmr_parser__TELEGRAM_ESY5Q3DB1024_V304.txt")
	tel, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if tr := string(tel.Trailer()); !strings.HasPrefix(tr, "  25803103\r\n\xff\xff") {
		t.Fatalf("trailer %q", tr)
	}
	l := tel.Layers()[0]
	if last := l.Fields[len(l.Fields)-1]; last.Name != "trailer" || last.Offset != tel.End {
		t.Fatalf("last field %+v", last)
	}
	tel, err = Parse(append([]byte("\r\n  "), readCorpus(t, "dsmr_parser__TELEGRAM_V5.txt")...))
	if err != nil || tel.Start != 4 || !tel.CRC.OK {
		t.Fatalf("%v start %d", err, tel.Start)
	}
	checkInvariants(t, tel)
}

func TestProfiles(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Profiles() {
		if p.Name == "" || seen[p.Name] || p.Location == nil || len(p.Country) != 2 || p.Description == "" {
			t.Errorf("profile %+v", p)
		}
		seen[p.Name] = true
		if q, ok := ProfileByName(strings.ToUpper(p.Name)); !ok || q != p {
			t.Errorf("ProfileByName(%q)", p.Name)
		}
	}
	for name, want := range map[string]*Profile{
		"V5": ProfileNLDSMR5, "5B": ProfileBE, "5L": ProfileLU, "5S": ProfileSE, "Q3D": ProfileDE,
		"5EONHU": ProfileHU, "ISKRA_IE": ProfileIE, "SAGEMCOM_T210_D_R": ProfileAT, "V2_2": ProfileNLDSMR22, "4": ProfileNLDSMR4,
	} {
		if p, ok := ProfileByName(name); !ok || p != want {
			t.Errorf("ProfileByName(%q) = %v", name, p)
		}
	}
	if _, ok := ProfileByName("mars"); ok {
		t.Error("unknown name accepted")
	}
	zones := map[string]string{"NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "LU": "Europe/Luxembourg", "AT": "Europe/Vienna",
		"HU": "Europe/Budapest", "SE": "Europe/Stockholm", "IE": "Europe/Dublin", "DE": "Europe/Berlin"}
	for _, p := range Profiles() {
		if p.Location.String() != zones[p.Country] {
			t.Errorf("%s: zone %s", p.Name, p.Location)
		}
	}
}

// Detection of the families the corpus has no file of.
func TestDetectProfileSynthetic(t *testing.T) {
	hu := "/SAG5SAG-EM 123\r\n\r\n0-0:1.0.0(230724150730S)\r\n0-0:42.0.0(53414733303832323030303032313630)\r\n" +
		"0-0:96.1.0(383930303832323030303032313630)\r\n1-0:1.8.0(000173.640*kWh)\r\n1-0:1.8.3(000000.000*kWh)\r\n" +
		"1-0:15.8.0(000800.817*kWh)\r\n1-0:13.7.0(4.556)\r\n1-0:14.7.0(50.00*Hz)\r\n1-0:5.8.0(000000.668*kvarh)\r\n!\r\n"
	se := "/ELL5\\253833635_A\r\n\r\n0-0:1.0.0(210311230000W)\r\n1-0:1.8.0(00006678.394*kWh)\r\n1-0:2.8.0(00000000.000*kWh)\r\n" +
		"1-0:3.8.0(00000021.988*kvarh)\r\n1-0:4.8.0(00001020.971*kvarh)\r\n1-0:1.7.0(0001.727*kW)\r\n!\r\n"
	for in, want := range map[string]*Profile{hu: ProfileHU, se: ProfileSE} {
		tel, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if tel.Profile != want {
			t.Errorf("%s: detected %s", want.Name, tel.Profile.Name)
		}
	}
	tel, _ := Parse([]byte(hu))
	f := tel.Fields()
	for k, want := range map[string]any{
		"timestamp": "2023-07-24T15:07:30+02:00", "equipment_id": "SAG3082200002160", "meter_serial": "890082200002160",
		"energy_import_t3_kwh": 0.0, "energy_absolute_kwh": 800.817, "power_factor": 4.556, "frequency_hz": 50.0,
		"reactive_energy_q1_kvarh": 0.668,
	} {
		if f[k] != want {
			t.Errorf("%s = %#v, want %#v", k, f[k], want)
		}
	}
	// ParseWithProfile overrides detection
	tel, _ = ParseWithProfile([]byte(se), ProfileNLDSMR5)
	if tel.Profile != ProfileNLDSMR5 {
		t.Error("override")
	}
}

func TestLayersCRC(t *testing.T) {
	for file, want := range map[string]string{
		"dsmr_parser__TELEGRAM_V5.txt":           "computed 6EEE, OK",
		"dsmr502_spec_example_section6.13.txt":   "computed E47C, MISMATCH",
		"dsmr_parser__TELEGRAM_V2_2.txt":         "without CRC",
		"dsmr_parser__TELEGRAM_UNPADDED_CRC.txt": "printed with 3 digits",
	} {
		tel, _ := Parse(readCorpus(t, file))
		ls := tel.Layers()
		if len(ls) != 1 || ls[0].Name != "p1" || ls[0].Offset != 0 || ls[0].Len != tel.End {
			t.Fatalf("%s: layers %+v", file, ls)
		}
		fs := ls[0].Fields
		crc := fs[len(fs)-1]
		if crc.Name != "CRC" || !strings.Contains(crc.Meaning, want) || crc.Offset != tel.CRC.Offset {
			t.Errorf("%s: %+v", file, crc)
		}
		if len(fs) != len(tel.Objects)+2 {
			t.Errorf("%s: %d fields for %d objects", file, len(fs), len(tel.Objects))
		}
	}
	tel, _ := Parse(readCorpus(t, "node-dsmr-parser__dsmr-4.0-isk-1.txt"))
	for _, f := range tel.Layers()[0].Fields {
		if f.Name == "1-0:99:97.0" && !strings.Contains(f.Meaning, "irregularly, read as 1-0:99.97.0") {
			t.Errorf("%+v", f)
		}
	}
	tel, _ = Parse(readCorpus(t, "dsmr_parser__TELEGRAM_FLUVIUS_V171.txt"))
	for _, f := range tel.Layers()[0].Fields {
		if f.Name == "0-2:24.1.0" && f.Meaning != "M-Bus device type, M-Bus channel 2: water" {
			t.Errorf("%+v", f)
		}
	}
}
