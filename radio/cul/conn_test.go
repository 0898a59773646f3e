package cul_test

import (
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/cul"
	"github.com/meterwire/meterwire/radio/serialport"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/radio/stream"
	"github.com/meterwire/meterwire/wmbus"
)

// Published test frames and keys (see cmd/meterwire/examples.txt).
const (
	// OMS Annex N gas meter, TPL mode 5, format A with CRCs.
	omsA   = "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A"
	omsKey = "0102030405060708090A0B0C0D0E0F11"
	// Kamstrup ELL 0x8D, AES-128-CTR, without CRCs.
	kamstrup    = "24442D2C692845631B168D3050209CD621B006B1140AEF4953AE5B86FAFC0B00E70705B846"
	kamstrupKey = "4E5508544202058100DFEFA06B0934A5"
	// Telit use case: ELL 0x8F, ENC=1, format B with CRCs.
	telitB   = "2344AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC277838"
	telitKey = "000102030405060708090A0B0C0D0E0F"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// plain returns a frame without CRCs, as the air carries it.
func plain(t testing.TB, s string, f wmbus.Format) []byte {
	t.Helper()
	b, _, _, err := wmbus.StripCRC(nil, mustHex(t, s), f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decrypts checks that frame decrypts with key.
func decrypts(t testing.TB, frame []byte, key string) {
	t.Helper()
	d := wmbus.Decoder{Format: wmbus.FormatNone, Keys: wmbus.StaticKey(mustHex(t, key))}
	tg, err := d.Decode(frame)
	if err != nil || tg.Security.Status != wmbus.StatusDecrypted {
		t.Fatalf("% X: %v", frame, err)
	}
}

type rig struct {
	air   *sim.Air
	stick *sim.CUL
	s     *sim.Stick
	dev   radio.Device
}

func newRig(t *testing.T, mode string, setup func(*sim.CUL)) *rig {
	t.Helper()
	r := &rig{air: sim.NewAir()}
	r.stick = sim.NewCUL(r.air)
	if setup != nil {
		setup(r.stick)
	}
	link := filepath.Join(t.TempDir(), "ttyACM0")
	var err error
	if r.s, err = sim.NewStick(link, r.stick); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.s.Close() })
	addr := "cul:" + link
	if mode != "" {
		addr += "?mode=" + mode
	}
	if r.dev, err = radio.ParseDevice(addr); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) open(t *testing.T) (*cul.Conn, error) {
	t.Helper()
	port, err := serialport.Open(r.dev)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cul.Open(port, r.dev, cul.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		port.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// receive returns the next frame or fails after a timeout.
func receive(t *testing.T, c radio.Conn) radio.Frame {
	t.Helper()
	type res struct {
		f   radio.Frame
		err error
	}
	ch := make(chan res, 1)
	go func() {
		f, err := c.Receive()
		ch <- res{f, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.f
	case <-time.After(3 * time.Second):
		t.Fatal("no frame")
	}
	return radio.Frame{}
}

func TestConnTMode(t *testing.T) {
	r := newRig(t, "t1", nil)
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != "1.67 nanoCUL868" || c.Mode() != radio.ModeT1 || r.stick.Mode() != radio.ModeT1 {
		t.Fatalf("version %q mode %v/%v", c.Version(), c.Mode(), r.stick.Mode())
	}
	oms := plain(t, omsA, wmbus.FormatA)
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: oms, Mode: radio.ModeT1, RSSI: -55, HasRSSI: true}})
	// C mode frames are not heard in T mode.
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: plain(t, telitB, wmbus.FormatB), Mode: radio.ModeC1}, Format: wmbus.FormatB})
	f := receive(t, c)
	if f.Mode != radio.ModeT1 || !f.HasRSSI || f.RSSI != -55 || !f.HasLQI || f.Time.IsZero() {
		t.Fatalf("%+v", f)
	}
	decrypts(t, f.Data, omsKey)

	// Noise, a line cut short and a broken frame line, then frames.
	broken, _ := cul.FormatLine(radio.Frame{Data: oms}, wmbus.FormatA)
	broken = broken[:len(broken)-4] + "0000"
	for _, junk := range []string{"\x00\xff\xfe noise\r\n", "b2E4493157856\r\n", broken + "\r\n", "\r\n\n"} {
		if err := r.stick.Inject([]byte(junk)); err != nil {
			t.Fatal(err)
		}
	}
	const n = 20
	for i := range n {
		r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: oms, Mode: radio.ModeT1, RSSI: -40 - i, HasRSSI: true}})
	}
	for i := range n {
		f := receive(t, c)
		if f.RSSI != -40-i {
			t.Fatalf("frame %d: RSSI %d (lost or reordered)", i, f.RSSI)
		}
		decrypts(t, f.Data, omsKey)
	}
	if c.Skipped() != 2 {
		t.Errorf("skipped %d frame lines, want 2", c.Skipped())
	}
}

