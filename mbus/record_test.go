package mbus

import (
	"encoding/hex"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func parseOne(t *testing.T, hexs string) Record {
	t.Helper()
	var p Parser
	recs, err := p.Parse(unhex(t, hexs))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%s: %d records, %v", hexs, len(recs), err)
	}
	return recs[0]
}

// Data codings: jMBus DataRecordParserTest "(INT)" and decode1 vectors
// (shared corpus wmbus/jmbus_cases.txt), plus EN 13757-3 codings.
func TestDataCodings(t *testing.T) {
	for _, tc := range []struct {
		rec   string
		raw   int64
		valid bool
	}{
		{"0403E4050000", 1508, true},
		{"0403FFFFFFFF", -1, true},
		{"0700F4F640FC01000000", 8527083252, true},
		{"0704FFFFFFFFFFFFFFFF", -1, true},
		{"07041223344556677812", 1330927310113874706, true},
		{"0113FE", -2, true},
		{"031300FFFF", -256, true},
		{"0613010000000080", -140737488355327, true},
		{"091399", 99, true},
		{"0A133412", 1234, true},
		{"0B13563412", 123456, true},
		{"0C1378563412", 12345678, true},
		{"0E13785634120000", 12345678, true},
		{"0B5E4000F0", -40, true}, // jMBus BCDNegativeTempTest: F nibble = minus
		{"0C13FFFFFFFF", 0, false},
		{"0C1312F45678", 0, false}, // non-decimal digit inside
		{"0D13C23412", 1234, true}, // LVAR positive BCD
		{"0D13D23412", -1234, true},
		{"0D13E3010203", 0x030201, true}, // LVAR binary
	} {
		r := parseOne(t, tc.rec)
		if r.Valid != tc.valid || r.Valid && r.Int != tc.raw {
			t.Errorf("%s: raw %d valid %v, want %d %v", tc.rec, r.Int, r.Valid, tc.raw, tc.valid)
		}
	}
	r := parseOne(t, "05130000803F") // real32 1.0
	if !r.Valid || math.Abs(r.Value-1.0*math.Pow10(r.Info.Exp)) > 1e-12 {
		t.Errorf("real32: %v valid %v", r.Value, r.Valid)
	}
	r = parseOne(t, "0D0A0454534554") // LVAR text "TEST" reversed on the wire
	if !r.IsText || r.Text() != "TEST" {
		t.Errorf("text: %q", r.Text())
	}
}

func TestDIFEStorageTariffSubunit(t *testing.T) {
	// DIF 0xCC: BCD8, storage bit 1, DIFE follows; DIFE 0xD3: ext, subunit 1,
	// tariff 1, storage 3; DIFE 0x12: tariff 1, storage 2.
	r := parseOne(t, "CCD3121378563412")
	if r.Storage != 1|3<<1|2<<5 || r.Tariff != 1|1<<2 || r.Subunit != 1 || r.Function != Instantaneous {
		t.Errorf("storage %d tariff %d subunit %d", r.Storage, r.Tariff, r.Subunit)
	}
	r = parseOne(t, "1413E8030000") // maximum
	if r.Function != Maximum {
		t.Errorf("function %v", r.Function)
	}
	var p Parser
	_, err := p.Parse(unhex(t, "84808080808080808080800013E8030000")) // 11 DIFEs
	if !errors.Is(err, codec.ErrMalformed) || !strings.Contains(err.Error(), "DIFE") {
		t.Errorf("11 DIFEs: %v", err)
	}
	_, err = p.Parse(unhex(t, "0493808080808080808080800001020304")) // 11 VIFEs
	if !errors.Is(err, codec.ErrMalformed) || !strings.Contains(err.Error(), "VIFE") {
		t.Errorf("11 VIFEs: %v", err)
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct{ rec, want string }{
		{"046D32371F15", "2008-05-31 23:50"}, // OMS Annex N, type F
		{"426CFE04", "2007-04-30"},           // OMS N.5.3, type G
		{"036D0C1E17", "23:30:12"},           // type J
		{"066D221AE0100100", ""},             // type I, jMBus p10 (checked below)
	} {
		r := parseOne(t, tc.rec)
		if tc.want != "" && r.Time.String() != tc.want {
			t.Errorf("%s: %s want %s", tc.rec, r.Time, tc.want)
		}
	}
	r := parseOne(t, "066D221AE0100100")
	if !r.Time.HasSeconds || r.Time.Year < 2000 {
		t.Errorf("type I: %+v", r.Time)
	}
	r = parseOne(t, "046DFFFFFFFF")
	if r.Valid || !r.Time.Invalid {
		t.Errorf("invalid date accepted: %+v", r.Time)
	}
}

func TestSpecialFunctions(t *testing.T) {
	var p Parser
	recs, err := p.Parse(unhex(t, "2F2F0C1378563412"+"2F"+"0F01020304"))
	if err != nil || len(recs) != 2 || !recs[1].Manufacturer || len(recs[1].Data) != 4 {
		t.Fatalf("%v %+v", err, recs)
	}
	recs, err = p.Parse(unhex(t, "1F0102"))
	if err != nil || !recs[0].MoreFollow {
		t.Fatalf("0x1F: %v", err)
	}
	recs, err = p.Parse(unhex(t, "0C1378563412FFFF"))
	if err != nil || len(recs) != 2 || recs[1].Info.Quantity != "reserved_special_function" || len(recs[1].Data) != 1 {
		t.Fatalf("reserved special function: %v %+v", err, recs)
	}
	recs, err = p.Parse(unhex(t, "7F"))
	if err != nil || len(recs) != 1 {
		t.Fatalf("global readout: %v", err)
	}
}

func TestPlainTextVIF(t *testing.T) {
	// DIF 04, VIF FC (plain text, VIFE follows), "h/l" reversed, VIFE 74? no:
	// plain text VIF 7C without VIFEs, then data.
	r := parseOne(t, "047C034C2F68E8030000")
	if r.PlainUnitString() != "h/L" || !r.Valid || r.Int != 1000 {
		t.Fatalf("unit %q valid %v int %d", r.PlainUnitString(), r.Valid, r.Int)
	}
	var p Parser
	if _, err := p.Parse(unhex(t, "047C094C2F68")); !errors.Is(err, codec.ErrTruncated) {
		t.Fatalf("long text: %v", err)
	}
}

func TestTruncatedRecords(t *testing.T) {
	full := unhex(t, "0C1427048502046D32371F1502FD170000")
	var p Parser
	for n := 1; n < len(full); n++ {
		recs, err := p.Parse(full[:n])
		if err == nil {
			continue // ended on a record boundary
		}
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, codec.ErrTruncated) {
			t.Errorf("prefix %d: %v", n, err)
		}
		for _, r := range recs {
			if r.Offset+len(r.DIB) > n {
				t.Errorf("prefix %d: record past the end", n)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0C1427048502046D32371F1502FD170000", "CCD3121378563412", "047C034C2F68E8030000",
		"0D0A0454534554", "2F2F0F0102", "0D13E3010203", "066D221AE0100100"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Parser
		recs, err := p.Parse(b)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		}
		for i := range recs {
			r := &recs[i]
			if r.Offset < 0 || r.Offset >= len(b) || len(r.Data) > len(b) {
				t.Fatalf("record %d out of range", i)
			}
			_ = r.FieldName()
			_ = r.FieldValue()
			if r.Info.Exp < -30 || r.Info.Exp > 30 {
				t.Fatalf("exponent %d", r.Info.Exp)
			}
		}
		_ = Signature(recs)
	})
}

