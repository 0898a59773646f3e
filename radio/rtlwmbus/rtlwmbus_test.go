package rtlwmbus

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Line quoted in wmbusmeters src/wmbus_rtlwmbus.cc (C1 frame, L=0x49, 74
// bytes: printed without CRCs).
const published = "C1;1;1;2019-02-09 07:14:18.000;117;102;94740459;0x49449344590474943508780dff5f3500827f0000f10007b06effff530100005f2c620100007f2118010000008000800080008000000000000000000e003f005500d4ff2f046d10086922"

func TestPublished(t *testing.T) {
	l, err := ParseLineInfo(published+"\n", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if l.Mode != radio.ModeC1 || !l.CRCOK || !l.ThreeOfSix || l.PacketRSSI != 117 || l.CurrentRSSI != 102 || l.ID != "94740459" || len(l.Frame) != 74 {
		t.Fatalf("%+v", l)
	}
	if want := time.Date(2019, 2, 9, 7, 14, 18, 0, time.UTC); !l.Time.Equal(want) {
		t.Fatal(l.Time)
	}
	got, err := FormatLine(Line{Mode: l.Mode, CRCOK: true, ThreeOfSix: true, Time: l.Time, PacketRSSI: 117, CurrentRSSI: 102, Frame: l.Frame})
	if err != nil || got != published {
		t.Fatalf("%s %v", got, err)
	}
	f, err := ParseLine(published)
	if err != nil || f.Mode != radio.ModeC1 || f.HasRSSI || !bytes.Equal(f.Data, l.Frame) {
		t.Fatalf("%+v %v", f, err)
	}
}

func TestWithCRCs(t *testing.T) {
	plain, _ := hex.DecodeString("2144AE0C7856341201078F2001AE0C214365870107930303208A15BC5D03C3F45B3E")
	for _, format := range []wmbus.Format{wmbus.FormatA, wmbus.FormatB} {
		raw, err := wmbus.AppendCRC(nil, plain, format)
		if err != nil {
			t.Fatal(err)
		}
		line := "T1;1;1;2020-01-01 00:00:00.000;10;20;12345678;0x" + hex.EncodeToString(raw)
		f, err := ParseLine(line)
		if err != nil || !bytes.Equal(f.Data, plain) || f.Mode != radio.ModeT1 {
			t.Fatalf("%v: % X %v", format, f.Data, err)
		}
	}
}

func TestErrors(t *testing.T) {
	cols := strings.Split(published, ";")
	set := func(i int, v string) string {
		c := append([]string(nil), cols...)
		c[i] = v
		return strings.Join(c, ";")
	}
	cases := map[string]error{
		"":                   codec.ErrMalformed,
		"T1;1;1":             codec.ErrMalformed,
		set(1, "x"):          codec.ErrMalformed,
		set(3, "yesterday"):  codec.ErrMalformed,
		set(4, "-"):          codec.ErrMalformed,
		set(7, "4944"):       codec.ErrMalformed,
		set(7, "0x4g"):       codec.ErrMalformed,
		set(7, "0x"):         codec.ErrTruncated,
		set(7, "0x0944"):     codec.ErrTruncated,
		set(1, "0"):          codec.ErrCRC,
		set(2, "0"):          codec.ErrCRC,
		set(7, cols[7][:40]): codec.ErrTruncated,
	}
	for line, want := range cases {
		if _, err := ParseLine(line); !errors.Is(err, want) {
			t.Fatalf("%q: %v want %v", line, err, want)
		}
	}
	if l, err := ParseLineInfo(set(1, "0"), nil); err != nil || l.CRCOK {
		t.Fatal("ParseLineInfo must report CRC_OK=0 without error", err)
	}
	if _, err := FormatLine(Line{Frame: []byte{1, 2}}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

func TestModes(t *testing.T) {
	frame, _ := hex.DecodeString("1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F")
	for mode := radio.ModeS1; mode <= radio.ModeF2; mode++ {
		s, err := FormatLine(Line{Mode: mode, CRCOK: true, ThreeOfSix: true, Frame: frame, Time: time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.Local)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, mode.String()+";1;1;2024-05-06 07:08:09.123;0;0;12345678;0x1e44") {
			t.Fatal(s)
		}
		f, err := ParseLine(s)
		if err != nil || f.Mode != mode || !bytes.Equal(f.Data, frame) {
			t.Fatalf("%v: %+v %v", mode, f, err)
		}
	}
}

func TestSplitLines(t *testing.T) {
	stream := "\n" + published + "\r\n\r\nnoise\n" + published
	s := bufio.NewScanner(strings.NewReader(stream))
	s.Split(SplitLines)
	var n, ok int
	for s.Scan() {
		n++
		if _, err := ParseLine(s.Text()); err == nil {
			ok++
		}
	}
	if n != 3 || ok != 2 {
		t.Fatal(n, ok)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add(published)
	f.Add("T1;1;1;2020-01-01 00:00:00.000;10;20;12345678;0x0944")
	f.Fuzz(func(t *testing.T, line string) {
		l, err := ParseLineInfo(line, time.UTC)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(l.Frame) == 0 || int(l.Frame[0]) != len(l.Frame)-1 {
			t.Fatalf("bad frame % X", l.Frame)
		}
		_, _ = FormatLine(l)
		_, _ = ParseLine(line)
	})
}
