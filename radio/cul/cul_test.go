package cul

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

const frameHex = "1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F"

func frame(t testing.TB) []byte {
	b, err := hex.DecodeString(frameHex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The oms_examples section 3 frame with its published format A and B CRCs.
func TestPublishedCRCFrames(t *testing.T) {
	plain := "2144AE0C7856341201078F2001AE0C214365870107930303208A15BC5D03C3F45B3E"
	fa := "b2144AE0C785634120107FC8B8F2001AE0C214365870107930303208A42F715BC5D03C3F45B3ED77B"
	fb := "bY2344AE0C7856341201078F2001AE0C214365870107930303208A15BC5D03C3F45B3ED367"
	for _, line := range []string{fa, fb, fa + "\r\n", fb + "1AE0\r\n"} {
		f, err := ParseLine(line)
		if err != nil || strings.ToUpper(hex.EncodeToString(f.Data)) != plain {
			t.Fatalf("%s: % X %v", line, f.Data, err)
		}
	}
	f, _ := ParseLine(fb + "1AE0")
	if !f.HasLQI || f.LQI != 0x1A || !f.HasRSSI || f.RSSI != -90 {
		t.Fatalf("%+v", f)
	}
	// Generated lines match the published ones.
	data, _ := hex.DecodeString(plain)
	if got, err := FormatLine(radio.Frame{Data: data}, wmbus.FormatA); err != nil || got != fa {
		t.Fatalf("%s %v", got, err)
	}
	if got, err := FormatLine(radio.Frame{Data: data}, wmbus.FormatB); err != nil || got != fb {
		t.Fatalf("%s %v", got, err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, format := range []wmbus.Format{wmbus.FormatA, wmbus.FormatB} {
		for _, rssi := range []bool{false, true} {
			in := radio.Frame{Data: frame(t), RSSI: -64, HasRSSI: rssi, LQI: 0x2B, HasLQI: rssi}
			line, err := FormatLine(in, format)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseLine(line + "\r\n")
			if err != nil || !bytes.Equal(got.Data, in.Data) || got.HasRSSI != rssi || rssi && (got.RSSI != -64 || got.LQI != 0x2B) {
				t.Fatalf("%v %v: %+v %v", format, rssi, got, err)
			}
		}
	}
	if _, err := FormatLine(radio.Frame{Data: frame(t)}, wmbus.FormatNone); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	line, _ := FormatLine(radio.Frame{Data: frame(t)}, wmbus.FormatA)
	cases := map[string]error{
		"TMODE":                              codec.ErrUnsupported,
		"V 1.67 nanoCUL868":                  codec.ErrUnsupported,
		"bZZ":                                codec.ErrMalformed,
		"b123":                               codec.ErrMalformed,
		line + "AA":                          codec.ErrMalformed, // one stray byte
		line[:len(line)-4]:                   codec.ErrTruncated,
		strings.Replace(line, "44", "45", 1): codec.ErrCRC,
		"b":                                  codec.ErrTruncated,
	}
	for l, want := range cases {
		if _, err := ParseLine(l); !errors.Is(err, want) {
			t.Fatalf("%q: %v want %v", l, err, want)
		}
	}
	for k := 3; k < len(line); k += 2 {
		if _, err := ParseLine(line[:k]); !errors.Is(err, codec.ErrTruncated) {
			t.Fatalf("prefix %d: %v", k, err)
		}
	}
}

func TestModeCommands(t *testing.T) {
	want := map[radio.LinkMode]string{
		radio.ModeS1: "brs", radio.ModeS1m: "brs", radio.ModeS2: "brs",
		radio.ModeT1: "brt", radio.ModeT2: "brt", radio.ModeC1: "brc", radio.ModeC2: "brc",
	}
	for mode := radio.ModeUnknown; mode <= radio.ModeF2+1; mode++ {
		cmd, err := ModeCommand(mode)
		w, ok := want[mode]
		if !ok {
			if !errors.Is(err, codec.ErrUnsupported) {
				t.Fatalf("%v: %v", mode, err)
			}
			continue
		}
		if err != nil || cmd != w {
			t.Fatalf("%v: %q", mode, cmd)
		}
		back, ok := ParseModeCommand(cmd)
		if c2, _ := ModeCommand(back); !ok || c2 != cmd {
			t.Fatalf("%v", back)
		}
		if ModeResponse(cmd) != strings.ToUpper(cmd[2:])+"MODE" {
			t.Fatal(ModeResponse(cmd))
		}
	}
	if ModeResponse("X21") != "" {
		t.Fatal("X21")
	}
}

func TestSplitLines(t *testing.T) {
	a, _ := FormatLine(radio.Frame{Data: frame(t), HasRSSI: true, RSSI: -50}, wmbus.FormatA)
	b, _ := FormatLine(radio.Frame{Data: frame(t)}, wmbus.FormatB)
	stream := "\r\nTMODE\r\n" + a + "\r\n\r\n\n" + "garbage\x00\xff\r\n" + b + "\n" + a
	s := bufio.NewScanner(strings.NewReader(stream))
	s.Split(SplitLines)
	var frames, lines int
	for s.Scan() {
		lines++
		if _, err := ParseLine(s.Text()); err == nil {
			frames++
		}
	}
	if s.Err() != nil || lines != 5 || frames != 3 {
		t.Fatalf("lines %d frames %d %v", lines, frames, s.Err())
	}
}

func FuzzParseLine(f *testing.F) {
	a, _ := FormatLine(radio.Frame{Data: frame(f), HasRSSI: true, RSSI: -50}, wmbus.FormatA)
	b, _ := FormatLine(radio.Frame{Data: frame(f)}, wmbus.FormatB)
	f.Add(a)
	f.Add(b + "\r\n")
	f.Add("TMODE")
	f.Fuzz(func(t *testing.T, line string) {
		fr, err := ParseLine(line)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(fr.Data) == 0 || int(fr.Data[0]) != len(fr.Data)-1 {
			t.Fatalf("bad frame % X", fr.Data)
		}
		_, _, _ = SplitLines([]byte(line), true)
	})
}
