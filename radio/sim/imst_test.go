package sim

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/imst"
	"github.com/meterwire/meterwire/radio/receiver"
	"github.com/meterwire/meterwire/wmbus"
)

// Test keys (the published OMS example key and a second one); never
// printed.
var (
	modKeyTPL = []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F}
	modKeyELL = []byte{0x4E, 0x55, 0x08, 0x54, 0x42, 0x02, 0x05, 0x81, 0x00, 0xDF, 0xEF, 0xA0, 0x6B, 0x09, 0x34, 0xA5}
)

var (
	modMeterPlain = wmbus.Address{Manufacturer: 0x2C2D, ID: 0x11111111, Version: 1, Type: 0x07}
	modMeterELL   = wmbus.Address{Manufacturer: 0x2C2D, ID: 0x22222222, Version: 0x30, Type: 0x16}
	modMeterTPL5  = wmbus.Address{Manufacturer: 0x1593, ID: 0x33333333, Version: 0x33, Type: 0x03}
)

// modVolume is the application data every test frame carries: volume
// 1.000 m³ and an ACC-like counter in a second record.
func modVolume(n byte) []byte { return []byte{0x04, 0x13, 0xE8, 0x03, 0x00, 0x00, 0x01, 0xFD, 0x08, n} }

type modTestFrame struct {
	name    string
	data    []byte
	status  wmbus.Status
	payload []byte
}

// modEncryptedFrames builds a plain frame, one with ELL AES-128-CTR and one
// with TPL security mode 5, without CRCs.
func modEncryptedFrames(t testing.TB) []modTestFrame {
	t.Helper()
	specs := []struct {
		name   string
		spec   wmbus.Spec
		status wmbus.Status
	}{
		{"plain", wmbus.Spec{C: 0x44, Link: modMeterPlain, TPL: wmbus.TPLSpec{CI: 0x7A, ACC: 1}, Payload: modVolume(1)}, wmbus.StatusPlain},
		{"ell-aes-ctr", wmbus.Spec{C: 0x44, Link: modMeterELL,
			ELL: &wmbus.ELLSpec{CI: 0x8D, CC: 0x20, ACC: 0x50, Encrypt: true, Minutes: 4242, Session: 7},
			TPL: wmbus.TPLSpec{CI: 0x78}, Payload: modVolume(2), Key: modKeyELL}, wmbus.StatusDecrypted},
		{"tpl-mode-5", wmbus.Spec{C: 0x44, Link: modMeterTPL5,
			TPL: wmbus.TPLSpec{CI: 0x7A, ACC: 0x2A, Security: 5}, Payload: modVolume(3), Key: modKeyTPL}, wmbus.StatusDecrypted},
	}
	var out []modTestFrame
	for _, s := range specs {
		s.spec.Format = wmbus.FormatNone
		b, err := wmbus.AppendFrame(nil, &s.spec)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		out = append(out, modTestFrame{s.name, b, s.status, s.spec.Payload})
	}
	return out
}

