package wmbus

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

var corpusFiles = []string{"oms_examples.txt", "jmbus_cases.txt", "wmbusmeters_keyed_vectors.txt"}

// corpusFrame is one frame of the test corpus with its key (nil if none).
type corpusFrame struct {
	name       string
	frame, key []byte
	macIgnore  bool // the MAC does not verify with the standard rule
}

func (c corpusFrame) wired() bool { return len(c.frame) > 0 && c.frame[0] == 0x68 }

// corpus returns every frame of the three corpus files.
func corpus(tb testing.TB) []corpusFrame {
	tb.Helper()
	var out []corpusFrame
	for _, file := range corpusFiles {
		for _, v := range loadVectors(tb, file) {
			frame, key := v.frameAndKey()
			if frame == nil {
				continue
			}
			out = append(out, corpusFrame{file + "/" + v.title, frame, key, macMismatchVectors[v.title]})
		}
	}
	if len(out) == 0 {
		tb.Fatal("empty corpus")
	}
	return out
}

var typedErrs = []error{ErrTruncated, ErrCRC, ErrMalformed, ErrUnsupported, ErrNoKey, ErrWrongKey, ErrMAC}

// isTyped reports whether err wraps exactly one of the decoder's sentinels.
func isTyped(err error) bool {
	n := 0
	for _, s := range typedErrs {
		if errors.Is(err, s) {
			n++
		}
	}
	return n == 1
}

// checkTyped fails unless err is a *codec.Error wrapping exactly one sentinel.
func checkTyped(tb testing.TB, what string, in []byte, err error) {
	tb.Helper()
	var ce *codec.Error
	if !errors.As(err, &ce) {
		tb.Errorf("%s: % X: error %v (%T) is not a *codec.Error", what, in, err, err)
	}
	if !isTyped(err) {
		tb.Errorf("%s: % X: error %v does not wrap exactly one sentinel", what, in, err)
	}
}

// decodeNoPanic decodes with decodeVector and turns a panic into a test error.
func decodeNoPanic(tb testing.TB, d *Decoder, what string, in, key []byte) (tel *Telegram, ok bool, err error) {
	tb.Helper()
	defer func() {
		if r := recover(); r != nil {
			tb.Errorf("%s: % X: panic: %v", what, in, r)
			ok = false
		}
	}()
	tel, err = decodeVector(d, in, key)
	return tel, true, err
}

// strippedFrame returns the frame as a Telegram must hold it before any
// decryption: link CRCs removed (wireless) or checksum/stop byte removed (wired).
func strippedFrame(tb testing.TB, raw []byte, format Format, wired bool, frameLen int) []byte {
	tb.Helper()
	if wired {
		return bytes.Clone(raw[:frameLen])
	}
	out, _, _, err := StripCRC(nil, raw, format)
	if err != nil {
		tb.Fatalf("StripCRC % X: %v", raw, err)
	}
	return out
}

