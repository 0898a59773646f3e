package dlms

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const smartyEK = "AEBD21B769A6D13C0DF064E383682EFF"

// The smarty frame of the seeds: DB 08 <ST> 82 <len> 30 <FC> <ct> <tag>.
func TestSmartySeedFrame(t *testing.T) {
	frame := read(t, "smarty_tutorial_frame.bin")
	e, err := ParseCiphered(frame)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(e.SystemTitle[:]) != "5341476770015beb" || e.FC != 0x0004E914 || e.SC != 0x30 ||
		hex.EncodeToString(e.Tag) != "4ecd9af68d052cd897942639" || e.Len != len(frame) || len(e.Ciphertext) != 617 {
		t.Fatalf("%+v", e)
	}
	iv := e.IV()
	if hex.EncodeToString(iv[:]) != "5341476770015beb0004e914" {
		t.Fatalf("IV %x", iv)
	}
	d := Decrypter{Key: unhex(t, smartyEK)} // AK not given: smarty's is tried
	pt, auth, err := d.Open(&e)
	if err != nil || auth != AuthVerified {
		t.Fatalf("%v %v", err, auth)
	}
	if !bytes.Equal(pt, read(t, "smarty_tutorial_plain.txt")) {
		t.Fatalf("plaintext differs:\n%q", pt)
	}
	// Verify policy with the AK explicitly: the same.
	d = Decrypter{Key: unhex(t, smartyEK), AK: SmartyAK, Policy: TagVerify}
	if _, auth, err = d.Open(&e); err != nil || auth != AuthVerified {
		t.Fatalf("verify: %v %v", err, auth)
	}
}