// modNumbered returns a plain frame whose last byte is n.
func modNumbered(t testing.TB, n byte) []byte {
	t.Helper()
	b, err := wmbus.AppendFrame(nil, &wmbus.Spec{C: 0x44, Link: modMeterPlain, TPL: wmbus.TPLSpec{CI: 0x7A, ACC: n}, Payload: modVolume(n), Format: wmbus.FormatNone})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func modTestKeys(a wmbus.Address) []byte {
	switch a.ID {
	case modMeterELL.ID:
		return modKeyELL
	case modMeterTPL5.ID:
		return modKeyTPL
	}
	return nil
}

// modCheckDecodes decodes f as the receiver delivered it and compares the
// security outcome and the application data.
func modCheckDecodes(t *testing.T, f radio.Frame, want modTestFrame) {
	t.Helper()
	if !bytes.Equal(f.Data, want.data) {
		t.Fatalf("%s: frame\n % X\nwant\n % X", want.name, f.Data, want.data)
	}
	d := wmbus.Decoder{Format: wmbus.FormatNone, Keys: modTestKeys}
	tel, err := d.Decode(f.Data)
	if err != nil {
		t.Fatalf("%s: decode: %v", want.name, err)
	}
	if tel.Security.Status != want.status {
		t.Fatalf("%s: security %v, want %v (%s)", want.name, tel.Security.Status, want.status, tel.Security.Mode())
	}
	if apl := tel.APL(); !bytes.Contains(apl, want.payload) {
		t.Fatalf("%s: application data % X", want.name, apl)
	}
}

// modRig is a simulated stick with a receiver running a driver on it.
type modRig struct {
	air   *Air
	stick *Stick
	r     *receiver.Receiver
}

// modStartRig plugs dev in and starts a receiver on "kind:<stick>?query"
// with driver (nil: the kind's).
func modStartRig(t *testing.T, air *Air, dev Device, kind, query string, driver radio.Driver) *modRig {
	t.Helper()
	link := filepath.Join(t.TempDir(), "ttySIM")
	stick, err := NewStick(link, dev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stick.Close(); err != nil {
			t.Errorf("simulator: %v", err)
		}
	})
	addr := kind + ":" + link
	if query != "" {
		addr += "?" + query
	}
	d, err := radio.ParseDevice(addr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := receiver.Start(d, receiver.Options{Driver: driver, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.WaitConnected(ctx); err != nil {
		t.Fatalf("not connected: %v (%s)", err, r.State().Err)
	}
	return &modRig{air: air, stick: stick, r: r}
}

// transmit sends data on the air as a meter would.
func (g *modRig) transmit(data []byte, mode radio.LinkMode, rssi int) {
	g.air.Transmit(Packet{Frame: radio.Frame{Data: data, Mode: mode, RSSI: rssi, HasRSSI: true}, From: "meter"})
}

// next returns the next received frame or fails after a few seconds.
func (g *modRig) next(t *testing.T) radio.Frame {
	t.Helper()
	select {
	case f, ok := <-g.r.Frames():
		if !ok {
			t.Fatal("frames channel closed")
		}
		return f
	case <-time.After(5 * time.Second):
		t.Fatalf("no frame (state %+v)", g.r.State())
	}
	return radio.Frame{}
}

// quiet fails if a frame arrives within d.
func (g *modRig) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case f := <-g.r.Frames():
		t.Fatalf("unexpected frame % X", f.Data)
	case <-time.After(d):
	}
}

// replug unplugs the stick, waits for the receiver to notice, plugs it
// back and waits for the reconnect.
func (g *modRig) replug(t *testing.T) {
	t.Helper()
	before := g.r.State().Reconnects
	g.stick.Unplug()
	modWaitFor(t, "disconnect", func() bool { return !g.r.State().Connected })
	if err := g.stick.Plug(); err != nil {
		t.Fatal(err)
	}
	modWaitFor(t, "reconnect", func() bool { s := g.r.State(); return s.Connected && s.Reconnects > before })
}

func modWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sendAndObserve sends frame through the receiver and returns the packet
// seen on the air.
func (g *modRig) sendAndObserve(t *testing.T, frame []byte) Packet {
	t.Helper()
	ch, cancel := g.air.Listen(radio.ModeUnknown, "observer")
	defer cancel()
	if err := g.r.Send(frame); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case p := <-ch:
		return p
	case <-time.After(3 * time.Second):
		t.Fatal("sent frame not seen on the air")
	}
	return Packet{}
}

// receiveNumbered transmits frames numbered from..to-1 and checks that each
// arrives once, in order, and nothing else.
func (g *modRig) receiveNumbered(t *testing.T, from, to int, mode radio.LinkMode) {
	t.Helper()
	for n := from; n < to; n++ {
		g.transmit(modNumbered(t, byte(n)), mode, -70)
	}
	for n := from; n < to; n++ {
		f := g.next(t)
		if want := modNumbered(t, byte(n)); !bytes.Equal(f.Data, want) {
			t.Fatalf("frame %d: got\n % X\nwant\n % X", n, f.Data, want)
		}
	}
	g.quiet(t, 150*time.Millisecond)
}

func imstDriver(opt imst.Options) radio.Driver {
	return func(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
		o := opt
		o.Mode = d.Mode
		return imst.Open(port, o)
	}
}

func TestIMSTReceiveSendReplug(t *testing.T) {
	air := NewAir()
	dev := NewIMST(air)
	g := modStartRig(t, air, dev, radio.KindIM871A, "mode=t1", imstDriver(imst.Options{
		DeviceTime: func(ts uint32) time.Time { return time.Unix(int64(ts), 0).UTC() },
	}))
	if dev.Mode() != radio.ModeT1 {
		t.Fatalf("simulator in %v after configuration", dev.Mode())
	}
	if c := dev.Config(); c.AutoRSSI != 1 || c.AutoTimestamp != 1 {
		t.Fatalf("RSSI %d timestamp %d", c.AutoRSSI, c.AutoTimestamp)
	}
	if dev.StoredConfig().LinkMode != imst.LinkS2 {
		t.Fatal("the driver wrote the non-volatile configuration")
	}

	stamp := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	frames := modEncryptedFrames(t)
	g.transmit(modNumbered(t, 99), radio.ModeS1, -50) // not heard in T1
	for i, tf := range frames {
		air.Transmit(Packet{Frame: radio.Frame{Data: tf.data, Mode: radio.ModeT1, RSSI: -60 - i, HasRSSI: true, Time: stamp.Add(time.Duration(i) * time.Second)}, From: "meter"})
	}
	for i, tf := range frames {
		f := g.next(t)
		modCheckDecodes(t, f, tf)
		if !f.HasRSSI || f.RSSI != -60-i || f.Mode != radio.ModeT1 {
			t.Fatalf("%s: RSSI %v %d mode %v", tf.name, f.HasRSSI, f.RSSI, f.Mode)
		}
		if want := stamp.Add(time.Duration(i) * time.Second); !f.Time.Equal(want) {
			t.Fatalf("%s: time %v, want the module's %v", tf.name, f.Time, want)
		}
	}
	g.quiet(t, 100*time.Millisecond)

	out := modNumbered(t, 200)
	p := g.sendAndObserve(t, out)
	if !bytes.Equal(p.Frame.Data, out) || p.Frame.Mode != radio.ModeT1 || p.From != dev || dev.Sent() != 1 {
		t.Fatalf("sent % X in %v from %v (%d sent)", p.Frame.Data, p.Frame.Mode, p.From, dev.Sent())
	}

	g.replug(t)
	if dev.Mode() != radio.ModeT1 {
		t.Fatalf("simulator in %v after reconnecting", dev.Mode())
	}
	g.receiveNumbered(t, 0, 10, radio.ModeT1)
	if s := g.r.State(); s.Reconnects != 1 || s.Frames != 3+10 {
		t.Fatalf("state %+v", s)
	}
}