func TestWrongKeyAndNoKey(t *testing.T) {
	var d Decoder // reused on purpose: the Telegram aliases its buffers
	checked, wrongKey, noKey, alreadyPlain := 0, 0, 0, 0
	for _, c := range corpus(t) {
		if c.key == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			d.MAC = MACVerify
			if c.macIgnore {
				d.MAC = MACIgnore
			}
			tel, err := decodeVector(&d, c.frame, c.key)
			if err != nil || tel.Security.Status != StatusDecrypted {
				return
			}
			checked++
			clean := *tel // copy the fields; the slices are re-filled by the next call
			want := strippedFrame(t, c.frame, clean.Format, c.wired(), len(tel.Frame))
			ellEnc := clean.Security.ELLEncrypted

			// (a) one bit of the key flipped.
			bad := bytes.Clone(c.key)
			bad[0] ^= 1
			tel, err = decodeVector(&d, c.frame, bad)
			if !errors.Is(err, ErrWrongKey) {
				t.Errorf("wrong key: err = %v, want ErrWrongKey", err)
			}
			if tel == nil {
				t.Fatalf("wrong key: nil Telegram (err %v)", err)
			}
			wrongKey++
			if tel.Security.Status != StatusWrongKey {
				t.Errorf("wrong key: status %v, want wrong-key", tel.Security.Status)
			}
			if !bytes.Equal(tel.Frame, want) {
				t.Errorf("wrong key: Frame is not the received frame (ciphertext not restored)\n got % X\nwant % X", tel.Frame, want)
			}
			if tel.APLOffset != -1 {
				t.Errorf("wrong key: APLOffset %d, want -1", tel.APLOffset)
			}

			// (b) no key at all.
			tel, err = decodeVector(&d, c.frame, nil)
			if !errors.Is(err, ErrNoKey) {
				t.Errorf("no key: err = %v, want ErrNoKey", err)
			}
			if tel == nil {
				t.Fatalf("no key: nil Telegram (err %v)", err)
			}
			noKey++
			if tel.Security.Status != StatusNoKey {
				t.Errorf("no key: status %v, want no-key", tel.Security.Status)
			}
			if tel.C != clean.C || tel.Link != clean.Link || tel.Wired != clean.Wired || tel.WiredAddress != clean.WiredAddress {
				t.Errorf("no key: link layer C=%02X %+v, want C=%02X %+v", tel.C, tel.Link, clean.C, clean.Link)
			}
			if !bytes.Equal(tel.Frame, want) {
				t.Errorf("no key: Frame is not the received frame\n got % X\nwant % X", tel.Frame, want)
			}
			if clean.ELL.Present && !tel.ELL.Present {
				t.Errorf("no key: ELL not decoded")
			}
			if ellEnc {
				if tel.ELL.CI != clean.ELL.CI || tel.ELL.SN != clean.ELL.SN || !tel.Security.ELLEncrypted {
					t.Errorf("no key: ELL header %+v, want %+v", tel.ELL, clean.ELL)
				}
			} else {
				// The TPL (and AFL) header precede the encrypted part.
				if !tel.TPL.Present || tel.TPL.CI != clean.TPL.CI || tel.TPL.CFG != clean.TPL.CFG || tel.TPL.Addr != clean.TPL.Addr {
					t.Errorf("no key: TPL header %+v, want %+v", tel.TPL, clean.TPL)
				}
				if tel.Security.TPLMode != clean.Security.TPLMode {
					t.Errorf("no key: TPL mode %d, want %d", tel.Security.TPLMode, clean.Security.TPLMode)
				}
				if clean.AFL.Present && (!tel.AFL.Present || tel.AFL.MCR != clean.AFL.MCR) {
					t.Errorf("no key: AFL %+v, want %+v", tel.AFL, clean.AFL)
				}
				if tel.Security.EncStart != clean.Security.EncStart || tel.Security.EncEnd != clean.Security.EncEnd {
					t.Errorf("no key: encrypted range [%d,%d), want [%d,%d)", tel.Security.EncStart, tel.Security.EncEnd, clean.Security.EncStart, clean.Security.EncEnd)
				}
			}
		})
	}
	// An ELL frame marked encrypted whose payload a receiver already
	// decrypted: a key must not turn it into an error.
	for _, c := range corpus(t) {
		tel, err := decodeVector(&d, c.frame, nil)
		if err != nil || tel.Security.Status != StatusAlreadyPlain {
			continue
		}
		for _, key := range [][]byte{bytes.Repeat([]byte{0x5A}, KeySize), make([]byte, KeySize)} {
			tel, err = decodeVector(&d, c.frame, key)
			if err != nil {
				t.Errorf("%s: already-plain frame with a key: %v", c.name, err)
			} else if tel.Security.Status != StatusAlreadyPlain {
				t.Errorf("%s: already-plain frame with a key: status %v", c.name, tel.Security.Status)
			}
		}
		alreadyPlain++
	}
	if checked == 0 || alreadyPlain == 0 {
		t.Fatalf("nothing checked (%d decrypted, %d already-plain)", checked, alreadyPlain)
	}
	t.Logf("%d decrypted vectors checked: %d with a wrong key, %d with no key; %d already-plain frames with a key", checked, wrongKey, noKey, alreadyPlain)
}

