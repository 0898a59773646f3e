package dsmr

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
)

// endedCorpus returns the corpus telegrams that have a '!' line, cut after
// their CRC line (the EasyMeter files carry extra lines after it, which
// are not part of the telegram) and ending in a line end.
func endedCorpus(t testing.TB) [][]byte {
	var out [][]byte
	for _, c := range corpus {
		if c.noEnd {
			continue
		}
		b := readCorpus(t, c.file)
		tel, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		b = bytes.Clone(b[:tel.End])
		if !bytes.HasSuffix(b, []byte("\n")) {
			// some files end right after the CRC; meters send CRLF, and
			// without it the next bytes of a stream could extend the line
			b = append(b, "\r\n"...)
		}
		out = append(out, b)
	}
	return out
}

// lfOnly turns CRLF into LF. The CRC of such a variant no longer matches,
// which does not matter for framing.
func lfOnly(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// scanAll runs Split through a bufio.Scanner reading r in chunks of at
// most chunk bytes.
func scanAll(t testing.TB, stream []byte, chunk int) [][]byte {
	return streamtest.Scan(t, streamtest.Chunks(stream, chunk), Split)
}

// garbage returns noise that cannot contain a telegram header: random
// bytes, half telegrams (cut at a random point, so without their '!'
// line), bare '/' and '!' characters.
func garbage(rng *rand.Rand, tels [][]byte) []byte {
	var g []byte
	switch rng.IntN(6) {
	case 0: // random binary
		g = make([]byte, rng.IntN(300))
		for i := range g {
			g[i] = byte(rng.IntN(256))
		}
	case 1: // the first part of a telegram: a meter reset or lost bytes
		tel := tels[rng.IntN(len(tels))]
		bang := bytes.LastIndexByte(tel, '!')
		g = bytes.Clone(tel[:rng.IntN(bang)])
	case 2: // a tail: reading started in the middle of a telegram
		tel := tels[rng.IntN(len(tels))]
		g = bytes.Clone(tel[1+rng.IntN(len(tel)-1):])
	case 3:
		g = []byte("\r\n!1234\r\n/x/!(/)\r\n")
	case 4:
		g = nil
	case 5: // LF-only half telegram
		tel := lfOnly(tels[rng.IntN(len(tels))])
		g = bytes.Clone(tel[:rng.IntN(bytes.LastIndexByte(tel, '!'))])
	}
	return g
}

func TestSplitFindsEveryTelegramInGarbage(t *testing.T) {
	tels := endedCorpus(t)
	for i, n := 0, len(tels); i < n; i++ {
		tels = append(tels, lfOnly(tels[i]))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		var stream []byte
		var want [][]byte
		for _, i := range rng.Perm(len(tels)) {
			stream = append(stream, garbage(rng, tels)...)
			stream = append(stream, tels[i]...)
			want = append(want, tels[i])
		}
		stream = append(stream, garbage(rng, tels)...)
		for _, chunk := range []int{1, 7, 64, 1 << 20} {
			got := scanAll(t, stream, chunk)
			if len(got) != len(want) {
				t.Fatalf("round %d chunk %d: %d telegrams, want %d", round, chunk, len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("round %d chunk %d telegram %d:\n got %q\nwant %q", round, chunk, i, got[i], want[i])
				}
			}
		}
	}
}

func TestSplitLineEnds(t *testing.T) {
	base := "/ABC5 test\r\n\r\n1-0:1.8.1(1*kWh)\r\n"
	tests := []struct {
		in   string
		want []string
	}{
		{base + "!1A2B\r\n", []string{base + "!1A2B\r\n"}},
		{base + "!1a2b\r\nxyz", []string{base + "!1a2b\r\n"}},
		{base + "!B9F\r\n", []string{base + "!B9F\r\n"}},
		{base + "!\r\n", []string{base + "!\r\n"}},
		{base + "!\n", []string{base + "!\n"}},
		{base + "!1A2B", []string{base + "!1A2B"}}, // at EOF
		{base + "!1A2B/ABC5 x\n!\n", []string{base + "!1A2B", "/ABC5 x\n!\n"}},
		{base + "!1A2B3\r\n", []string{base + "!1A2B"}},
		{base + "x!1A2B\r\n!\r\n", []string{base + "x!1A2B\r\n!\r\n"}}, // '!' inside a line
		{"/AB\n/ABC\n!\n", []string{"/ABC\n!\n"}},                      // two letters: not a header
		{"/ABC(5)\n/ABC\n!\n", []string{"/ABC\n!\n"}},
		{"/ABC\n1(/ABC)\n!\n", []string{"/ABC\n1(/ABC)\n!\n"}}, // a value with "/ABC" is not a header
		{"/ABC\n1(/ABC\n!\n", []string{"/ABC\n!\n"}},           // a cut telegram restarts
		{"/ABC\n0-0:96.13.0(test-/-test)\n!\n", []string{"/ABC\n0-0:96.13.0(test-/-test)\n!\n"}},
		{"/ABC\n1(2)\n", nil}, // no '!' line
		{"!1234\r\n", nil},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 3, 1000} {
			got := scanAll(t, []byte(tc.in), chunk)
			var gs []string
			for _, g := range got {
				gs = append(gs, string(g))
			}
			if strings.Join(gs, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%q chunk %d: got %q want %q", tc.in, chunk, gs, tc.want)
			}
		}
	}
}