// A typical 20+ record heat meter telegram body.
const benchAPL = "0C06000000000C14000000000C22381701000B5A1702000B5E1702000B622000000C78785634120C1578563412" +
	"4C1400000000426C1F0C8C2006000000008C30140000000002FD17000004FD0800000000046D32371F15" +
	"0C2B000000000C3B000000000B260100000C2200000000046D2F2D0A2C0274010002FD0B0000"

func BenchmarkParseRecords(b *testing.B) {
	apl := unhex(b, benchAPL)
	var p Parser
	recs, err := p.Parse(apl)
	if err != nil || len(recs) < 20 {
		b.Fatalf("%d records: %v", len(recs), err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(apl)))
	for b.Loop() {
		p.Parse(apl)
	}
}

// LVAR 0xF0-0xF6 announce binary numbers of 16 to 64 bytes (reported by
// the libmbus conformance run: example_binary16_lvar).
func TestLongBinaryLVAR(t *testing.T) {
	for lvar, n := range map[byte]int{0xF0: 16, 0xF4: 32, 0xF5: 48, 0xF6: 64} {
		b := append([]byte{0x0D, 0xFD, 0x3B, lvar}, make([]byte, n)...)
		b[len(b)-1] = 0xAB
		r := parseOne(t, hex.EncodeToString(b))
		if !r.Valid || !r.Long || len(r.Data) != n || !strings.HasPrefix(r.FieldValue().(string), "AB") {
			t.Errorf("LVAR %02X: valid %v long %v %d bytes %v", lvar, r.Valid, r.Long, len(r.Data), r.FieldValue())
		}
	}
}

// Every jMBus DataRecordParserTest record (shared corpus
// wmbus/jmbus_cases.txt) parses as one record whose raw value is jMBus's
// (the VIF side is checked in vif_test.go).
func TestJMBusRecordValues(t *testing.T) {
	b, err := os.ReadFile("testdata/jmbus_cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "record ") {
			continue
		}
		_, rest, _ := strings.Cut(line, ": ")
		hexs, want, _ := strings.Cut(rest, " -> ")
		fields := strings.Split(want, ", ")
		last := strings.TrimSuffix(strings.TrimSpace(fields[len(fields)-1]), "L")
		if strings.HasPrefix(want, "-1 ;") { // decode1: two vectors on one line
			continue
		}
		raw, err := strconv.ParseInt(last, 10, 64)
		if err != nil {
			continue // DATE_TIME lines give milliseconds since 1970, checked in TestDates
		}
		if strings.Contains(want, "DATE_TIME") {
			continue
		}
		r := parseOne(t, strings.TrimSpace(hexs))
		if !r.Valid || r.Int != raw {
			t.Errorf("%s: raw %d valid %v, want %d", hexs, r.Int, r.Valid, raw)
		}
		n++
	}
	if n < 60 {
		t.Fatalf("only %d records checked", n)
	}
	t.Logf("%d jMBus records: raw values agree", n)
}
