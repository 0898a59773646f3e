package telit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// ellFrame is the Telit ELL 0x8F frame of oms_examples section 5 without
// link-layer CRCs (as wmbus/build_test.go builds it with FormatNone).
const ellFrame = "2144AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC27"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCommands(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{string(AppendReadRegister(nil, 400)), "ATS400?\r"},
		{string(AppendReadRegister(nil, 5)), "ATS005?\r"},
		{string(AppendWriteRegister(nil, 400, 16)), "ATS400=16\r"},
		{string(AppendWriteRegister(nil, 470, 0)), "ATS470=0\r"},
		{string(AppendWriteRegister(nil, 485, 255)), "ATS485=255\r"},
		{string(AppendCommand(nil, CmdOnline)), "ATO\r"},
		{string(AppendCommand(nil, CmdFactoryReset)), "ATR\r"},
		{string(RegisterWrite{453, 4}.Append([]byte("x"))), "xATS453=4\r"},
		{Escape, "+++"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParseResponse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Response
	}{
		{"OK\r", Response{RespOK, -1, 0}},
		{"\r\nERROR\r\n", Response{RespError, -1, 0}},
		{"ATS400=16\r", Response{RespValue, 400, 16}},
		{"S402=255", Response{RespValue, 402, 255}},
		{"ATS504=1000", Response{RespValue, 504, 1000}},
		{"16", Response{RespValue, -1, 16}},
		{"ATS400?", Response{RespEcho, 400, 0}},
		{"ATO", Response{RespEcho, -1, 0}},
		{"atr", Response{RespEcho, -1, 0}},
	} {
		got, err := ParseResponse([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("ParseResponse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "\r\n", "HELLO", "S400", "S4000=1", "ATS400=", "ATS400=65536", "ATS=3", "-1", "ATSx00=1"} {
		_, err := ParseResponse([]byte(in))
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("ParseResponse(%q) error = %v, want *codec.Error wrapping ErrMalformed", in, err)
		}
	}
}

func TestCheck(t *testing.T) {
	w := RegisterWrite{400, 16}
	if err := w.Check(Response{RespValue, 400, 16}); err != nil {
		t.Error(err)
	}
	for _, r := range []Response{{RespValue, 400, 17}, {RespValue, 401, 16}, {RespError, -1, 0}} {
		if err := w.Check(r); !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("Check(%+v) = %v", r, err)
		}
	}
}

func TestModes(t *testing.T) {
	for _, tt := range []struct {
		mode radio.LinkMode
		role Role
		v    byte
	}{
		{radio.ModeN1, RoleMeter, 14}, {radio.ModeN1, RoleOther, 15},
		{radio.ModeN2, RoleMeter, 16}, {radio.ModeN2, RoleOther, 17},
		{radio.ModeS1, RoleMeter, 0}, {radio.ModeT1, RoleOther, 5}, {radio.ModeC1, RoleOther, 11},
	} {
		v, ok := ModeValue(tt.mode, tt.role)
		if !ok || v != tt.v {
			t.Errorf("ModeValue(%v, %v) = %d, %v; want %d", tt.mode, tt.role, v, ok, tt.v)
		}
		m, r, ok := ModeFromValue(tt.v)
		if !ok || m != tt.mode || r != tt.role {
			t.Errorf("ModeFromValue(%d) = %v %v %v", tt.v, m, r, ok)
		}
	}
	for _, m := range []radio.LinkMode{radio.ModeUnknown, radio.ModeS1m, radio.ModeF2} {
		if _, ok := ModeValue(m, RoleMeter); ok {
			t.Errorf("ModeValue(%v) ok", m)
		}
	}
	if _, _, ok := ModeFromValue(18); ok {
		t.Error("ModeFromValue(18) ok")
	}
}

// TestIntegratorSetup is the integrator's case: N2 meter, frame format B,
// registered meter CEN 12345678 with key 000102...0F, decryption on.
func TestIntegratorSetup(t *testing.T) {
	cen, ok := wmbus.ParseManufacturer("CEN")
	if !ok || cen != 0x0CAE {
		t.Fatalf("CEN = %#x", cen)
	}
	cfg := Config{
		Mode: radio.ModeN2, Role: RoleMeter, FormatB: true, FrameOptions: 0x02,
		TxFields: FieldL | FieldC | FieldCI, RxFields: FieldsReceive,
	}
	w, err := ConfigWrites(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []RegisterWrite{{400, 16}, {401, 0x13}, {402, 0xBF}, {453, 0x06}}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("ConfigWrites = %v, want %v", w, want)
	}

	addr := wmbus.Address{Manufacturer: cen, ID: 0x12345678, Version: 0x01, Type: 0x07}
	key := unhex(t, "000102030405060708090A0B0C0D0E0F")
	w, err = RegisterMeterWrites(addr, key, MeterOptions{Add: true, Forward: true, Encryption: true})
	if err != nil {
		t.Fatal(err)
	}
	want = []RegisterWrite{
		{461, 0xAE}, {462, 0x0C}, // M, LSB first
		{463, 0x78}, {464, 0x56}, {465, 0x34}, {466, 0x12}, {467, 0x01}, {468, 0x07}, // A, LSB first
	}
	for i := range 16 { // key, MSB first
		want = append(want, RegisterWrite{470 + i, byte(i)})
	}
	want = append(want, RegisterWrite{460, 0x07}) // options last
	if !reflect.DeepEqual(w, want) {
		t.Errorf("RegisterMeterWrites =\n%v\nwant\n%v", w, want)
	}
	var cmds []byte
	for _, x := range w {
		cmds = x.Append(cmds)
	}
	if !bytes.HasPrefix(cmds, []byte("ATS461=174\rATS462=12\rATS463=120\r")) || !bytes.HasSuffix(cmds, []byte("ATS485=15\rATS460=7\r")) {
		t.Errorf("commands %q", cmds)
	}
}

func TestConfigTxDefaults(t *testing.T) {
	w, err := ConfigWrites(Config{Mode: radio.ModeN1, Role: RoleOther, TxDefaults: &TxDefaults{
		C: 0x44, Address: wmbus.Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, Type: 7}, CI: 0x8F,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []RegisterWrite{{400, 15}, {401, 0}, {402, 0}, {453, 0},
		{410, 0x44}, {411, 0xAE}, {412, 0x0C}, {413, 0x78}, {414, 0x56}, {415, 0x34}, {416, 0x12}, {417, 1}, {418, 7}, {419, 0x8F}}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("got %v\nwant %v", w, want)
	}
	if _, err := ConfigWrites(Config{Mode: radio.ModeF2}); !errors.Is(err, codec.ErrUnsupported) {
		t.Errorf("F2: %v", err)
	}
}

func TestRegisterMeterErrors(t *testing.T) {
	a := wmbus.Address{ID: 1}
	if _, err := RegisterMeterWrites(a, nil, MeterOptions{Add: true, Encryption: true}); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("no key: %v", err)
	}
	if _, err := RegisterMeterWrites(a, make([]byte, 15), MeterOptions{Add: true}); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("short key: %v", err)
	}
	w, err := RegisterMeterWrites(a, nil, MeterOptions{Add: true, Forward: true, AutoCnfIR: true, AutoACK: true})
	if err != nil || len(w) != 25 || w[8] != (RegisterWrite{470, 0}) || w[24] != (RegisterWrite{460, 0x1B}) {
		t.Errorf("no key, no encryption: %v %v", w, err)
	}
}

