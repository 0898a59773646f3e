package sim

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/amber"
)

func amberDriver(opt amber.Options) radio.Driver {
	return func(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
		o := opt
		o.Mode = d.Mode
		return amber.Open(port, o)
	}
}

// receiveEncrypted transmits the encrypted test frames in mode and checks
// what the receiver delivers.
func (g *modRig) receiveEncrypted(t *testing.T, mode radio.LinkMode) {
	t.Helper()
	frames := modEncryptedFrames(t)
	g.transmit(modNumbered(t, 99), radio.ModeN1, -50) // not heard in T, C or S modes
	for i, tf := range frames {
		g.transmit(tf.data, mode, -60-i)
	}
	for i, tf := range frames {
		f := g.next(t)
		modCheckDecodes(t, f, tf)
		if !f.HasRSSI || f.RSSI != -60-i || f.Mode != mode || f.Time.IsZero() {
			t.Fatalf("%s: RSSI %v %d mode %v time %v", tf.name, f.HasRSSI, f.RSSI, f.Mode, f.Time)
		}
	}
	g.quiet(t, 100*time.Millisecond)
}

func (g *modRig) sendChecked(t *testing.T, dev *Amber, mode radio.LinkMode) {
	t.Helper()
	before := dev.Sent()
	out := modNumbered(t, 200)
	p := g.sendAndObserve(t, out)
	if !bytes.Equal(p.Frame.Data, out) || p.Frame.Mode != mode || p.From != dev || dev.Sent() != before+1 {
		t.Fatalf("sent % X in %v from %v", p.Frame.Data, p.Frame.Mode, p.From)
	}
}

func TestAmberReceiveSendReplug(t *testing.T) {
	air := NewAir()
	dev := NewAmber(air)
	g := modStartRig(t, air, dev, radio.KindAMB8465, "mode=t1", nil)
	// Factory parameters (transparent, no RSSI) were changed once, with
	// a reset; the mode was set.
	if dev.Param(amber.ParamUARTCmdOut) != 1 || dev.Param(amber.ParamRSSIEnable) != 1 || dev.Resets() != 1 || !dev.CommandOutput() {
		t.Fatalf("cmd out %d rssi %d resets %d", dev.Param(amber.ParamUARTCmdOut), dev.Param(amber.ParamRSSIEnable), dev.Resets())
	}
	if dev.ModeValue() != amber.ModeT2Other {
		t.Fatalf("mode value 0x%02X", dev.ModeValue())
	}
	g.receiveEncrypted(t, radio.ModeT1)
	g.sendChecked(t, dev, radio.ModeT1)

	g.replug(t)
	// The parameters were right: no second reset (no flash write); the
	// volatile mode was set again after the power cycle.
	if dev.Resets() != 1 || dev.ModeValue() != amber.ModeT2Other {
		t.Fatalf("resets %d mode 0x%02X after reconnecting", dev.Resets(), dev.ModeValue())
	}
	g.receiveNumbered(t, 0, 10, radio.ModeT1)
	if s := g.r.State(); s.Reconnects != 1 || s.Frames != 3+10 {
		t.Fatalf("state %+v", s)
	}
}

func TestAmberTransparent(t *testing.T) {
	air := NewAir()
	dev := NewAmber(air)
	g := modStartRig(t, air, dev, radio.KindAMB8465, "mode=s1", amberDriver(amber.Options{Transparent: true, Gap: 30 * time.Millisecond}))
	if dev.Param(amber.ParamUARTCmdOut) != 0 || dev.Param(amber.ParamRSSIEnable) != 1 || dev.Resets() != 1 || dev.CommandOutput() {
		t.Fatalf("cmd out %d rssi %d resets %d", dev.Param(amber.ParamUARTCmdOut), dev.Param(amber.ParamRSSIEnable), dev.Resets())
	}
	if dev.ModeValue() != amber.ModeS2 {
		t.Fatalf("mode value 0x%02X", dev.ModeValue())
	}
	g.receiveEncrypted(t, radio.ModeS1)
	g.sendChecked(t, dev, radio.ModeS1)

	// Bytes that cannot start a frame, right before frames.
	dev.SetNoise(func(Packet) []byte { return []byte{0x00, 0x01, 0x09, 0x02} }, 0)
	g.receiveNumbered(t, 0, 5, radio.ModeS1)
	// Anything, then a pause: half frames, stray FF, a command header
	// announcing more than follows.
	tr, err := amber.Transparent(radio.Frame{Data: modNumbered(t, 250), HasRSSI: true, RSSI: -40})
	if err != nil {
		t.Fatal(err)
	}
	noises := [][]byte{tr[:15], {0xFF, 0x33}, {0xFF, 0x03, 0xF0, 0x44}, {0x37}, tr[:len(tr)-1]}
	k := 0
	dev.SetNoise(func(Packet) []byte { n := noises[k%len(noises)]; k++; return n }, 80*time.Millisecond)
	g.receiveNumbered(t, 10, 10+2*len(noises), radio.ModeS1)

	g.replug(t)
	if dev.Resets() != 1 || dev.CommandOutput() {
		t.Fatalf("resets %d after reconnecting", dev.Resets())
	}
	dev.SetNoise(nil, 0)
	g.receiveNumbered(t, 100, 105, radio.ModeS1)
}

func TestAmberResync(t *testing.T) {
	air := NewAir()
	dev := NewAmber(air)
	ind, err := amber.Indication(radio.Frame{Data: modNumbered(t, 250), HasRSSI: true, RSSI: -40})
	if err != nil {
		t.Fatal(err)
	}
	other := amber.Encode(ind)
	bad := bytes.Clone(other)
	bad[len(bad)-1] ^= 0x5A
	noises := [][]byte{
		{0x01, 0x02, 0x37},       // no FF
		{0xFF, 0x33},             // stray FF
		other[:14],               // half an indication
		bad,                      // checksum mismatch
		{0xFF, 0x03, 0xF0, 0x44}, // a header announcing 240 bytes
		{0xFF},
		other[:len(other)-1], // all but the checksum
	}
	noiseFunc := func() func(Packet) []byte {
		k := 0
		return func(Packet) []byte { n := noises[k%len(noises)]; k++; return n }
	}
	dev.SetNoise(noiseFunc(), 0)
	g := modStartRig(t, air, dev, radio.KindAMB8465, "mode=c1", amberDriver(amber.Options{Gap: 30 * time.Millisecond}))
	g.receiveNumbered(t, 0, 2*len(noises), radio.ModeC1)
	dev.SetNoise(noiseFunc(), 80*time.Millisecond)
	g.receiveNumbered(t, 100, 100+len(noises), radio.ModeC1)
}