func TestConnCMode(t *testing.T) {
	r := newRig(t, "c1", nil)
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: plain(t, telitB, wmbus.FormatB), Mode: radio.ModeC1}, Format: wmbus.FormatB})
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: mustHex(t, kamstrup), Mode: radio.ModeC1}, Format: wmbus.FormatA})
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: plain(t, omsA, wmbus.FormatA), Mode: radio.ModeT1}})
	f := receive(t, c)
	if f.Mode != radio.ModeC1 || f.RSSI != -70 {
		t.Fatalf("%+v", f)
	}
	decrypts(t, f.Data, telitKey)
	decrypts(t, receive(t, c).Data, kamstrupKey)
	decrypts(t, receive(t, c).Data, omsKey) // T1 frames are heard in C mode
	if err := c.Send(mustHex(t, kamstrup)); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatalf("send in C mode: %v", err)
	}
}

func TestConnSend(t *testing.T) {
	r := newRig(t, "t1", nil)
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	heard, stop := r.air.Listen(radio.ModeUnknown, "collector")
	defer stop()
	frame := mustHex(t, kamstrup)
	if err := c.Send(frame); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-heard:
		if p.Frame.Mode != radio.ModeT1 || hex.EncodeToString(p.Frame.Data) != hex.EncodeToString(frame) {
			t.Fatalf("%+v", p)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nothing transmitted")
	}
	if err := c.Send([]byte{1, 2, 3}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

// A build without transmitter answers "not compiled in"; Send says
// receive-only from then on.
func TestConnSendNotCompiledIn(t *testing.T) {
	r := newRig(t, "s1", func(c *sim.CUL) { c.NoTX = true })
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	frame := mustHex(t, kamstrup)
	if err := c.Send(frame); err != nil {
		t.Fatal(err)
	}
	// culfw answers in its own time: the answer and the frames it hears
	// come on one line in the order the stick prints them. Once it has
	// answered, the answer is ahead of the next frame, and Receive
	// notices it on its way to that frame.
	deadline := time.Now().Add(5 * time.Second)
	for r.stick.SendRequests() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the stick never took the send command")
		}
		time.Sleep(time.Millisecond)
	}
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeS1}})
	receive(t, c)
	if err := c.Send(frame); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatalf("Send after the answer: %v", err)
	}
	if n := r.stick.SendRequests(); n != 1 {
		t.Fatalf("%d send commands reached the stick, want 1", n)
	}
}

func TestConnInitErrors(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		r := newRig(t, "t1", func(c *sim.CUL) { c.Silent = true })
		start := time.Now()
		_, err := r.open(t)
		var ie *cul.InitError
		if !errors.Is(err, cul.ErrNoAnswer) || !errors.As(err, &ie) || ie.Command != "V" {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("no C mode", func(t *testing.T) {
		r := newRig(t, "c1", func(c *sim.CUL) { c.NoCMode = true })
		_, err := r.open(t)
		var ie *cul.InitError
		if !errors.Is(err, cul.ErrBadAnswer) || !errors.As(err, &ie) || ie.Got != "OFF" || ie.Want != "CMODE" {
			t.Fatal(err)
		}
		t.Log(err)
	})
	t.Run("reception off", func(t *testing.T) {
		r := newRig(t, "", nil)
		if _, err := r.open(t); !errors.Is(err, cul.ErrNotReceiving) {
			t.Fatal(err)
		}
	})
	t.Run("unsupported mode", func(t *testing.T) {
		r := newRig(t, "n1", nil)
		if _, err := r.open(t); !errors.Is(err, codec.ErrUnsupported) {
			t.Fatal(err)
		}
	})
}

// Without a mode the stick's reception state is read and kept.
func TestConnKeepsMode(t *testing.T) {
	r := newRig(t, "s1", nil)
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	r.dev.Mode = radio.ModeUnknown
	c, err = r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode() != radio.ModeS1 || r.stick.Mode() != radio.ModeS1 {
		t.Fatal(c.Mode(), r.stick.Mode())
	}
	r.air.Transmit(sim.Packet{Frame: radio.Frame{Data: mustHex(t, kamstrup), Mode: radio.ModeS1}})
	if f := receive(t, c); f.Mode != radio.ModeS1 {
		t.Fatalf("%+v", f)
	}
}

// Close unblocks Receive; pulling the stick fails it with a port error.
func TestConnCloseAndUnplug(t *testing.T) {
	r := newRig(t, "t1", nil)
	c, err := r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive()
		errc <- err
	}()
	time.Sleep(30 * time.Millisecond)
	r.s.Unplug()
	select {
	case err := <-errc:
		if err == nil || errors.Is(err, io.EOF) {
			t.Fatalf("after unplug: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Receive did not fail after unplug")
	}
	if err := r.s.Plug(); err != nil {
		t.Fatal(err)
	}
	c, err = r.open(t)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := c.Receive()
		errc <- err
	}()
	time.Sleep(30 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, stream.ErrClosed) {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not unblock Receive")
	}
	if err := c.Send(mustHex(t, kamstrup)); err == nil {
		t.Fatal("Send after Close")
	}
}