// The tutorial's "HAI" round trip (seeds README): key 5A0B..., IV
// 53414767700067C8 00000782, AAD 30 | AK, 12-byte tag.
func TestGCMHAI(t *testing.T) {
	s := &Seal{SystemTitle: [8]byte(unhex(t, "53414767700067C8")), FC: 0x782, Key: unhex(t, "5A0BDB8CE3FDB7121635FF6FB02EE1DF"), AK: SmartyAK}
	frame, err := AppendCiphered(nil, s, []byte("HAI"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseCiphered(frame)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(e.Ciphertext) != "9f81b6" || hex.EncodeToString(e.Tag) != "57f8557a74c89c1f4ada2277" {
		t.Fatalf("ct %x tag %x", e.Ciphertext, e.Tag)
	}
	d := Decrypter{Key: s.Key, AK: s.AK, Policy: TagVerify}
	if pt, auth, err := d.Open(&e); err != nil || string(pt) != "HAI" || auth != AuthVerified {
		t.Fatalf("%q %v %v", pt, auth, err)
	}
}

// Every encrypted frame of the P1 corpus, with the outcome its MANIFEST
// row states.
func TestCorpusFrames(t *testing.T) {
	for _, tc := range []struct {
		file, ek, ak, plain string
		want                Auth
	}{
		{"Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.bin", "953E7F1725EA910F26E053813A639094", "",
			"Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.decrypted.txt", AuthNotChecked},
		{"node-dsmr-parser__lux-spec-example-encrypted-with-aad.bin", "0123456789abcdef0123456789abcdef", "ffeeddccbbaa99887766554433221100",
			"node-dsmr-parser__lux-spec-example-encrypted-with-aad.decrypted.txt", AuthVerified},
		{"node-dsmr-parser__lux-spec-example-encrypted-without-aad.bin", "0123456789abcdef0123456789abcdef", "",
			"node-dsmr-parser__lux-spec-example-encrypted-without-aad.decrypted.txt", AuthVerifiedEmpty},
		{"esphome-libs_dsmr_parser__encrypted_packet_T210DR.bin", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "",
			"dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt", AuthVerified},
		{"dsmr_parser_recipe__T210DR_encrypted_keyAA_akBB.bin", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
			"dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt", AuthVerified},
		// The same without its AK: decrypted, tag not checked, and said so.
		{"dsmr_parser_recipe__T210DR_encrypted_keyAA_akBB.bin", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "",
			"dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt", AuthNotChecked},
	} {
		e, err := ParseCiphered(read(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		d := Decrypter{Key: unhex(t, tc.ek)}
		if tc.ak != "" {
			d.AK = unhex(t, tc.ak)
		}
		pt, auth, err := d.Open(&e)
		if err != nil || auth != tc.want || !bytes.Equal(pt, read(t, tc.plain)) {
			t.Errorf("%s: auth %v (want %v) err %v, plaintext equal %v", tc.file, auth, tc.want, err, bytes.Equal(pt, read(t, tc.plain)))
		}
		if tc.want == AuthNotChecked {
			d.Policy = TagVerify
			if _, _, err := d.Open(&e); !errors.Is(err, codec.ErrAuth) {
				t.Errorf("%s: verify policy without AK: %v", tc.file, err)
			}
		}
	}
}

// One flipped bit anywhere in an authenticated frame: never plaintext with
// a verified tag; ErrAuth for every bit after the envelope header.
func TestBitFlipsNeverPlaintext(t *testing.T) {
	frame := read(t, "smarty_tutorial_frame.bin")
	d := Decrypter{Key: unhex(t, smartyEK), AK: SmartyAK}
	auths := 0
	in := make([]byte, len(frame))
	for bit := range 8 * len(frame) {
		copy(in, frame)
		in[bit/8] ^= 1 << (bit % 8)
		e, err := ParseCiphered(in)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("bit %d: untyped %v", bit, err)
			}
			continue
		}
		pt, auth, err := d.Open(&e)
		switch {
		case err == nil && e.APDUTag != frame[0]:
			// DB <-> DF: the APDU tag is not covered by the GCM tag (IEC
			// 62056-5-3); the content is still the authentic one.
		case err == nil && e.SC&SCAuthenticated != 0:
			t.Fatalf("bit %d: plaintext returned (%v)", bit, auth)
		case err == nil:
			// SC lost its authentication bit: the envelope now claims to be
			// unauthenticated. The P1 layer refuses it when an AK is
			// configured and checks the inner CRC otherwise.
			if bytes.Equal(pt, read(t, "smarty_tutorial_plain.txt")) {
				t.Fatalf("bit %d: original plaintext without authentication", bit)
			}
		case errors.Is(err, codec.ErrAuth):
			auths++
		case errors.Is(err, codec.ErrUnsupported):
		default:
			t.Fatalf("bit %d: %v", bit, err)
		}
	}
	t.Logf("%d of %d flips: ErrAuth", auths, 8*len(frame))
	if auths < 8*(len(frame)-16) {
		t.Fatalf("too few authentication errors: %d", auths)
	}
}

func TestNoKeyAndReplay(t *testing.T) {
	e, _ := ParseCiphered(read(t, "smarty_tutorial_frame.bin"))
	var d Decrypter
	if _, _, err := d.Open(&e); !errors.Is(err, codec.ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	d.Key = unhex(t, "00"+smartyEK[2:])
	d.AK = SmartyAK
	if _, _, err := d.Open(&e); !errors.Is(err, codec.ErrAuth) {
		t.Fatalf("wrong key: %v", err)
	}
	// Without an AK, auto cannot tell a wrong key from an unpublished AK:
	// it decrypts without checking and says so; the P1 layer then checks
	// the telegram inside.
	d.AK = nil
	if _, auth, err := d.Open(&e); err != nil || auth != AuthNotChecked {
		t.Fatalf("wrong key, no AK: %v %v", auth, err)
	}
	var c Counters
	st := e.SystemTitle
	for _, tc := range []struct {
		fc uint32
		ok bool
	}{{5, true}, {6, true}, {6, false}, {4, false}, {100, true}} {
		if err := c.Check(st, tc.fc); (err == nil) != tc.ok || err != nil && !errors.Is(err, codec.ErrReplay) {
			t.Fatalf("fc %d: %v", tc.fc, err)
		}
	}
	c.Reset(st)
	if err := c.Check(st, 0); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestBERLengths(t *testing.T) {
	for _, n := range []int{0, 5, 127, 128, 255, 256, 1502, 65535, 65536} {
		b := AppendBERLength(nil, n)
		got, used, err := ReadBERLength(b)
		if err != nil || got != n || used != len(b) {
			t.Fatalf("%d: %d %d %v", n, got, used, err)
		}
	}
	// A frame with a one-byte length (shared corpus dlms, pwitab/dlms-cosem).
	s := &Seal{Key: make([]byte, 16), AK: make([]byte, 16)}
	for _, size := range []int{10, 200, 1000} {
		frame, _ := AppendCiphered(nil, s, make([]byte, size))
		e, err := ParseCiphered(frame)
		if err != nil || len(e.Ciphertext) != size {
			t.Fatalf("size %d: %v", size, err)
		}
	}
	if _, _, err := ReadBERLength([]byte{0x85, 1, 2, 3, 4, 5}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("0x85: %v", err)
	}
}

// SC 0x20/0x21: counter mode, no tag.
func TestNoTagRoundTrip(t *testing.T) {
	for _, sc := range []byte{0x20, 0x21} {
		s := &Seal{SC: sc, SystemTitle: [8]byte{'K', 'F', 'M', 1, 2, 3, 4, 5}, FC: 77, Key: unhex(t, "000102030405060708090A0B0C0D0E0F")}
		frame, err := AppendCiphered(nil, s, []byte("0F000000010C07E5..."))
		if err != nil {
			t.Fatal(err)
		}
		e, _ := ParseCiphered(frame)
		d := Decrypter{Key: s.Key}
		pt, auth, err := d.Open(&e)
		if err != nil || auth != AuthNone || string(pt) != "0F000000010C07E5..." || e.Tag != nil {
			t.Fatalf("sc %02X: %q %v %v", sc, pt, auth, err)
		}
	}
}

func FuzzParseCiphered(f *testing.F) {
	f.Add(read(f, "smarty_tutorial_frame.bin"))
	f.Add(read(f, "node-dsmr-parser__lux-spec-example-encrypted-with-aad.bin"))
	f.Add([]byte{0xDB, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x05, 0x20, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseCiphered(b)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped: %v", err)
			}
			return
		}
		if e.Len > len(b) {
			t.Fatalf("length %d of %d", e.Len, len(b))
		}
		d := Decrypter{Key: make([]byte, 16)}
		if _, auth, err := d.Open(&e); err == nil && e.SC&SCAuthenticated != 0 && e.SC&SCEncrypted != 0 && auth == AuthVerified {
			t.Fatalf("random tag verified")
		}
	})
}

func BenchmarkSmartyDecrypt(b *testing.B) {
	frame := read(b, "smarty_tutorial_frame.bin")
	d := Decrypter{Key: unhex(b, smartyEK), AK: SmartyAK}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		e, err := ParseCiphered(frame)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := d.Open(&e); err != nil {
			b.Fatal(err)
		}
	}
}