func TestTruncationEveryLength(t *testing.T) {
	var d Decoder // FormatAuto
	prefixes, ok, forced := 0, 0, 0
	for _, c := range corpus(t) {
		for n := range len(c.frame) {
			in := c.frame[:n:n] // capacity n: reading past the prefix panics
			prefixes++
			tel, noPanic, err := decodeNoPanic(t, &d, c.name+" prefix", in, c.key)
			if !noPanic {
				continue
			}
			if err != nil {
				checkTyped(t, c.name+" prefix", in, err)
				continue
			}
			ok++
			if !c.wired() && int(tel.Frame[0]) != len(tel.Frame)-1 {
				t.Errorf("%s: prefix % X: decoded Frame L=%d, len %d", c.name, in, tel.Frame[0], len(tel.Frame))
			}
		}
		if c.wired() {
			continue
		}
		// Forced FormatNone: anything shorter than L+1 is truncated.
		fd := Decoder{Format: FormatNone}
		for n := range min(int(c.frame[0])+1, len(c.frame)) {
			in := c.frame[:n:n]
			forced++
			if _, noPanic, err := decodeNoPanic(t, &fd, c.name+" FormatNone prefix", in, c.key); noPanic && !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: FormatNone prefix of %d bytes: err = %v, want ErrTruncated", c.name, n, err)
			}
		}
	}
	t.Logf("%d prefixes decoded (%d without error); %d FormatNone prefixes shorter than L+1", prefixes, ok, forced)
}

// crcCovered returns the length of the CRC-protected part of a frame
// received in format A or B (frame and CRC bytes, not trailing bytes).
func crcCovered(raw []byte, f Format) int {
	if f == FormatA {
		return formatALen(int(raw[0]))
	}
	return int(raw[0]) + 1
}

func TestRandomBitFlips(t *testing.T) {
	var d Decoder
	flips, decoded, crcFlips := 0, 0, 0
	lFlips := map[string]int{}
	for _, c := range corpus(t) {
		d.Format = FormatAuto
		tel, err := decodeVector(&d, c.frame, c.key)
		cleanFormat := FormatNone
		if err == nil {
			cleanFormat = tel.Format
		}
		in := make([]byte, len(c.frame))
		for bit := range 8 * len(c.frame) {
			copy(in, c.frame)
			in[bit/8] ^= 1 << (bit % 8)
			flips++
			d.Format = FormatAuto
			_, ok, err := decodeNoPanic(t, &d, c.name+" bit flip", in, c.key)
			if !ok {
				continue
			}
			if err != nil {
				checkTyped(t, c.name+" bit flip", in, err)
			} else {
				decoded++
			}
			if (cleanFormat != FormatA && cleanFormat != FormatB) || bit/8 >= crcCovered(c.frame, cleanFormat) {
				continue
			}
			d.Format = cleanFormat
			_, ok, err = decodeNoPanic(t, &d, c.name+" bit flip, forced "+cleanFormat.String(), in, c.key)
			if !ok {
				continue
			}
			if bit/8 == 0 && cleanFormat == FormatB {
				// In format B a flipped L moves the CRC position itself:
				// record what the decoder says; it must not decode. (Format A
				// checks block 1's CRC, which covers L, first: ErrCRC below.)
				if err == nil {
					t.Errorf("%s: format %v, L flipped to %02X: decoded without error", c.name, cleanFormat, in[0])
				} else {
					checkTyped(t, c.name+" L flip", in, err)
					for _, s := range typedErrs {
						if errors.Is(err, s) {
							lFlips[cleanFormat.String()+" "+s.Error()]++
						}
					}
				}
				continue
			}
			crcFlips++
			if !errors.Is(err, ErrCRC) {
				t.Errorf("%s: format %v, bit %d (byte %d) flipped: err = %v, want ErrCRC\n% X", c.name, cleanFormat, bit, bit/8, err, in)
			}
		}
	}
	t.Logf("%d single-bit flips decoded (%d without error); %d flips inside the CRC-covered range with the format forced", flips, decoded, crcFlips)
	t.Logf("L-field flips with the format forced, by error: %v", lFlips)
}