func TestSplitGarbageTerminates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g := make([]byte, 1<<20)
	for i := range g {
		g[i] = byte(rng.IntN(256))
		if g[i] == '/' {
			g[i] = 0
		}
	}
	start := time.Now()
	if got := scanAll(t, g, 4096); len(got) != 0 {
		t.Fatalf("%d tokens from garbage", len(got))
	}
	t.Logf("1 MiB without '/' in %v", time.Since(start))

	// With '/' and headers but never a '!': nothing is kept for ever.
	var f Framer
	hdr := []byte("/ABC5 noise\r\n1-0:1.8.1(1*kWh)\r\n")
	for range (1 << 20) / len(hdr) {
		f.Write(hdr[:len(hdr)-2])
		f.Write(hdr[len(hdr)-2:])
		if tok := f.Next(); tok != nil {
			t.Fatalf("token %q", tok)
		}
	}
	if f.Buffered() > MaxTelegramSize+len(hdr) {
		t.Fatalf("%d bytes buffered", f.Buffered())
	}
	// A header followed by an endless line.
	f.Reset()
	f.Write([]byte("/ABC5 x\r\n"))
	for range 2000 {
		f.Write(bytes.Repeat([]byte("0"), 100))
		f.Next()
	}
	if f.Buffered() > MaxTelegramSize+100 {
		t.Fatalf("%d bytes buffered", f.Buffered())
	}
}

func TestFramer(t *testing.T) {
	tels := endedCorpus(t)
	var stream []byte
	for _, tel := range tels {
		stream = append(stream, "garbage\x00\xff"...)
		stream = append(stream, tel...)
	}
	var f Framer
	var got [][]byte
	rng := rand.New(rand.NewPCG(5, 6))
	for rest := stream; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(100))
		f.Write(rest[:n])
		rest = rest[n:]
		for tok := f.Next(); tok != nil; tok = f.Next() {
			got = append(got, tok)
		}
	}
	if tok := f.Flush(); tok != nil { // the last telegram may end without line end
		got = append(got, tok)
	}
	if len(got) != len(tels) {
		t.Fatalf("%d telegrams, want %d", len(got), len(tels))
	}
	for i := range tels {
		if !bytes.Equal(got[i], tels[i]) {
			t.Fatalf("telegram %d differs", i)
		}
	}
	if f.Dropped() != int64(len(tels)*len("garbage\x00\xff")) {
		t.Fatalf("dropped %d", f.Dropped())
	}
	if f.Buffered() != 0 {
		t.Fatalf("buffered %d", f.Buffered())
	}
}

func TestFramerFlushCompletesCRCLine(t *testing.T) {
	var f Framer
	f.Write([]byte("/ABC5 x\r\n1-0:1.8.1(1*kWh)\r\n!1A2B"))
	if tok := f.Next(); tok != nil {
		t.Fatalf("early token %q", tok)
	}
	if tok := f.Flush(); string(tok) != "/ABC5 x\r\n1-0:1.8.1(1*kWh)\r\n!1A2B" {
		t.Fatalf("flush %q", tok)
	}
}

// Iskra MT382 telegrams without a '!' line: dropped by Split, delivered by
// a Framer with AllowMissingEnd, ended by the next header or by Flush.
func TestFramerAllowMissingEnd(t *testing.T) {
	tel := readCorpus(t, "node-dsmr-parser__iskra-mt-382-no-crc.txt")
	stream := bytes.Repeat(tel, 3)
	if got := scanAll(t, stream, 1<<20); len(got) != 0 {
		t.Fatalf("Split returned %d telegrams without '!'", len(got))
	}
	f := Framer{AllowMissingEnd: true}
	f.Write(stream)
	var got [][]byte
	for tok := f.Next(); tok != nil; tok = f.Next() {
		got = append(got, tok)
	}
	if len(got) != 2 {
		t.Fatalf("%d telegrams before Flush", len(got))
	}
	got = append(got, f.Flush())
	for i, g := range got {
		if !bytes.Equal(g, tel) {
			t.Fatalf("telegram %d: %q", i, g)
		}
		p, err := Parse(g)
		if !errors.Is(err, codec.ErrTruncated) || len(p.Objects) != 16 || len(p.Unparsed) != 0 {
			t.Fatalf("parse: %v, %d objects", err, len(p.Objects))
		}
	}
}

func TestTelegramAt(t *testing.T) {
	for _, tel := range endedCorpus(t) {
		if n, more := TelegramAt(tel, false); n != len(tel) || more {
			t.Fatalf("%d %v for %d bytes", n, more, len(tel))
		}
		// cut anywhere: more is needed, never a wrong answer
		cut := tel[:len(tel)/2]
		if n, more := TelegramAt(cut, false); n != 0 || !more {
			t.Fatalf("cut: %d %v", n, more)
		}
		if n, more := TelegramAt(cut, true); n != 0 || more {
			t.Fatalf("cut at EOF: %d %v", n, more)
		}
	}
	// A stray '/' before a ciphered frame: TelegramAt says "not here" at
	// once, where Split would skip the frame looking for a header.
	stream := append([]byte("/\xdb\x08SAG1234\x00"), make([]byte, 600)...)
	if n, more := TelegramAt(stream, false); n != 0 || more {
		t.Fatalf("%d %v", n, more)
	}
	if adv, tok, _ := Split(stream, false); adv != len(stream) || tok != nil {
		t.Fatalf("Split %d %q", adv, tok)
	}
	if n, more := TelegramAt([]byte("/AB"), false); n != 0 || !more {
		t.Fatalf("short header: %d %v", n, more)
	}
}
