package stream

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// OMS Annex N gas meter frame (format A with CRCs) and the same frame
// without CRCs.
const (
	omsA     = "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A"
	plainHex = "1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withCRC(t testing.TB, frame []byte, f wmbus.Format) []byte {
	t.Helper()
	b, err := wmbus.AppendCRC(nil, frame, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHexLine(t *testing.T) {
	plain := mustHex(t, plainHex)
	a := hex.EncodeToString(withCRC(t, plain, wmbus.FormatA))
	b := hex.EncodeToString(withCRC(t, plain, wmbus.FormatB))
	var spaced, cArray []string
	for i := 0; i < len(plainHex); i += 2 {
		spaced = append(spaced, plainHex[i:i+2])
		cArray = append(cArray, "0x"+plainHex[i:i+2])
	}
	good := []string{
		plainHex, strings.ToLower(plainHex), "0x" + plainHex, "  " + plainHex + "  # a comment",
		a, strings.ToUpper(b), strings.Join(spaced, " "), strings.Join(cArray, ", "),
		"\t" + strings.Join(spaced, ":") + "\r",
	}
	for _, l := range good {
		got, err := ParseHexLine(l)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%q: % X %v", l, got, err)
		}
	}
	for _, l := range []string{"", "   ", "# only a comment", "\r"} {
		if got, err := ParseHexLine(l); got != nil || err != nil {
			t.Fatalf("%q: %v %v", l, got, err)
		}
	}
	bad := map[string]error{
		plainHex + "0":         codec.ErrMalformed,
		"1E44zz":               codec.ErrMalformed,
		plainHex + "AABB":      codec.ErrMalformed, // bytes after the frame
		plainHex[:20]:          codec.ErrTruncated,
		a[:len(a)-2] + "00":    codec.ErrCRC,       // block 1 matches, the last block does not
		"0544A2057856341200":   codec.ErrMalformed, // L < 9
		"0x":                   codec.ErrTruncated,
		"hello world":          codec.ErrMalformed,
		strings.Repeat("F", 8): codec.ErrTruncated,
	}
	for l, want := range bad {
		if _, err := ParseHexLine(l); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", l, err, want)
		}
	}
}

func TestSplitRaw(t *testing.T) {
	plain := mustHex(t, plainHex)
	oms := mustHex(t, omsA)
	omsPlain, _, _, err := wmbus.StripCRC(nil, oms, wmbus.FormatA)
	if err != nil {
		t.Fatal(err)
	}
	a, b := withCRC(t, plain, wmbus.FormatA), withCRC(t, plain, wmbus.FormatB)
	var capture []byte
	capture = append(capture, 0x00, 0xFF, 0x13) // noise
	capture = append(capture, a...)
	capture = append(capture, b...)
	capture = append(capture, a[:15]...) // a frame cut short
	capture = append(capture, oms...)
	capture = append(capture, 0x2E, 0x44) // the start of one at the end
	want := [][]byte{plain, plain, omsPlain}
	for chunk := 1; chunk <= len(capture); chunk += 7 {
		c := NewConn(io.NopCloser(&chunky{b: capture, n: chunk}), SplitRaw, 4096, decodeRaw)
		var got [][]byte
		for {
			f, err := c.Receive()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, f.Data)
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d frames", chunk, len(got))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("chunk %d frame %d: % X", chunk, i, got[i])
			}
		}
	}
}

// chunky reads n bytes at a time, as a serial port or socket delivers.
type chunky struct {
	b []byte
	n int
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[n:]
	return n, nil
}

type pipePort struct {
	*io.PipeReader
}

func (pipePort) Write(p []byte) (int, error) { return len(p), nil }

// Hex lines with noise, comments and bad lines in between: every good
// frame arrives, bad lines are counted, Close unblocks Receive.
func TestHexConn(t *testing.T) {
	plain := mustHex(t, plainHex)
	r, w := io.Pipe()
	c, err := NewHexConn(pipePort{r}, radio.Device{Kind: radio.KindHex})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		io.WriteString(w, "# meterwire hex capture\n\n"+plainHex+"\r\nnot hex\n"+omsA+"\n")
		io.WriteString(w, strings.Repeat("ab", 9000)) // an endless line: discarded
		io.WriteString(w, "\n"+hex.EncodeToString(withCRC(t, plain, wmbus.FormatB))+"\n")
	}()
	for i := 0; i < 3; i++ {
		f, err := c.Receive()
		if err != nil || f.P1 || f.Time.IsZero() || f.Data[0] != byte(len(f.Data)-1) {
			t.Fatalf("frame %d: %+v %v", i, f, err)
		}
	}
	if n := c.(*Conn).Skipped(); n != 2 {
		t.Errorf("skipped %d lines, want 2", n)
	}
	if c.(*Conn).Discarded() == 0 {
		t.Error("the endless line was not discarded")
	}
	if err := c.Send(plain); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := c.Receive()
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) && !errors.Is(err, io.ErrClosedPipe) {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Receive")
	}
	if err := c.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

