package dlms

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
	"github.com/meterwire/meterwire/mbus"
)

// typed fails t unless err is nil or a *codec.Error wrapping a sentinel.
func typed(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ce *codec.Error
	if !errors.As(err, &ce) || ce.Err == nil {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	for _, s := range []error{codec.ErrTruncated, codec.ErrCRC, codec.ErrMalformed, codec.ErrUnsupported, codec.ErrNoKey,
		codec.ErrAuth, codec.ErrReplay, codec.ErrWrongKey} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error without a known sentinel: %v", err)
}

func addCorpusSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(read(f, n))
	}
}

func FuzzParseHDLC(f *testing.F) {
	addCorpusSeeds(f, hdlcFiles...)
	f.Add(unhex(f, "7ea007032193aa5c7e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := ParseHDLC(b)
		typed(t, err)
		if err != nil && !errors.Is(err, codec.ErrCRC) {
			if n != 0 {
				t.Fatalf("n=%d with %v", n, err)
			}
			return
		}
		if n != fr.Length+2 || n > len(b) || b[n-1] != HDLCFlag || (err == nil) != fr.Trusted() {
			t.Fatalf("n=%d length %d trusted %v err %v", n, fr.Length, fr.Trusted(), err)
		}
		if err != nil {
			return
		}
		// Decode -> encode -> the same bytes.
		out, err := AppendHDLC(nil, fr.Dest, fr.Src, fr.Control, fr.Segmented, fr.Info)
		if err != nil || !bytes.Equal(out, b[:n]) {
			t.Fatalf("re-encoded %x\nfrom       %x (%v)", out, b[:n], err)
		}
		var a HDLCAssembler
		_, _, err = a.Add(&fr)
		typed(t, err)
	})
}

func FuzzSplitHDLC(f *testing.F) {
	for _, n := range []string{"esphome-libs_dlms_parser__hdlc_iskra550.bin", "node-dsmr-parser__iskra-1.bin", "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin"} {
		f.Add(read(f, n))
	}
	noinfo, _ := AppendHDLC(nil, HDLCAddress{Upper: 1, Len: 1}, HDLCAddress{Upper: 0x10, Len: 1}, 0x93, false, nil)
	f.Add(append(append([]byte{0x7E, 0x00}, noinfo...), noinfo[1:]...)) // shared flag
	f.Add(unhex(f, "7e7ea007032193aa5c7ea0070321937ea7ff0303"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return // one candidate never needs more than HDLCMaxFrame bytes
		}
		whole := streamtest.Scan(t, bytes.NewReader(b), SplitHDLC)
		bytewise := streamtest.Scan(t, iotest.OneByteReader(bytes.NewReader(b)), SplitHDLC)
		if len(whole) != len(bytewise) {
			t.Fatalf("%d tokens whole, %d byte by byte", len(whole), len(bytewise))
		}
		var a HDLCAssembler
		var u Unwrapper
		for i, tok := range whole {
			if !bytes.Equal(tok, bytewise[i]) {
				t.Fatalf("token %d differs", i)
			}
			fr, n, err := ParseHDLC(tok)
			if n != len(tok) || (err != nil && (!errors.Is(err, codec.ErrCRC) || (fr.HasHCS && !fr.HCSOK))) {
				t.Fatalf("token %x: n=%d %v", tok, n, err)
			}
			apdu, done, err := a.Add(&fr)
			typed(t, err)
			if done {
				_, err := u.Feed(apdu)
				typed(t, err)
			}
		}
	})
}

func FuzzMBusTransport(f *testing.F) {
	addCorpusSeeds(f, "node-dsmr-parser__austria-example-1_mbus_2frames.bin", "esphome-libs_dlms_parser__mbus_kmswest.bin",
		"fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin", "evn_sagemcom_t210d_wrapped_length_mbus_2frames.bin")
	f.Add(unhex(f, "68050568531010016773160068"))
	f.Fuzz(func(t *testing.T, b []byte) {
		apdu, n, err := ParseMBusTransport(b)
		typed(t, err)
		if err == nil && (n > len(b) || apdu == nil) {
			t.Fatalf("n=%d", n)
		}
		whole := streamtest.Scan(t, bytes.NewReader(b), SplitMBus)
		bytewise := streamtest.Scan(t, iotest.OneByteReader(bytes.NewReader(b)), SplitMBus)
		if len(whole) != len(bytewise) {
			t.Fatalf("%d tokens whole, %d byte by byte", len(whole), len(bytewise))
		}
		var a MBusAssembler
		for i, tok := range whole {
			if !bytes.Equal(tok, bytewise[i]) {
				t.Fatalf("token %d differs", i)
			}
			s, n, err := ParseMBusSegment(tok)
			typed(t, err)
			if err != nil {
				continue
			}
			if n != len(tok) || n != s.Len {
				t.Fatalf("token of %d, frame %d", len(tok), n)
			}
			if !s.Wrapped {
				out, err := mbus.AppendLong(nil, s.C, s.A, s.CI, append([]byte{s.STSAP, s.DTSAP}, s.Payload...))
				if err != nil || !bytes.Equal(out, tok) {
					t.Fatalf("re-encoded %x\nfrom       %x", out, tok)
				}
			}
			_, _, err = a.Add(&s)
			typed(t, err)
		}
	})
}