func TestFieldMaskString(t *testing.T) {
	if s := FieldsReceive.String(); s != "L|C|M|A|CI|LQI|RSSI" {
		t.Error(s)
	}
	if s := FieldMask(0).String(); s != "none" {
		t.Error(s)
	}
}

func TestTransmitRoundTrip(t *testing.T) {
	f := TxFields{C: 0x44, Address: wmbus.Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, Type: 7}, CI: 0x8F, Data: unhex(t, "2001AE0C2143658701079303")}
	for mask := FieldMask(0); mask < 32; mask++ {
		f.Mask = mask
		b, err := AppendTransmit([]byte{0xEE}, f)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := ParseTransmit(b[1:], mask)
		if err != nil || n != len(b)-1 {
			t.Fatalf("mask %v: n=%d err=%v", mask, n, err)
		}
		want := f
		if !mask.Has(FieldC) {
			want.C = 0
		}
		if !mask.Has(FieldM) {
			want.Address.Manufacturer = 0
		}
		if !mask.Has(FieldA) {
			want.Address.ID, want.Address.Version, want.Address.Type = 0, 0, 0
		}
		if !mask.Has(FieldCI) {
			want.CI = 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("mask %v: got %+v want %+v", mask, got, want)
		}
	}
	f.Mask = FieldL | FieldC | FieldCI
	b, _ := AppendTransmit(nil, f)
	if want := "0E448F" + "2001AE0C2143658701079303"; hex.EncodeToString(b) != lower(want) {
		t.Errorf("got % X", b)
	}
	f.Data = make([]byte, 254)
	if _, err := AppendTransmit(nil, f); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("too long: %v", err)
	}
	if _, _, err := ParseTransmit([]byte{5, 1}, FieldL); !errors.Is(err, codec.ErrTruncated) {
		t.Errorf("truncated: %v", err)
	}
	if _, _, err := ParseTransmit([]byte{1, 1}, FieldL|FieldA); !errors.Is(err, codec.ErrMalformed) {
		t.Errorf("short header: %v", err)
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestParseReceiveELL(t *testing.T) {
	frame := unhex(t, ellFrame)
	// as the module delivers it: no CRCs, LQI 3, RSSI -75 dBm
	in := append(append([]byte{}, frame...), 0x03, 0xB5)
	fr, n, err := ParseReceive(append(in, 0x99), FieldsReceive)
	if err != nil || n != len(in) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if !bytes.Equal(fr.Data, frame) || !fr.HasLQI || fr.LQI != 3 || !fr.HasRSSI || fr.RSSI != -75 {
		t.Errorf("got %+v", fr)
	}
	if int(fr.Data[0]) != len(fr.Data)-1 || fr.Data[10] != 0x8F {
		t.Errorf("L %d, CI %#x", fr.Data[0], fr.Data[10])
	}
	// Frame.Data is what wmbus decodes with FormatNone
	d := wmbus.Decoder{Format: wmbus.FormatNone, Keys: wmbus.StaticKey(unhex(t, "000102030405060708090A0B0C0D0E0F"))}
	tel, err := d.Decode(fr.Data)
	if err != nil {
		t.Fatalf("wmbus decode: %v", err)
	}
	if tel.Link.ID != 0x12345678 || tel.Link.ManufacturerCode() != "CEN" {
		t.Errorf("link address %v", tel.Link)
	}
	// without the length byte the L field is restored
	fr, n, err = ParseReceive(in[1:], FieldsReceive&^FieldL)
	if err != nil || n != len(in)-1 || !bytes.Equal(fr.Data, frame) || fr.RSSI != -75 {
		t.Errorf("no L: %+v n=%d err=%v", fr, n, err)
	}
	// wake-up character, no LQI
	fr, n, err = ParseReceive(append(append([]byte{0xFF}, frame...), 0xC0), FieldsHeader|FieldWakeUp|FieldRSSI)
	if err != nil || n != len(frame)+2 || !bytes.Equal(fr.Data, frame) || fr.HasLQI || fr.RSSI != -64 {
		t.Errorf("wake-up: %+v n=%d err=%v", fr, n, err)
	}
}

func TestReceiveRoundTrip(t *testing.T) {
	frame := unhex(t, ellFrame)
	for m := 0; m < 256; m++ {
		mask := FieldMask(m) | FieldC | FieldM | FieldA | FieldCI
		b, err := AppendReceive(nil, frame, mask, 2, -90, 0xFF)
		if err != nil {
			t.Fatal(err)
		}
		fr, n, err := ParseReceive(b, mask)
		if err != nil || n != len(b) || !bytes.Equal(fr.Data, frame) {
			t.Fatalf("mask %v: %+v %d %v", mask, fr, n, err)
		}
		if fr.HasLQI != mask.Has(FieldLQI) || fr.HasRSSI != mask.Has(FieldRSSI) ||
			(fr.HasLQI && fr.LQI != 2) || (fr.HasRSSI && fr.RSSI != -90) {
			t.Fatalf("mask %v: %+v", mask, fr)
		}
	}
	if _, err := AppendReceive(nil, frame, FieldL, 0, 0, 0); !errors.Is(err, codec.ErrUnsupported) {
		t.Error(err)
	}
	if _, err := AppendReceive(nil, frame[:5], FieldsReceive, 0, 0, 0); !errors.Is(err, codec.ErrMalformed) {
		t.Error(err)
	}
}

func TestParseReceiveErrors(t *testing.T) {
	frame := unhex(t, ellFrame)
	for _, tt := range []struct {
		b    []byte
		mask FieldMask
		want error
	}{
		{frame, FieldL | FieldC, codec.ErrUnsupported},
		{nil, FieldsReceive, codec.ErrTruncated},
		{frame[:20], FieldsReceive, codec.ErrTruncated},
		{frame, FieldsReceive, codec.ErrTruncated}, // LQI and RSSI missing
		{[]byte{5, 1, 2, 3, 4, 5, 0, 0}, FieldsReceive, codec.ErrMalformed},
		{frame[1:5], FieldsHeader &^ FieldL, codec.ErrTruncated},
		{nil, FieldsReceive &^ FieldL, codec.ErrTruncated},
		{make([]byte, 300), FieldsHeader &^ FieldL, codec.ErrMalformed},
	} {
		_, _, err := ParseReceive(tt.b, tt.mask)
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, tt.want) {
			t.Errorf("ParseReceive(% X, %v) = %v, want %v", tt.b, tt.mask, err, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	frame := unhex(t, ellFrame)
	one, _ := AppendReceive(nil, frame, FieldsReceive, 3, -70, 0)
	var stream []byte
	stream = append(stream, 0x00, 0x05) // noise: lengths below 10 are skipped
	for range 3 {
		stream = append(stream, one...)
	}
	for _, chunk := range []int{1, 7, 1000} {
		sc := bufio.NewScanner(streamtest.Chunks(stream, chunk))
		sc.Split(Split(FieldsReceive))
		count := 0
		for sc.Scan() {
			fr, n, err := ParseReceive(sc.Bytes(), FieldsReceive)
			if err != nil || n != len(sc.Bytes()) || !bytes.Equal(fr.Data, frame) || fr.RSSI != -70 {
				t.Fatalf("chunk %d: %+v %d %v", chunk, fr, n, err)
			}
			count++
		}
		if sc.Err() != nil || count != 3 {
			t.Errorf("chunk %d: %d frames, err %v", chunk, count, sc.Err())
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(one[:20]))
	sc.Split(Split(FieldsReceive))
	for sc.Scan() {
		t.Error("token from a partial frame")
	}
	if !errors.Is(sc.Err(), codec.ErrTruncated) {
		t.Errorf("partial: %v", sc.Err())
	}
	sc = bufio.NewScanner(bytes.NewReader(one))
	sc.Split(Split(FieldsReceive &^ FieldL))
	if sc.Scan() || !errors.Is(sc.Err(), codec.ErrUnsupported) {
		t.Errorf("no L: %v", sc.Err())
	}
}

func TestRSSI(t *testing.T) {
	for _, tt := range []struct {
		raw byte
		dbm int
	}{{0x00, 0}, {0x7F, 127}, {0x80, -128}, {0xB5, -75}, {0xFF, -1}} {
		if got := RSSIToDBm(tt.raw); got != tt.dbm {
			t.Errorf("RSSIToDBm(%#x) = %d", tt.raw, got)
		}
		if got := DBmToRSSI(tt.dbm); got != tt.raw {
			t.Errorf("DBmToRSSI(%d) = %#x", tt.dbm, got)
		}
	}
	if DBmToRSSI(-200) != 0x80 || DBmToRSSI(200) != 0x7F {
		t.Error("clamp")
	}
}

func FuzzParseReceive(f *testing.F) {
	frame, _ := hex.DecodeString(ellFrame)
	f.Add(append(frame, 3, 0xB5), byte(FieldsReceive))
	f.Add(frame[1:], byte(FieldsHeader&^FieldL))
	f.Add([]byte{0xFF, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, byte(FieldsHeader|FieldWakeUp))
	f.Fuzz(func(t *testing.T, b []byte, m byte) {
		mask := FieldMask(m)
		fr, n, err := ParseReceive(b, mask)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) || !(errors.Is(err, codec.ErrTruncated) || errors.Is(err, codec.ErrMalformed) || errors.Is(err, codec.ErrUnsupported)) {
				t.Fatalf("untyped error %v", err)
			}
		} else {
			if n > len(b) || len(fr.Data) < 11 || int(fr.Data[0]) != len(fr.Data)-1 {
				t.Fatalf("n=%d len=%d data % X", n, len(b), fr.Data)
			}
			back, err := AppendReceive(nil, fr.Data, mask, byte(fr.LQI), fr.RSSI, 0)
			if err != nil {
				t.Fatal(err)
			}
			start := 0
			if mask.Has(FieldWakeUp) {
				start = 1
				back = back[1:]
			}
			if !bytes.Equal(back, b[start:n]) {
				t.Fatalf("re-encoded % X, was % X", back, b[:n])
			}
		}
		// Split never panics and its tokens parse
		if mask.Has(FieldL) {
			split := Split(mask)
			data := b
			for len(data) > 0 {
				adv, tok, err := split(data, true)
				if err != nil || adv == 0 {
					break
				}
				if tok != nil {
					if _, n, err := ParseReceive(tok, mask); err != nil && !errors.Is(err, codec.ErrUnsupported) || err == nil && n != len(tok) {
						t.Fatalf("token % X: n=%d err=%v", tok, n, err)
					}
				}
				data = data[adv:]
			}
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{"OK\r", "ERROR", "ATS400=16", "S402=255", "16", "ATS400?", "ATO", "ATS=", "S4000=1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) || !errors.Is(err, codec.ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r.Kind < RespOK || r.Kind > RespEcho || r.Value < 0 || r.Value > 65535 || r.Register < -1 || r.Register > MaxRegister {
			t.Fatalf("bad response %+v", r)
		}
	})
}
