package dlms

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func TestParseAPDUKinds(t *testing.T) {
	plain := read(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.decrypted_apdu.bin")
	a, err := ParseAPDU(plain)
	if err != nil || a.Name() != "data-notification" || a.Notification.Body == nil || len(a.Notification.Body.Items) != 65 {
		t.Fatalf("%v %s", err, a.Name())
	}
	k, _, _ := ParseHDLC(read(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin"))
	if a, err = ParseAPDU(k.APDU); err != nil || a.Tag != GeneralGloCiphering || a.Envelope.FC != 0x010F60A4 {
		t.Fatalf("%v %+v", err, a.Envelope)
	}
	if a, err = ParseAPDU(e450Blocks(t)[0]); err != nil || a.Name() != "general-block-transfer" || a.Block.Number != 1 {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		b    []byte
		want error
		name string
	}{
		{nil, codec.ErrTruncated, ""},
		{[]byte{0xC4, 1, 0xC1, 0}, codec.ErrUnsupported, "get-response"},
		{[]byte{0xDD, 0}, codec.ErrUnsupported, "general-ciphering"},
		{append(bytes.Clone(k.APDU), 0), codec.ErrMalformed, ""},
		{append(bytes.Clone(e450Blocks(t)[2]), 0), codec.ErrMalformed, ""},
		{append(bytes.Clone(plain), 0), codec.ErrMalformed, ""},
	} {
		_, err := ParseAPDU(tc.b)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%x: %v", tc.b, err)
		}
	}
}

func TestDataNotificationHeader(t *testing.T) {
	body := []byte{TypeLongUnsigned, 0x12, 0x34}
	dt := unhex(t, "07e5091b01092f0f00ff8880")
	for _, tc := range []struct {
		name string
		hdr  []byte
		time bool
	}{
		{"absent", []byte{0x0F, 0x40, 0, 0, 1, 0x00}, false},
		{"length 0C", append([]byte{0x0F, 0x40, 0, 0, 1, 0x0C}, dt...), true},
		{"tagged 09 0C", append([]byte{0x0F, 0x40, 0, 0, 1, 0x09, 0x0C}, dt...), true},
	} {
		b := append(bytes.Clone(tc.hdr), body...)
		n, err := ParseDataNotification(b)
		if err != nil || n.InvokeID() != 1 || n.HighPriority() || !n.Confirmed() || n.BodyOffset != len(tc.hdr) {
			t.Fatalf("%s: %v %+v", tc.name, err, n)
		}
		if v, _ := n.Body.Uint(); v != 0x1234 {
			t.Fatal(v)
		}
		if tm, ok := n.Time(); ok != tc.time || (ok && tm.Deviation != -120) {
			t.Fatalf("%s: time %v", tc.name, ok)
		}
		for i := range len(b) - 1 {
			if _, err := ParseDataNotification(b[:i]); !errors.Is(err, codec.ErrTruncated) {
				t.Fatalf("%s: prefix %d: %v", tc.name, i, err)
			}
		}
	}
	for _, h := range []string{"0f400000010d", "0e40000001000000", "0f4000000109020000"} {
		if _, err := ParseDataNotification(unhex(t, h)); !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("%s: %v", h, err)
		}
	}
	// A-XDR errors carry offsets in the APDU.
	_, err := ParseDataNotification([]byte{0x0F, 0, 0, 0, 0, 0, TypeStructure, 2, TypeUnsigned})
	var ce *codec.Error
	if !errors.As(err, &ce) || ce.Offset != 7 || !errors.Is(err, codec.ErrTruncated) {
		t.Fatal(err)
	}
}

func TestUnwrapperE450(t *testing.T) {
	u := Unwrapper{Decrypter: &Decrypter{Key: unhex(t, "5C316162209EBB790B52EB0E7FC5B11C"), AK: unhex(t, "92705C5C97286064EABAE38D190F87A4"), Policy: TagVerify}, Counters: &Counters{}}
	blocks := e450Blocks(t)
	for i, b := range blocks[:2] {
		if m, err := u.Feed(b); m != nil || err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
	}
	m, err := u.Feed(blocks[2])
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, s := range m.Steps {
		names = append(names, s.Name)
	}
	if strings.Join(names, " ") != "general-block-transfer general-glo-ciphering data-notification" || m.Blocks != 3 || m.Auth != AuthVerified ||
		!bytes.Equal(m.Plain, read(t, "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.decrypted_apdu.bin")) || m.Steps[1].In != 272 || m.Steps[1].Out != 242 {
		t.Fatalf("%+v", m.Steps)
	}
	var sb strings.Builder
	codec.WriteLayers(&sb, m.Layers())
	for _, want := range []string{"3 blocks joined into 272 bytes", "authentication verified", "4c475a677370b177", "frame counter = 1539018", "date-time", "2022-02-21 17:37:30"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, sb.String())
		}
	}
	// The same frames again: the counter did not increase.
	u.Feed(blocks[0])
	u.Feed(blocks[1])
	if _, err := u.Feed(blocks[2]); !errors.Is(err, codec.ErrReplay) {
		t.Fatal(err)
	}
	// A wrong AK with TagVerify: ErrAuth, no plaintext.
	u = Unwrapper{Decrypter: &Decrypter{Key: unhex(t, "5C316162209EBB790B52EB0E7FC5B11C"), AK: make([]byte, 16), Policy: TagVerify}}
	u.Feed(blocks[0])
	u.Feed(blocks[1])
	if m, err := u.Feed(blocks[2]); m != nil || !errors.Is(err, codec.ErrAuth) {
		t.Fatal(err)
	}
	// No key.
	u = Unwrapper{}
	u.Feed(blocks[0])
	u.Feed(blocks[1])
	if _, err := u.Feed(blocks[2]); !errors.Is(err, codec.ErrNoKey) || !strings.Contains(err.Error(), "4C475A677370B177") {
		t.Fatal(err)
	}
}