func findVector(tb testing.TB, file, titlePrefix string) corpusFrame {
	tb.Helper()
	for _, c := range corpus(tb) {
		if strings.HasPrefix(c.name, file+"/"+titlePrefix) {
			return c
		}
	}
	tb.Fatalf("no vector %s/%s", file, titlePrefix)
	return corpusFrame{}
}

func TestCRCErrorNamesBlock(t *testing.T) {
	c := findVector(t, "oms_examples.txt", "OMS N.2.1 wM-Bus gas meter")
	if !strings.Contains(c.name, "WITH DLL CRCs") {
		t.Fatalf("found %q, want the format A frame", c.name)
	}
	// Format A: block 1 = 10 bytes + CRC, then 16-byte blocks + CRC each.
	// Block 3's data starts at 10+2+16+2 = 30.
	in := bytes.Clone(c.frame)
	in[30+5] ^= 0x10
	var d Decoder
	tel, err := decodeVector(&d, in, c.key)
	if !errors.Is(err, ErrCRC) {
		t.Fatalf("err = %v, want ErrCRC", err)
	}
	if !strings.Contains(err.Error(), "block 3") {
		t.Errorf("error %q does not name block 3", err)
	}
	if tel != nil {
		t.Errorf("Telegram %+v for a frame failing its link CRC", tel)
	}
	d.Format = FormatA
	if _, err := decodeVector(&d, in, c.key); !errors.Is(err, ErrCRC) || !strings.Contains(err.Error(), "block 3") {
		t.Errorf("forced format A: err = %v, want ErrCRC naming block 3", err)
	}
	t.Logf("%v", err)
}

func TestCFieldsAccepted(t *testing.T) {
	var d Decoder
	// Radio adapter (CEN/TR 17167 F.3): C = 0x08, mode 7.
	c := findVector(t, "oms_examples.txt", "OMS Annex N / CEN/TR 17167:2018 F.3, radio adapter")
	tel, err := decodeVector(&d, c.frame, c.key)
	if err != nil {
		t.Fatalf("C=08 frame % X: %v", c.frame, err)
	}
	if tel.C != 0x08 {
		t.Errorf("C = %02X, want 08", tel.C)
	}
	if tel.Security.Status != StatusDecrypted {
		t.Errorf("C=08 frame: status %v, want decrypted", tel.Security.Status)
	}

	// OMS N.5.2 ACC-NR: C = 0x47, ELL 0x8C, CI 0x8B (long header, no data).
	c = findVector(t, "oms_examples.txt", "OMS N.5.2")
	if !bytes.Equal(c.frame, mustHex(t, "194793444433221155378C20758B8877665593445508FF040000")) {
		t.Fatalf("N.5.2 frame is % X", c.frame)
	}
	tel, err = decodeVector(&d, c.frame, nil)
	if err != nil {
		t.Fatalf("C=47 frame % X: %v", c.frame, err)
	}
	if tel.C != 0x47 {
		t.Errorf("C = %02X, want 47", tel.C)
	}
	if !tel.TPL.Present || tel.TPL.CI != 0x8B || tel.TPL.Header != HeaderLong || tel.TPL.Addr.ID != 0x55667788 {
		t.Errorf("TPL = %+v, want CI 8B, long header, ID 55667788", tel.TPL)
	}
	if tel.TPL.Content != ContentNone {
		t.Errorf("TPL content %v, want none", tel.TPL.Content)
	}
}
