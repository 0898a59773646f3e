package wmbus

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// telitSpec is the constructed ELL 0x8F / ENC=1 frame of oms_examples.txt
// section 5 (the Telit ME70-169 use case), key 000102..0F.
func telitSpec(t testing.TB, counter ELLAddressPolicy, format Format) *Spec {
	return &Spec{
		C:    0x44,
		Link: Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 0x01, Type: 0x07},
		ELL: &ELLSpec{CI: 0x8F, CC: 0x20, ACC: 0x01,
			Addr:    Address{Manufacturer: 0x0CAE, ID: 0x87654321, Version: 0x01, Type: 0x07},
			Encrypt: true, Minutes: 12345, Session: 3, CounterAddress: counter},
		TPL:     TPLSpec{CI: 0x78},
		Payload: mustHex(t, "0413E8030000"),
		Key:     mustHex(t, "000102030405060708090A0B0C0D0E0F"),
		Format:  format,
	}
}

func TestBuildTelitSection5(t *testing.T) {
	cases := []struct {
		counter ELLAddressPolicy
		format  Format
		want    string
	}{
		{ELLAddressLink, FormatNone, "2144AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC27"},
		{ELLAddressLink, FormatA, "2144AE0C785634120107FC8B8F2001AE0C21436587010793030320F226E884603BCE0EFCCC27C722"},
		{ELLAddressLink, FormatB, "2344AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC277838"},
		{ELLAddressM2A2, FormatNone, "2144AE0C7856341201078F2001AE0C214365870107930303208A15BC5D03C3F45B3E"},
		{ELLAddressM2A2, FormatA, "2144AE0C785634120107FC8B8F2001AE0C214365870107930303208A42F715BC5D03C3F45B3ED77B"},
		{ELLAddressM2A2, FormatB, "2344AE0C7856341201078F2001AE0C214365870107930303208A15BC5D03C3F45B3ED367"},
	}
	for _, tc := range cases {
		got, err := AppendFrame(nil, telitSpec(t, tc.counter, tc.format))
		if err != nil {
			t.Fatal(err)
		}
		if want := mustHex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%v/%v:\n got  %X\n want %X", tc.counter, tc.format, got, want)
		}
		// And back: decode with the matching address policy.
		d := Decoder{Keys: StaticKey(telitSpec(t, 0, 0).Key), ELLAddress: tc.counter}
		tel, err := d.Decode(got)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if tel.Format != tc.format || tel.Security.Status != StatusDecrypted || !bytes.Equal(tel.APL(), mustHex(t, "0413E8030000")) {
			t.Errorf("round trip: format %v status %v apl %X", tel.Format, tel.Security.Status, tel.APL())
		}
		// auto finds either address.
		d.ELLAddress = ELLAddressAuto
		if tel, err = d.Decode(got); err != nil || tel.Security.ELLAddress != tc.counter.String() {
			t.Errorf("auto: %v, address %q", err, tel.Security.ELLAddress)
		}
	}
}

// The OMS Annex N examples, rebuilt from their fields, come out byte for byte.
func TestBuildOMSExamples(t *testing.T) {
	key5 := mustHex(t, "0102030405060708090A0B0C0D0E0F11")
	key7 := mustHex(t, "000102030405060708090A0B0C0D0E0F")
	apl := mustHex(t, "0C1427048502046D32371F1502FD170000")
	els := Address{Manufacturer: 0x1593, ID: 0x12345678, Version: 0x33, Type: 0x03}
	cases := []struct {
		name string
		spec Spec
		want string
	}{
		{"N.2.1 mode 5 format A", Spec{C: 0x44, Link: els,
			TPL:     TPLSpec{CI: 0x7A, ACC: 0x2A, Security: 5, Flags: CFGSynchronous},
			Payload: apl, Key: key5, Format: FormatA},
			"2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A"},
		{"Annex N mode 7 ELL 8C + AFL, format A", Spec{C: 0x44, Link: els,
			ELL:     &ELLSpec{CI: 0x8C, CC: 0x20, ACC: 0x75},
			TPL:     TPLSpec{CI: 0x7A, ACC: 0x75, Security: 7, MCR: 0xAB3, MACType: 5},
			Payload: apl, Key: key7, Format: FormatA},
			"434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1"},
		{"N.5.3 mode 5 long header, partial encryption", Spec{C: 0x44,
			Link:    Address{Manufacturer: 0x4493, ID: 0x11223344, Version: 0x55, Type: 0x37},
			TPL:     TPLSpec{CI: 0x72, Addr: Address{Manufacturer: 0x4493, ID: 0x55667788, Version: 0x55, Type: 0x08}, ACC: 0, STS: 0x04, Security: 5},
			Payload: mustHex(t, "0B6E341200426CFE044B6E563402"), Clear: mustHex(t, "0CFD1078563412"), Key: key7, Format: FormatA},
			"2D44934444332211553769EF7288776655934455080004100500DFE227F9A782146D1513581CD2F83F39040CFD1040C4785634128134"},
	}
	for _, tc := range cases {
		got, err := AppendFrame(nil, &tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := mustHex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got  %X\n want %X", tc.name, got, want)
		}
	}
}

func TestManufacturerCode(t *testing.T) {
	for code, m := range map[string]uint16{"KAM": 0x2C2D, "ELS": 0x1593, "CEN": 0x0CAE, "QDS": 0x4493} {
		if got := ManufacturerCode(m); got != code {
			t.Errorf("%04X: %s want %s", m, got, code)
		}
		if got, ok := ParseManufacturer(code); !ok || got != m {
			t.Errorf("%s: %04X want %04X", code, got, m)
		}
	}
	if _, ok := ParseManufacturer("K4M"); ok {
		t.Error("K4M accepted")
	}
}