// Without a mode in the address the driver leaves the module's link mode
// alone and tags frames with the mode it reads back.
func TestIMSTModeLeftAlone(t *testing.T) {
	air := NewAir()
	dev := NewIMST(air)
	g := modStartRig(t, air, dev, radio.KindIM871A, "", nil)
	if dev.Mode() != radio.ModeS2 {
		t.Fatalf("mode %v", dev.Mode())
	}
	g.transmit(modNumbered(t, 1), radio.ModeS1, -90)
	if f := g.next(t); f.Mode != radio.ModeS2 || f.RSSI != -90 || f.Time.IsZero() {
		t.Fatalf("%+v", f)
	}
}

// Unplugging is a power cycle: the running configuration returns to the
// stored one; stored settings survive.
func TestIMSTPowerCycle(t *testing.T) {
	air := NewAir()
	dev := NewIMST(air)
	link := filepath.Join(t.TempDir(), "ttyIMST")
	stick, err := NewStick(link, dev)
	if err != nil {
		t.Fatal(err)
	}
	defer stick.Close()
	d, _ := radio.ParseDevice("im871a:" + link)
	for _, nvm := range []bool{false, true} {
		port, err := receiver.OpenPort(d)
		if err != nil {
			t.Fatal(err)
		}
		c, err := imst.Open(port, imst.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := port.Write(imst.Encode(imst.SetConfig(imst.Config{Flags1: imst.Cfg1LinkMode, LinkMode: imst.LinkC1a}, nvm))); err != nil {
			t.Fatal(err)
		}
		modWaitFor(t, "mode C1", func() bool { return dev.Mode() == radio.ModeC1 })
		c.Close()
		stick.Unplug()
		if err := stick.Plug(); err != nil {
			t.Fatal(err)
		}
		want := radio.ModeS2
		if nvm {
			want = radio.ModeC1
		}
		// Serve starts asynchronously: ask through a fresh connection.
		port, err = receiver.OpenPort(d)
		if err != nil {
			t.Fatal(err)
		}
		c, err = imst.Open(port, imst.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Mode() != want || dev.Mode() != want {
			t.Fatalf("nvm %v: mode after power cycle %v / %v, want %v", nvm, c.Mode(), dev.Mode(), want)
		}
		c.Close()
	}
}

func TestIMSTResync(t *testing.T) {
	air := NewAir()
	dev := NewIMST(air)
	ind := func(data []byte) []byte {
		m, err := imst.Indication(radio.Frame{Data: data, HasRSSI: true, RSSI: -50})
		if err != nil {
			t.Fatal(err)
		}
		return imst.Encode(m)
	}
	other := ind(modNumbered(t, 250))
	bad := bytes.Clone(other)
	bad[len(bad)-1] ^= 0xFF
	noises := [][]byte{
		{0x00, 0x13, 0x37, 0xFF},       // no A5 at all
		{0xA5, 0xF1, 0xFF},             // reserved control bit
		other[:12],                     // half an indication
		bad,                            // FCS mismatch
		{0xA5, 0xC2},                   // half a header
		{0xA5, 0x82, 0x03, 0xF0, 0x44}, // a header announcing 240 bytes
		{0xA5, 0xA5, 0xA5},
		other[:len(other)-1], // all but the last FCS byte
	}
	noiseFunc := func() func(Packet) []byte {
		k := 0 // called by the simulator's goroutine only
		return func(Packet) []byte { n := noises[k%len(noises)]; k++; return n }
	}
	dev.SetNoise(noiseFunc(), 0)
	g := modStartRig(t, air, dev, radio.KindIM871A, "mode=c1", imstDriver(imst.Options{Gap: 30 * time.Millisecond}))
	// Noise right before each indication.
	g.receiveNumbered(t, 0, 2*len(noises), radio.ModeC1)
	// Noise, then a pause longer than the driver's Gap.
	dev.SetNoise(noiseFunc(), 80*time.Millisecond)
	g.receiveNumbered(t, 100, 100+len(noises), radio.ModeC1)
}
