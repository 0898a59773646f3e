package wmbus

import (
	"bytes"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

// checkTelegram checks the invariants every Telegram must keep, whether
// Decode succeeded or returned it with an error.
func checkTelegram(t *testing.T, what string, tel *Telegram, wired bool) {
	t.Helper()
	if !wired && (len(tel.Frame) == 0 || int(tel.Frame[0]) != len(tel.Frame)-1) {
		t.Fatalf("%s: Frame L byte does not count the frame: % X", what, tel.Frame)
	}
	if tel.APLOffset > len(tel.Frame) || tel.APLOffset < -1 {
		t.Fatalf("%s: APLOffset %d, frame has %d bytes", what, tel.APLOffset, len(tel.Frame))
	}
	s := tel.Security
	if s.EncEnd > len(tel.Frame) || s.EncStart < 0 || s.EncStart > s.EncEnd && s.EncEnd != 0 {
		t.Fatalf("%s: encrypted range [%d,%d), frame has %d bytes", what, s.EncStart, s.EncEnd, len(tel.Frame))
	}
	_ = tel.APL()
	_ = tel.Security.Mode()
	_ = tel.Security.Status.String()
	_ = tel.Meter()
}

func checkFuzzErr(t *testing.T, what string, err error) {
	t.Helper()
	var ce *codec.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: error %v (%T) is not a *codec.Error", what, err, err)
	}
	if !isTyped(err) {
		t.Fatalf("%s: error %v does not wrap exactly one sentinel", what, err)
	}
	_ = err.Error()
}

func FuzzDecode(f *testing.F) {
	for _, c := range corpus(f) {
		key := c.key
		if key == nil {
			key = []byte{}
		}
		f.Add(c.frame, key)
	}
	f.Fuzz(func(t *testing.T, frame, key []byte) {
		var keys KeyFunc
		if len(key) == KeySize {
			keys = StaticKey(key)
		}
		for _, format := range []Format{FormatAuto, FormatA, FormatB, FormatNone} {
			for _, mac := range []MACPolicy{MACVerify, MACIgnore} {
				if mac == MACIgnore && format != FormatAuto {
					continue
				}
				d := Decoder{Format: format, Keys: keys, ELLAddress: ELLAddressAuto, MAC: mac}
				what := "format " + format.String()
				tel, err := d.Decode(frame)
				if err != nil {
					checkFuzzErr(t, what, err)
				}
				if tel != nil {
					checkTelegram(t, what, tel, false)
				} else if err == nil {
					t.Fatalf("%s: nil Telegram and nil error", what)
				}
			}
		}
		var d Decoder
		d.Keys = keys
		tel, err := d.DecodeWired(frame)
		if err != nil {
			checkFuzzErr(t, "wired", err)
		}
		if tel != nil {
			checkTelegram(t, "wired", tel, true)
		}
	})
}

func FuzzStripCRC(f *testing.F) {
	for _, c := range corpus(f) {
		f.Add(c.frame)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		prefix := []byte{0xAA, 0xBB}
		for _, format := range []Format{FormatAuto, FormatA, FormatB, FormatNone} {
			dst := append(make([]byte, 0, 4), prefix...)
			out, got, trailing, err := StripCRC(dst, raw, format)
			if err != nil {
				checkFuzzErr(t, "StripCRC "+format.String(), err)
				continue
			}
			if !bytes.Equal(out[:len(prefix)], prefix) {
				t.Fatalf("format %v: dst prefix overwritten: % X", format, out[:len(prefix)])
			}
			out = out[len(prefix):]
			if len(out) == 0 || int(out[0]) != len(out)-1 {
				t.Fatalf("format %v: output L does not count the frame: % X", format, out)
			}
			if format != FormatAuto && got != format || format == FormatAuto && got == FormatAuto {
				t.Fatalf("format %v: StripCRC says %v", format, got)
			}
			if trailing < 0 || trailing > len(raw) {
				t.Fatalf("format %v: %d trailing bytes of %d", format, trailing, len(raw))
			}
			if (got != FormatA && got != FormatB) || len(out) > 252 {
				continue
			}
			// AppendCRC documents a minimum of 11 bytes (L C M A CI), while
			// StripCRC accepts a 10-byte link-layer-only frame.
			if len(out) < block1Len+1 {
				continue
			}
			enc, err := AppendCRC(nil, out, got)
			if err != nil {
				t.Fatalf("AppendCRC(% X, %v): %v", out, got, err)
			}
			back, f2, tr2, err := StripCRC(nil, enc, got)
			if err != nil {
				t.Fatalf("format %v round trip: StripCRC(% X): %v", got, enc, err)
			}
			if f2 != got || tr2 != 0 || !bytes.Equal(back, out) {
				t.Fatalf("format %v round trip: % X -> % X -> % X (format %v, %d trailing)", got, out, enc, back, f2, tr2)
			}
		}
	})
}
