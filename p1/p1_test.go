package p1

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
)

// The frames live with the dlms tests (one copy in the repository).
func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../dlms/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func key(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const smartyEK = "AEBD21B769A6D13C0DF064E383682EFF"

// The Luxembourg household's frame: decrypted, tag verified, CRC 7A02
// verified, objects parsed.
func TestSmartySeed(t *testing.T) {
	d := Decoder{Key: key(t, smartyEK)}
	r, err := d.Decode(read(t, "smarty_tutorial_frame.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Security.Status != "decrypted" || r.Security.Auth != dlms.AuthVerified || !bytes.Equal(r.Plain, read(t, "smarty_tutorial_plain.txt")) {
		t.Fatalf("%+v", r.Security)
	}
	tg := r.Telegram
	if !tg.CRC.Present || !tg.CRC.OK || tg.CRC.Value != 0x7A02 || tg.Profile == nil {
		t.Fatalf("crc %+v profile %v", tg.CRC, tg.Profile)
	}
	if v, ok := tg.Get("1-0:1.8.0").Number(); !ok || v != 3745.060 {
		t.Fatalf("1-0:1.8.0 = %v", v)
	}
	f := tg.Fields()
	if f["energy_import_kwh"] != 3745.06 {
		t.Fatalf("fields %v", f)
	}
	rep := r.Report(true, nil)
	if rep.Security.SystemTitle != "5341476770015BEB (SAG)" || rep.Security.FrameCounter != 0x4E914 || rep.Security.Tag != "verified" || len(rep.Layers) < 2 {
		t.Fatalf("report %+v", rep.Security)
	}
	// The same frame again: replay.
	if _, err := d.Decode(read(t, "smarty_tutorial_frame.bin")); !errors.Is(err, codec.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
}

func TestOutcomes(t *testing.T) {
	frame := read(t, "smarty_tutorial_frame.bin")
	var d Decoder
	r, err := d.Decode(frame)
	if !errors.Is(err, codec.ErrNoKey) || r.Security.Status != "no-key" || r.Security.FC != 0x4E914 {
		t.Fatalf("no key: %v %+v", err, r.Security)
	}
	// A wrong key with smarty's AK known: authentication error, no plaintext.
	d = Decoder{Key: key(t, "00"+smartyEK[2:])}
	if r, err = d.Decode(frame); !errors.Is(err, codec.ErrAuth) || r.Telegram != nil || r.Plain != nil {
		t.Fatalf("wrong key: %v", err)
	}
	// Austrian T210-D-R, operator AK unknown: decrypted without tag check,
	// trusted because the inner CRC verifies.
	d = Decoder{Key: key(t, "953E7F1725EA910F26E053813A639094")}
	r, err = d.Decode(read(t, "Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.bin"))
	if err != nil || r.Security.Auth != dlms.AuthNotChecked || !r.Telegram.CRC.OK {
		t.Fatalf("steiermark: %v %+v", err, r.Security)
	}
	// The same with a wrong key: the plaintext is no telegram: wrong key.
	d = Decoder{Key: key(t, "053E7F1725EA910F26E053813A639094")}
	if r, err = d.Decode(read(t, "Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.bin")); !errors.Is(err, codec.ErrAuth) || r.Security.Status != "auth-failed" || r.Telegram != nil {
		t.Fatalf("steiermark wrong key: %v", err)
	}
	// Tag verified around a CRC that does not match (no blank line after
	// the header in the Luxembourg spec example): reported, not an error.
	d = Decoder{Key: key(t, "0123456789abcdef0123456789abcdef"), AK: key(t, "ffeeddccbbaa99887766554433221100")}
	r, err = d.Decode(read(t, "node-dsmr-parser__lux-spec-example-encrypted-with-aad.bin"))
	if err != nil || r.Telegram.CRC.OK || !r.Report(false, nil).CRC.Stale {
		t.Fatalf("stale CRC: %v %+v", err, r.Telegram.CRC)
	}
	// An AK configured and a frame without tag: refused (downgrade).
	s := &dlms.Seal{SC: 0x20, Key: key(t, smartyEK), FC: 9}
	plainFrame, _ := dlms.AppendCiphered(nil, s, read(t, "dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt"))
	d = Decoder{Key: key(t, smartyEK), AK: dlms.SmartyAK}
	if _, err = d.Decode(plainFrame); !errors.Is(err, codec.ErrAuth) {
		t.Fatalf("downgrade: %v", err)
	}
	d.AK = nil
	if r, err = d.Decode(plainFrame); err != nil || r.Security.Mode != "aes-128-ctr" {
		t.Fatalf("SC 0x20 without AK: %v", err)
	}
	// A smarty telegram never comes without a verified tag.
	smartyNoTag, _ := dlms.AppendCiphered(nil, &dlms.Seal{SC: 0x20, Key: key(t, smartyEK), FC: 10}, read(t, "smarty_tutorial_plain.txt"))
	if _, err = d.Decode(smartyNoTag); !errors.Is(err, codec.ErrAuth) {
		t.Fatalf("smarty without tag: %v", err)
	}
}

// One flipped bit anywhere in the smarty frame: an error, never a telegram
// reported as good.
func TestBitFlips(t *testing.T) {
	frame := read(t, "smarty_tutorial_frame.bin")
	in := make([]byte, len(frame))
	n := 0
	for bit := range 8 * len(frame) {
		copy(in, frame)
		in[bit/8] ^= 1 << (bit % 8)
		d := Decoder{Key: key(t, smartyEK)}
		r, err := d.Decode(in)
		if err == nil {
			if in[0] == 0xDF && bit/8 == 0 { // DB<->DF is not authenticated by DLMS; content is the original
				continue
			}
			t.Fatalf("bit %d: decoded without error (%+v)", bit, r.Security)
		}
		var ce *codec.Error
		if !errors.As(err, &ce) {
			t.Fatalf("bit %d: untyped %v", bit, err)
		}
		n++
	}
	t.Logf("%d flips, all refused", n)
}

// Text telegrams and binary frames on the same stream, with garbage.
func TestSplitMixedStream(t *testing.T) {
	units := [][]byte{
		read(t, "smarty_tutorial_plain.txt"),
		read(t, "smarty_tutorial_frame.bin"),
		read(t, "dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt"),
		read(t, "node-dsmr-parser__lux-spec-example-encrypted-with-aad.bin"),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	for _, u := range units {
		junk := make([]byte, rng.IntN(40))
		for i := range junk {
			junk[i] = byte(rng.IntN(256)) &^ 0x80 // avoid accidental DB/DF
			if junk[i] == '/' {
				junk[i] = 'x'
			}
		}
		stream = append(append(stream, junk...), u...)
	}
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 4096), 1<<20)
	sc.Split(Split)
	var got [][]byte
	for sc.Scan() {
		got = append(got, append([]byte(nil), sc.Bytes()...))
	}
	if len(got) != len(units) {
		t.Fatalf("%d units found, want %d", len(got), len(units))
	}
	for i := range units {
		if !bytes.Equal(bytes.TrimRight(got[i], "\r\n"), bytes.TrimRight(units[i], "\r\n")) {
			t.Errorf("unit %d differs (%d vs %d bytes)", i, len(got[i]), len(units[i]))
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add(read(f, "smarty_tutorial_frame.bin"))
	f.Add(read(f, "smarty_tutorial_plain.txt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for atEOF := range 2 {
			adv, tok, err := Split(b, atEOF == 1)
			if err != nil || adv < 0 || adv > len(b) || len(tok) > len(b) {
				t.Fatalf("adv %d tok %d err %v", adv, len(tok), err)
			}
			if tok != nil {
				var d Decoder
				d.Key = make([]byte, 16)
				d.Decode(tok)
			}
		}
	})
}

// Decrypt, verify the tag and parse the smarty seed frame.
func BenchmarkSmartyFrame(b *testing.B) {
	frame := read(b, "smarty_tutorial_frame.bin")
	d := Decoder{Key: key(b, smartyEK), Counters: nil}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		d.own = dlms.Counters{} // the same frame each time is a replay otherwise
		if _, err := d.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// A stray '/' before a DLMS frame (binary noise) must not swallow it.
func TestSplitStraySlash(t *testing.T) {
	frame := read(t, "smarty_tutorial_frame.bin")
	stream := append([]byte("xx/garbage without end\x01\x02"), frame...)
	adv, tok, err := Split(stream, true)
	for tok == nil && err == nil && adv > 0 && adv < len(stream) {
		stream = stream[adv:]
		adv, tok, err = Split(stream, true)
	}
	if !bytes.Equal(tok, frame) {
		t.Fatalf("frame not found after a stray slash (%d bytes)", len(tok))
	}
}