func TestUnwrapPlainAndNesting(t *testing.T) {
	plain := read(t, "node-dsmr-parser__aidon-example-2-with-aad.decrypted_apdu.bin")
	m, err := Unwrap(plain, nil)
	if err != nil || m.Ciphered || len(m.Steps) != 1 || m.Notification.Body.Type != TypeArray {
		t.Fatal(err)
	}
	// A plain APDU in one block, and in three.
	m, err = Unwrap(AppendGBT(nil, 1, true, false, 0, plain), nil)
	if err != nil || m.Blocks != 1 || !bytes.Equal(m.Plain, plain) {
		t.Fatal(err)
	}
	if _, err := Unwrap(AppendGBT(nil, 1, false, false, 0, plain), nil); !errors.Is(err, codec.ErrTruncated) {
		t.Fatal(err)
	}
	var u Unwrapper
	for i := range 3 {
		part := plain[i*200 : min(len(plain), (i+1)*200)]
		m, err = u.Feed(AppendGBT(nil, uint16(i+1), i == 2, true, 0, part))
	}
	if err != nil || m == nil || m.Blocks != 3 || !bytes.Equal(m.Plain, plain) {
		t.Fatal(err)
	}
	// Ciphering inside ciphering, a block inside ciphering, other APDUs.
	key := make([]byte, 16)
	d := &Decrypter{Key: key}
	inner, _ := AppendCiphered(nil, &Seal{Key: key, SC: 0x20}, plain)
	outer, _ := AppendCiphered(nil, &Seal{Key: key, SC: 0x20}, inner)
	if _, err := Unwrap(outer, d); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	gbtInside, _ := AppendCiphered(nil, &Seal{Key: key, SC: 0x20}, AppendGBT(nil, 1, true, false, 0, plain))
	if _, err := Unwrap(gbtInside, d); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	if _, err := Unwrap([]byte{0xC2, 0, 0}, nil); !errors.Is(err, codec.ErrUnsupported) || !strings.Contains(err.Error(), "event-notification-request") {
		t.Fatal(err)
	}
	if _, err := Unwrap(append(bytes.Clone(inner), 1), d); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	if _, err := Unwrap(nil, d); !errors.Is(err, codec.ErrTruncated) {
		t.Fatal(err)
	}
	// A ded-ciphered APDU is named so.
	ded, _ := AppendCiphered(nil, &Seal{APDUTag: GeneralDedCiphering, Key: key, SC: 0x20}, plain)
	if m, err := Unwrap(ded, d); err != nil || m.Steps[0].Name != StepDedCiphering {
		t.Fatal(err)
	}
}