func FuzzGBT(f *testing.F) {
	for _, b := range e450Blocks(f) {
		f.Add(b)
	}
	f.Add(AppendGBT(nil, 1, true, false, 0, read(f, "esphome-libs_dlms_parser__raw_salzburg_netz.bin")))
	f.Add(unhex(f, "e0c000010000820001ff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGBT(b)
		typed(t, err)
		var u Unwrapper
		if err == nil {
			if g.Len > len(b) || g.DataOffset+len(g.Data) != g.Len {
				t.Fatalf("%+v", g)
			}
			out := AppendGBT(nil, g.Number, g.Last, g.Streaming, g.Window, g.Data)
			h, err := ParseGBT(out)
			if err != nil || h.Number != g.Number || h.Control != g.Control || !bytes.Equal(h.Data, g.Data) || h.Len != len(out) {
				t.Fatalf("round trip %+v %v", h, err)
			}
			var a GBTAssembler
			for range 3 {
				_, _, err := a.Add(&g)
				typed(t, err)
			}
		}
		// Also as a stream of blocks into the unwrapper.
		for rest := b; len(rest) > 0; {
			g, err := ParseGBT(rest)
			if err != nil {
				break
			}
			_, err = u.Feed(rest[:g.Len])
			typed(t, err)
			rest = rest[g.Len:]
		}
	})
}

func FuzzAXDR(f *testing.F) {
	for _, n := range []string{
		"esphome-libs_dlms_parser__raw_egd_example.bin", "esphome-libs_dlms_parser__raw_energomera.bin",
		"esphome-libs_dlms_parser__raw_sagecom_xt211.bin", "esphome-libs_dlms_parser__raw_salzburg_netz.bin",
		"node-dsmr-parser__aidon-example-2-with-aad.decrypted_apdu.bin", "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.decrypted_apdu.bin",
	} {
		b := read(f, n)
		f.Add(b)
		if dn, err := ParseDataNotification(b); err == nil {
			f.Add(b[dn.BodyOffset:])
		}
	}
	for _, h := range []string{"131103010203", "130202121106000105000207", "130100021104010203 04", "1309050241420143",
		"13020211 01ffff00 02 0101", "0101010101010100", "01840000000100", "040ba5e0", "1907e5091b01092f0f00ff8880"} {
		f.Add(unhex(f, string(bytes.ReplaceAll([]byte(h), []byte(" "), nil))))
	}
	var reused DataDecoder
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, q := range []Quirks{0, AllQuirks} {
			d := DataDecoder{Quirks: q, MaxNodes: 4096}
			root, n, err := d.Decode(b)
			typed(t, err)
			if err != nil {
				continue
			}
			if n > len(b) || n < 1 || root.Len != n || len(d.nodes) > 4096 {
				t.Fatalf("n=%d len=%d nodes=%d", n, root.Len, len(d.nodes))
			}
			var walk func(x *Data)
			walk = func(x *Data) {
				if x.Offset < 0 || x.Offset+x.Len > n || x.Len < 0 {
					t.Fatalf("node %+v outside [0,%d)", x, n)
				}
				for i := range x.Items {
					walk(&x.Items[i])
				}
			}
			walk(root)
			s := root.String()
			j, err := json.Marshal(root)
			if err != nil || !json.Valid(j) {
				t.Fatalf("JSON %s: %v", j, err)
			}
			if q == 0 {
				r2, n2, err := reused.Decode(b)
				if err != nil || n2 != n || r2.String() != s {
					t.Fatalf("reused decoder differs: %v", err)
				}
			}
		}
		_, err := ParseDataNotification(b)
		typed(t, err)
		_, err = ParseAPDU(b)
		typed(t, err)
	})
}