// A reader that never returns (stdin): Close still unblocks Receive.
func TestCloseUnblocksStuckReader(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	c := NewConn(stuck{block}, radio.SplitLines, 0, func(b []byte) (radio.Frame, error) { return radio.Frame{Data: b}, nil })
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.Close()
	}()
	if _, err := c.Receive(); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

type stuck struct{ c chan struct{} }

func (s stuck) Read([]byte) (int, error) { <-s.c; return 0, io.EOF }
func (s stuck) Close() error             { return nil }

func TestTokensTimeoutAndError(t *testing.T) {
	r, w := io.Pipe()
	tk := NewTokens(r, radio.SplitLines, 0)
	if _, err := tk.Next(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	go func() {
		io.WriteString(w, "one\n")
		w.CloseWithError(errors.New("unplugged"))
	}()
	if b, err := tk.Next(time.Second); err != nil || string(b) != "one" {
		t.Fatal(string(b), err)
	}
	for range 2 { // the error is sticky
		if _, err := tk.Next(time.Second); err == nil || err.Error() != "unplugged" {
			t.Fatal(err)
		}
	}
	tk.Close()
	if _, err := tk.Next(0); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func FuzzParseHexLine(f *testing.F) {
	f.Add(plainHex)
	f.Add(omsA + " # comment")
	f.Add("0x1E, 0x44")
	f.Fuzz(func(t *testing.T, line string) {
		data, err := ParseHexLine(line)
		if err != nil {
			return
		}
		if data == nil {
			return
		}
		if len(data) < 10 || int(data[0]) != len(data)-1 {
			t.Fatalf("% X", data)
		}
	})
}

func FuzzSplitRaw(f *testing.F) {
	f.Add(mustHex(f, omsA))
	f.Add(append(withCRC(f, mustHex(f, plainHex), wmbus.FormatB), 0x2E, 0x44))
	f.Fuzz(func(t *testing.T, b []byte) {
		for atEOF := range 2 {
			adv, tok, err := SplitRaw(b, atEOF == 1)
			if err != nil || adv < 0 || adv > len(b) || len(tok) > adv {
				t.Fatalf("adv %d tok %d err %v", adv, len(tok), err)
			}
			if atEOF == 1 && len(b) > 0 && adv == 0 {
				t.Fatal("no progress at EOF")
			}
			if tok != nil {
				f, err := decodeRaw(tok)
				if err != nil || int(f.Data[0]) != len(f.Data)-1 {
					t.Fatalf("token % X: %v", tok, err)
				}
			}
		}
	})
}

// A ciphered frame cut short does not take the next one with it.
func TestSplitP1CutFrame(t *testing.T) {
	frame := p1Frame(t, 1)
	next := p1Frame(t, 2)
	data := append(append(append([]byte("noise"), frame[:40]...), next...), "/ISK5\\2M"...)
	for atEOF := range 2 {
		adv, tok, err := SplitP1(data, atEOF == 1)
		if err != nil || !bytes.Equal(tok, next) || adv != 5+40+len(next) {
			t.Fatalf("adv %d tok %d %v", adv, len(tok), err)
		}
	}
}

// p1Frame is a general-glo-ciphering frame with frame counter fc (the
// content does not matter here).
func p1Frame(t testing.TB, fc uint32) []byte {
	key := mustHex(t, "000102030405060708090A0B0C0D0E0F")
	b, err := dlms.AppendCiphered(nil, &dlms.Seal{SystemTitle: [8]byte{'T', 'E', 'S', 'T', 0, 0, 0, 1}, FC: fc, Key: key, AK: key}, bytes.Repeat([]byte("x"), 100))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzSplitP1(f *testing.F) {
	f.Add(append(p1Frame(f, 1)[:30], p1Frame(f, 2)...))
	f.Add([]byte("/ISK5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n!"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for atEOF := range 2 {
			adv, tok, err := SplitP1(b, atEOF == 1)
			if err != nil || adv < 0 || adv > len(b) || len(tok) > adv {
				t.Fatalf("adv %d tok %d err %v", adv, len(tok), err)
			}
			if atEOF == 1 && len(b) > 0 && adv == 0 {
				t.Fatal("no progress at EOF")
			}
		}
	})
}
