package mbus

import (
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func TestWiredNames(t *testing.T) {
	for c, want := range map[byte]string{0x40: "SND_NKE", 0x53: "SND_UD", 0x73: "SND_UD", 0x5A: "REQ_UD1",
		0x7B: "REQ_UD2", 0x08: "RSP_UD", 0x38: "RSP_UD", 0x44: "", 0x00: ""} {
		if got := CFieldName(c); got != want {
			t.Errorf("CFieldName(%02X) = %q, want %q", c, got, want)
		}
	}
	for ci, want := range map[byte]int{0xB8: 300, 0xB9: 600, 0xBD: 9600, 0xBF: 38400, 0xB7: 0, 0xC0: 0} {
		if got := BaudRate(ci); got != want {
			t.Errorf("BaudRate(%02X) = %d, want %d", ci, got, want)
		}
	}
	if CIName(0xBB) != "set baud rate to 2400" || CIName(0x70) == "" || CIName(0x20) != "" {
		t.Errorf("CIName: %q %q %q", CIName(0xBB), CIName(0x70), CIName(0x20))
	}
}

func TestParseAppError(t *testing.T) {
	if e := ParseAppError(nil); !e.NoData || e.Code != 0 || e.String() != "unspecified error" {
		t.Errorf("no data: %+v %s", e, e)
	}
	want := map[byte]string{1: "unimplemented CI-field", 2: "buffer too long, truncated", 3: "too many records",
		4: "premature end of record", 5: "more than 10 DIFEs", 6: "more than 10 VIFEs", 7: "reserved (code 7)",
		8: "application too busy for handling readout request", 9: "too many readouts", 10: "reserved (code 10)",
		0xFF: "reserved (code 255)"}
	for code, name := range want {
		e := ParseAppError([]byte{code})
		if e.NoData || e.Code != code || e.String() != name || len(e.Extra) != 0 {
			t.Errorf("code %d: %+v %q, want %q", code, e, e, name)
		}
	}
	e := ParseAppError([]byte{8, 0xAA, 0xBB})
	if e.Code != 8 || string(e.Extra) != "\xAA\xBB" || cap(e.Extra) != 2 {
		t.Errorf("extra: %+v", e)
	}
}

func TestParseFixed(t *testing.T) {
	// libmbus test-frames/manual_frame2 and sen_pollusonic_2, after the CI.
	f, err := ParseFixed(unhex(t, "785634120A00E97E0100000035010000"), false)
	if err != nil {
		t.Fatal(err)
	}
	if f.IDString() != "12345678" || f.ACC != 10 || f.STS != 0 || f.Medium != 7 || f.MediumName() != "water" || f.Binary() || f.Stored() {
		t.Errorf("header: %+v", f)
	}
	c1, c2 := f.Counters[0], f.Counters[1]
	if c1.UnitCode != 0x29 || !c1.Valid || c1.Int != 1 || c1.Unit != "m3" || c1.Exp != -3 || c1.Quantity != "volume" || c1.Value != 0.001 || c1.Historic {
		t.Errorf("counter 1: %+v", c1)
	}
	if c2.UnitCode != 0x3E || !c2.Valid || c2.Int != 135 || c2.Unit != "m3" || c2.Exp != -3 || !c2.Historic || c2.Value != 0.135 {
		t.Errorf("counter 2 (same but historic): %+v", c2)
	}
	f, err = ParseFixed(unhex(t, "9392919010000569316500006900000"+"0"), false)
	if err != nil {
		t.Fatal(err)
	}
	if f.IDString() != "90919293" || f.Medium != 4 || f.MediumName() != "heat" ||
		f.Counters[0].Int != 6531 || f.Counters[0].Unit != "Wh" || f.Counters[0].Exp != 3 ||
		f.Counters[1].Int != 69 || f.Counters[1].Unit != "m3" || f.Counters[1].Exp != -3 {
		t.Errorf("sen_pollusonic_2: %+v", f)
	}

	// MSB first (CI 0x77): every multi-byte field reversed.
	f, err = ParseFixed(unhex(t, "123456780A007EE90000000100000135"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !f.MSBFirst || f.IDString() != "12345678" || f.Medium != 7 || f.Counters[0].Int != 1 || f.Counters[0].UnitCode != 0x29 ||
		f.Counters[1].Int != 135 || !f.Counters[1].Historic {
		t.Errorf("MSB first: %+v", f)
	}

	// Binary counters (STS bit 7), stored values (bit 6).
	f, err = ParseFixed(unhex(t, "78563412"+"01"+"C0"+"0517"+"40E20100"+"FFFFFFFF"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Binary() || !f.Stored() || f.Counters[0].Int != 123456 || f.Counters[0].Value != 123456000 ||
		f.Counters[1].Int != 0xFFFFFFFF || f.Counters[1].Unit != "W" || f.Counters[1].Exp != 3 {
		t.Errorf("binary: %+v", f)
	}

	// BCD with non-decimal digits: no value.
	f, _ = ParseFixed(unhex(t, "78563412"+"01"+"00"+"0505"+"FFFFFFFF"+"09000000"), false)
	if f.Counters[0].Valid || !f.Counters[1].Valid {
		t.Errorf("invalid BCD: %+v", f.Counters)
	}

	for _, tc := range []struct {
		n    int
		want error
	}{{0, codec.ErrTruncated}, {15, codec.ErrTruncated}, {17, codec.ErrMalformed}} {
		_, err := ParseFixed(make([]byte, tc.n), false)
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, tc.want) {
			t.Errorf("%d bytes: %v, want %v", tc.n, err, tc.want)
		}
	}
}

func TestFixedUnits(t *testing.T) {
	for code, want := range map[byte]string{0x00: "h,m,s", 0x01: "D,M,Y", 0x02: "Wh", 0x03: "10 Wh", 0x05: "kWh",
		0x08: "MWh", 0x0A: "100 MWh", 0x0B: "kJ", 0x0D: "100 kJ", 0x0E: "MJ", 0x11: "GJ", 0x13: "100 GJ",
		0x14: "W", 0x17: "kW", 0x1C: "100 MW", 0x1D: "kJ/h", 0x20: "MJ/h", 0x25: "100 GJ/h",
		0x26: "ml", 0x28: "100 ml", 0x29: "l", 0x2B: "100 l", 0x2C: "m3", 0x2E: "100 m3",
		0x2F: "ml/h", 0x32: "l/h", 0x35: "m3/h", 0x37: "100 m3/h", 0x38: "1e-3 °C", 0x39: "units for HCA",
		0x3A: "reserved", 0x3D: "reserved", 0x3E: "same but historic", 0x3F: "without units", 0xC5: "kWh"} {
		if got := FixedUnitName(code); got != want {
			t.Errorf("FixedUnitName(%02X) = %q, want %q", code, got, want)
		}
	}
	// The unit, exponent and quantity agree with the names.
	for code, want := range map[byte]struct {
		unit string
		exp  int
		q    string
	}{0x02: {"Wh", 0, "energy"}, 0x0A: {"Wh", 8, "energy"}, 0x0B: {"J", 3, "energy"}, 0x13: {"J", 11, "energy"},
		0x14: {"W", 0, "power"}, 0x1C: {"W", 8, "power"}, 0x1D: {"J/h", 3, "power"}, 0x25: {"J/h", 11, "power"},
		0x26: {"m3", -6, "volume"}, 0x2E: {"m3", 2, "volume"}, 0x2F: {"m3/h", -6, "volume_flow"},
		0x37: {"m3/h", 2, "volume_flow"}, 0x38: {"C", -3, "temperature"}, 0x39: {"", 0, "hca"},
		0x3F: {"", 0, "dimensionless"}, 0x3B: {"", 0, "reserved"}} {
		u, e, q := fixedUnit(code)
		if u != want.unit || e != want.exp || q != want.q {
			t.Errorf("fixedUnit(%02X) = %q %d %q, want %+v", code, u, e, q, want)
		}
	}
}

func TestParseSelect(t *testing.T) {
	s, err := ParseSelect(unhex(t, "78563412FFFFFF07"))
	if err != nil {
		t.Fatal(err)
	}
	if s.IDPattern() != "12345678" || !s.AnyManufacturer() || !s.AnyVersion() || s.AnyMedium() || s.Medium != 7 || len(s.Data) != 0 {
		t.Errorf("%+v", s)
	}
	s, _ = ParseSelect(unhex(t, "FFFF3412"+"2D2C"+"01"+"FF"+"0C7801020304"))
	if s.IDPattern() != "1234FFFF" || s.AnyManufacturer() || s.Manufacturer != 0x2C2D || s.AnyVersion() || !s.AnyMedium() || len(s.Data) != 6 {
		t.Errorf("%+v", s)
	}
	if _, err := ParseSelect(unhex(t, "78563412FFFF")); !errors.Is(err, codec.ErrTruncated) {
		t.Errorf("short: %v", err)
	}
}

func TestParseCommand(t *testing.T) {
	c, err := ParseCommand(0x50, nil)
	if err != nil || c.Kind != CommandReset || c.HasSubcode || len(c.Data) != 0 {
		t.Errorf("reset: %+v %v", c, err)
	}
	c, err = ParseCommand(0x50, []byte{0x10})
	if err != nil || !c.HasSubcode || c.Subcode != 0x10 || c.DataOffset != 1 {
		t.Errorf("reset with subcode: %+v %v", c, err)
	}
	c, err = ParseCommand(0x51, unhex(t, "017A08"))
	if err != nil || c.Kind != CommandDataSend || len(c.Data) != 3 || c.DataOffset != 0 {
		t.Errorf("data send: %+v %v", c, err)
	}
	c, err = ParseCommand(0x52, unhex(t, "78563412FFFFFFFF"))
	if err != nil || c.Kind != CommandSelect || c.Select.IDPattern() != "12345678" || c.DataOffset != 8 {
		t.Errorf("select: %+v %v", c, err)
	}
	c, err = ParseCommand(0x53, unhex(t, "78563412"+"2D2C"+"01"+"07"+"05"+"00"+"0000"+"20"))
	if err != nil || c.Kind != CommandReset || !c.HasHeader || c.Header.ID != 0x12345678 || c.Header.Manufacturer != 0x2C2D ||
		c.Header.ACC != 5 || !c.HasSubcode || c.Subcode != 0x20 || c.DataOffset != 13 {
		t.Errorf("reset, long header: %+v %v", c, err)
	}
	c, err = ParseCommand(0x54, []byte{1, 2})
	if err != nil || c.Kind != CommandSynchronize || len(c.Data) != 2 {
		t.Errorf("synchronize: %+v %v", c, err)
	}
	c, err = ParseCommand(0xBD, nil)
	if err != nil || c.Kind != CommandSetBaud || c.Baud != 9600 {
		t.Errorf("baud: %+v %v", c, err)
	}
	for _, tc := range []struct {
		ci   byte
		data string
		want error
	}{
		{0x52, "785634", codec.ErrTruncated},
		{0x53, "7856341224", codec.ErrTruncated},
		{0x53, "78563412" + "2D2C" + "01" + "07" + "05" + "00" + "0005", codec.ErrUnsupported},
		{0xB8, "00", codec.ErrMalformed},
		{0x72, "", codec.ErrUnsupported},
	} {
		_, err := ParseCommand(tc.ci, unhex(t, tc.data))
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, tc.want) {
			t.Errorf("CI %02X %s: %v, want %v", tc.ci, tc.data, err, tc.want)
		}
	}
	for ci := 0; ci < 256; ci++ {
		want := ci >= 0x50 && ci <= 0x54 || ci >= 0xB8 && ci <= 0xBF
		if IsCommandCI(byte(ci)) != want {
			t.Errorf("IsCommandCI(%02X) = %v", ci, !want)
		}
	}
}
