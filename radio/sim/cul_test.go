package sim

import (
	"bufio"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/cul"
	"github.com/meterwire/meterwire/radio/serialport"
	"github.com/meterwire/meterwire/wmbus"
)

const culFrameHex = "1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F"

// culHost is the host side of a simulated culfw stick, speaking lines.
type culHost struct {
	t     *testing.T
	port  io.ReadWriteCloser
	lines chan string
}

func dialCUL(t *testing.T, s *Stick) *culHost {
	t.Helper()
	p, err := serialport.Open(radio.Device{Kind: radio.KindCUL, Path: s.Path(), Raw: "cul:" + s.Path()})
	if err != nil {
		t.Fatal(err)
	}
	h := &culHost{t: t, port: p, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(p)
		sc.Split(radio.SplitLines)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() { p.Close() })
	return h
}

func (h *culHost) send(cmd string) {
	h.t.Helper()
	if _, err := io.WriteString(h.port, cmd+"\r\n"); err != nil {
		h.t.Fatal(err)
	}
}

func (h *culHost) expect(want string) string {
	h.t.Helper()
	select {
	case l := <-h.lines:
		if !strings.HasPrefix(l, want) {
			h.t.Fatalf("got %q, want %q...", l, want)
		}
		return l
	case <-time.After(2 * time.Second):
		h.t.Fatalf("no line, want %q", want)
	}
	return ""
}

func (h *culHost) quiet() {
	h.t.Helper()
	select {
	case l := <-h.lines:
		h.t.Fatalf("unexpected line %q", l)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestCULCommandsAndFrames(t *testing.T) {
	air := NewAir()
	c := NewCUL(air)
	s, err := NewStick(filepath.Join(t.TempDir(), "ttyACM0"), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := dialCUL(t, s)
	frame, _ := hex.DecodeString(culFrameHex)

	h.send("V")
	h.expect("V 1.67 nanoCUL868")
	h.send("br")
	h.expect("OFF")
	air.Transmit(Packet{Frame: radio.Frame{Data: frame}})
	h.quiet() // reception off: nothing heard

	h.send("brt")
	h.expect("TMODE")
	air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeT1}})
	want, _ := cul.FormatLine(radio.Frame{Data: frame}, wmbus.FormatA)
	if l := h.expect("b"); l != want {
		t.Fatalf("%q want %q", l, want)
	}
	h.send("X21")
	h.send("br") // X21 has no answer: wait for this one
	h.expect("TMODE")
	air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeC1}, Format: wmbus.FormatB}) // not heard in T mode
	air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeT1, RSSI: -48, HasRSSI: true, LQI: 0x33, HasLQI: true}})
	f, err := cul.ParseLine(h.expect("b"))
	if err != nil || !f.HasRSSI || f.RSSI != -48 || f.LQI != 0x33 {
		t.Fatalf("%+v %v", f, err)
	}

	h.send("brc")
	h.expect("CMODE")
	if c.Mode() != radio.ModeC1 {
		t.Fatal(c.Mode())
	}
	air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeC1}, Format: wmbus.FormatB})
	l := h.expect("bY")
	if f, err := cul.ParseLine(l); err != nil || f.RSSI != -70 || hex.EncodeToString(f.Data) != strings.ToLower(culFrameHex) {
		t.Fatalf("%q: %+v %v", l, f, err)
	}

	// Transmission: only S and T; the stick does not hear itself.
	heard, stop := air.Listen(radio.ModeUnknown, "other")
	defer stop()
	a, _ := wmbus.AppendCRC(nil, frame, wmbus.FormatA)
	h.send("bst" + hex.EncodeToString(a))
	select {
	case p := <-heard:
		if p.Frame.Mode != radio.ModeT1 || hex.EncodeToString(p.Frame.Data) != strings.ToLower(culFrameHex) {
			t.Fatalf("%+v", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("bst transmitted nothing")
	}
	h.quiet()

	if err := c.Inject([]byte("noise\r\n")); err != nil {
		t.Fatal(err)
	}
	h.expect("noise")

	// Unplugged and plugged in, the stick starts from scratch.
	s.Unplug()
	if err := c.Inject([]byte("x")); err == nil {
		t.Fatal("inject into an unplugged stick")
	}
	if err := s.Plug(); err != nil {
		t.Fatal(err)
	}
	h = dialCUL(t, s)
	h.send("br")
	h.expect("OFF")
}

func TestCULVariants(t *testing.T) {
	air := NewAir()
	c := NewCUL(air)
	c.NoCMode, c.NoTX = true, true
	s, err := NewStick(filepath.Join(t.TempDir(), "ttyACM0"), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := dialCUL(t, s)
	h.send("brc")
	h.expect("OFF")
	h.send("brs")
	h.expect("SMODE")
	h.send("bss" + culFrameHex)
	h.expect("not compiled in")
}
