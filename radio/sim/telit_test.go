package sim

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/receiver"
	"github.com/meterwire/meterwire/radio/serialport"
	"github.com/meterwire/meterwire/radio/telit"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

// Timing of the Telit tests: the simulated module wants 10 ms of silence
// around "+++", the driver keeps 40 ms (a margin for
// loaded machines).
const (
	telitSimGuard    = 10 * time.Millisecond
	telitDriverGuard = 40 * time.Millisecond
	telitFrameGap    = 10 * time.Millisecond
)

var telitKey = telitHex("000102030405060708090A0B0C0D0E0F")

func telitHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// telitCEN is the meter of the ME70-169 use case: CEN 12345678, version
// 1, device type 7 (water).
var telitCEN = wmbus.Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, Type: 7}

// telitUseCaseSpec is the frame of the Telit ME70-169 use case (examples.txt):
// ELL 0x8F, ENC=1 AES-128-CTR, 1.000 m³, format B on the air; here
// without CRCs, as Frame.Data holds it. acc varies the access number.
func telitUseCaseSpec(acc byte, encrypt bool) *wmbus.Spec {
	m2, _ := wmbus.ParseManufacturer("CEN")
	return &wmbus.Spec{
		C: 0x44, Link: telitCEN,
		ELL: &wmbus.ELLSpec{CI: 0x8F, CC: 0x20, ACC: acc, Addr: wmbus.Address{Manufacturer: m2, ID: 0x87654321, Version: 1, Type: 7},
			Encrypt: encrypt, Minutes: 12345, Session: 3},
		Payload: telitHex("0413E8030000"),
		Key:     telitKey,
		Format:  wmbus.FormatNone,
	}
}

func telitUseCaseFrame(t testing.TB, acc byte, encrypt bool) []byte {
	t.Helper()
	f, err := wmbus.AppendFrame(nil, telitUseCaseSpec(acc, encrypt))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// telitPlainFrame is an unencrypted SND-NR frame (CI 0x78) of meter id with
// one volume record; n makes it unique.
func telitPlainFrame(t testing.TB, id uint32, n int) []byte {
	t.Helper()
	payload := append(telitHex("0413"), byte(n), byte(n>>8), 0, 0)
	f, err := wmbus.AppendFrame(nil, &wmbus.Spec{C: 0x44, Link: wmbus.Address{Manufacturer: 0x0CAE, ID: id, Version: 1, Type: 7},
		Payload: payload, Format: wmbus.FormatNone})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// telitStick plugs a simulated module into a pty in a temporary directory.
func telitStick(t *testing.T, air *Air, opts ...TelitOption) (*Telit, *Stick, radio.Device) {
	t.Helper()
	mod := NewTelit(air, append([]TelitOption{TelitGuard(telitSimGuard)}, opts...)...)
	link := filepath.Join(t.TempDir(), "ttyTELIT")
	s, err := NewStick(link, mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("simulator: %v", err)
		}
	})
	d, err := radio.ParseDevice("telit:" + link + "?mode=n2")
	if err != nil {
		t.Fatal(err)
	}
	return mod, s, d
}

// telitFast fills in the test timing.
func telitFast(o telit.Options) telit.Options {
	o.Guard, o.FrameGap = telitDriverGuard, telitFrameGap
	return o
}

// telitStart runs the real driver on the stick through a Receiver.
func telitStart(t *testing.T, d radio.Device, o telit.Options) *receiver.Receiver {
	t.Helper()
	o = telitFast(o)
	r, err := receiver.Start(d, receiver.Options{
		Driver: func(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
			c, err := telit.Open(port, o)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.WaitConnected(ctx); err != nil {
		t.Fatalf("not connected: %v (%+v)", err, r.State())
	}
	return r
}

func telitRecv(t *testing.T, r *receiver.Receiver) radio.Frame {
	t.Helper()
	select {
	case f, ok := <-r.Frames():
		if !ok {
			t.Fatal("frames closed")
		}
		return f
	case <-time.After(3 * time.Second):
		t.Fatalf("no frame (%+v)", r.State())
	}
	return radio.Frame{}
}

func telitNoMore(t *testing.T, r *receiver.Receiver, wait time.Duration) {
	t.Helper()
	select {
	case f := <-r.Frames():
		t.Fatalf("unexpected frame % X", f.Data)
	case <-time.After(wait):
	}
}

// telitMeterOnAir is a meter transmitting on the air.
func telitMeterOnAir(air *Air, frame []byte, rssi int) {
	air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: radio.ModeN2, RSSI: rssi, HasRSSI: true}, Format: wmbus.FormatB, From: "meter"})
}

func TestTelitConfigure(t *testing.T) {
	air := NewAir()
	mod, _, d := telitStick(t, air)
	if mod.Register(telit.RegMode) != telit.ModeN2Other || mod.Register(telit.RegRxFields) != byte(telit.FieldsHeader) {
		t.Fatalf("factory settings: 400=%d 402=%#x", mod.Register(400), mod.Register(402))
	}
	telitStart(t, d, telit.Options{
		Mode: radio.ModeN1, Role: telit.RoleMeter, Format: wmbus.FormatB,
		TxDefaults: &telit.TxDefaults{C: 0x44, Address: telitCEN, CI: 0x8F},
		Meters:     []telit.Meter{{Address: telitCEN, Key: telitKey, Options: telit.MeterOptions{Add: true, Forward: true, Encryption: true}}},
	})
	want := map[int]byte{
		400: telit.ModeN1Meter, 401: byte(telit.FieldsHeader), 402: byte(telit.FieldsReceive), 453: telit.FrameFormatB,
		410: 0x44, 411: 0xAE, 412: 0x0C, 413: 0x78, 414: 0x56, 415: 0x34, 416: 0x12, 417: 1, 418: 7, 419: 0x8F,
		460: 0x07, 461: 0xAE, 462: 0x0C, 463: 0x78, 468: 7, 470: 0x00, 485: 0x0F,
	}
	for reg, v := range want {
		if got := mod.Register(reg); got != v {
			t.Errorf("register %d = %#x, want %#x", reg, got, v)
		}
	}
	ms := mod.Meters()
	if len(ms) != 1 || ms[0].Address != telitCEN || !bytes.Equal(ms[0].Key, telitKey) || ms[0].Options != (telit.MeterOptions{Add: true, Forward: true, Encryption: true}) {
		t.Errorf("registered meters: %d %+v", len(ms), ms)
	}
}

func TestTelitReceiveAndSend(t *testing.T) {
	air := NewAir()
	_, _, d := telitStick(t, air)
	r := telitStart(t, d, telit.Options{Mode: radio.ModeN2, Role: telit.RoleOther, Format: wmbus.FormatB})

	// receive: an encrypted frame (the module has no key: meterwire
	// decrypts) and a plain one
	enc := telitUseCaseFrame(t, 1, true)
	telitMeterOnAir(air, enc, -75)
	telitMeterOnAir(air, telitPlainFrame(t, 0x11111111, 7), -101)
	air.Transmit(Packet{Frame: radio.Frame{Data: telitPlainFrame(t, 0x22222222, 1), Mode: radio.ModeT1}, From: "t1-meter"}) // not heard in N2

	f := telitRecv(t, r)
	if !bytes.Equal(f.Data, enc) || f.Mode != radio.ModeN2 || !f.HasRSSI || f.RSSI != -75 || !f.HasLQI || f.LQI != 2 || f.Time.IsZero() {
		t.Fatalf("frame %+v", f)
	}
	dec := telegram.Decoder{WMBus: wmbus.Decoder{Format: wmbus.FormatNone, Keys: wmbus.StaticKey(telitKey)}}
	res, err := dec.Decode(f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Telegram.Security.Status != wmbus.StatusDecrypted || mbus.Fields(res.Records)["total_m3"] != 1.0 {
		t.Errorf("decoded %v %v", res.Telegram.Security.Status, mbus.Fields(res.Records))
	}
	if _, err := (&wmbus.Decoder{Format: wmbus.FormatNone, Keys: wmbus.StaticKey(telitHex("FF0102030405060708090A0B0C0D0E0F"))}).Decode(f.Data); !errors.Is(err, wmbus.ErrWrongKey) {
		t.Errorf("wrong key: %v", err)
	}
	f = telitRecv(t, r)
	if !bytes.Equal(f.Data, telitPlainFrame(t, 0x11111111, 7)) || f.RSSI != -101 || f.LQI != 0 {
		t.Fatalf("frame %+v", f)
	}
	telitNoMore(t, r, 50*time.Millisecond)

	// send: the module transmits the frame in N2, format B
	heard, stop := air.Listen(radio.ModeUnknown, "probe")
	defer stop()
	out := telitPlainFrame(t, 0x33333333, 9)
	if err := r.Send(out); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-heard:
		if !bytes.Equal(p.Frame.Data, out) || p.Frame.Mode != radio.ModeN2 || p.Format != wmbus.FormatB {
			t.Errorf("on the air: % X %v %v", p.Frame.Data, p.Frame.Mode, p.Format)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nothing on the air")
	}
}

// telitWaitReconnected waits until r has reconnected n times and is connected.
func telitWaitReconnected(t *testing.T, r *receiver.Receiver, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := r.State()
		if st.Connected && st.Reconnects >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reconnected: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTelitUnplugPlug(t *testing.T) {
	air := NewAir()
	mod, stick, d := telitStick(t, air)
	r := telitStart(t, d, telit.Options{Mode: radio.ModeN2, Role: telit.RoleOther})
	seen := map[string]int{}
	collect := func(n int) {
		for range n {
			seen[hex.EncodeToString(telitRecv(t, r).Data)]++
		}
	}
	for i := range 3 {
		telitMeterOnAir(air, telitPlainFrame(t, 0x44444444, i), -60)
	}
	collect(3)

	stick.Unplug()
	telitMeterOnAir(air, telitPlainFrame(t, 0x44444444, 100), -60) // nobody hears it
	time.Sleep(50 * time.Millisecond)
	if err := stick.Plug(); err != nil {
		t.Fatal(err)
	}
	telitWaitReconnected(t, r, 1)
	if mod.Register(telit.RegRxFields) != byte(telit.FieldsReceive) {
		t.Errorf("register 402 after replug: %#x", mod.Register(telit.RegRxFields))
	}
	for i := 3; i < 8; i++ {
		telitMeterOnAir(air, telitPlainFrame(t, 0x44444444, i), -60)
	}
	collect(5)
	telitNoMore(t, r, 100*time.Millisecond)
	if len(seen) != 8 {
		t.Errorf("%d distinct frames, want 8", len(seen))
	}
	for i := range 8 {
		if n := seen[hex.EncodeToString(telitPlainFrame(t, 0x44444444, i))]; n != 1 {
			t.Errorf("frame %d received %d times", i, n)
		}
	}
	if st := r.State(); st.Frames != 8 || st.Reconnects != 1 {
		t.Errorf("state %+v", st)
	}
}

func TestTelitResync(t *testing.T) {
	air := NewAir()
	mod, _, d := telitStick(t, air)
	r := telitStart(t, d, telit.Options{Mode: radio.ModeN2, Role: telit.RoleOther})
	enc := func(frame []byte) []byte {
		b, err := telit.AppendReceive(nil, frame, telit.FieldsReceive, 3, -60, 0)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	half := enc(telitUseCaseFrame(t, 99, true))[:15]
	noise := [][]byte{
		[]byte("OK\r"),
		{0x00, 0x05, 0x09},
		half,                           // a frame cut short
		{0x2A},                         // a lone length byte
		append(half[:5:5], half...),    // two starts of frames
		{0xFF, 0x44, 0x12, 0x34},       // length 255 with a valid C field
		bytes.Repeat([]byte{0x44}, 40), // a run of plausible bytes
	}
	var want [][]byte
	for i, n := range noise {
		if err := mod.Inject(n); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * telitFrameGap) // a pause: the next frame starts a burst
		f := telitPlainFrame(t, 0x55555555, i)
		want = append(want, f)
		telitMeterOnAir(air, f, -60)
		time.Sleep(2 * telitFrameGap)
	}
	// noise right before a frame, in the same burst, and a frame
	// directly after another
	f1, f2 := telitPlainFrame(t, 0x55555555, 1000), telitUseCaseFrame(t, 5, true)
	if err := mod.Inject(append(append([]byte{0x00, 0x05, 0x09, 0x01}, enc(f1)...), enc(f2)...)); err != nil {
		t.Fatal(err)
	}
	want = append(want, f1, f2)
	for i, w := range want {
		if f := telitRecv(t, r); !bytes.Equal(f.Data, w) {
			t.Fatalf("frame %d: % X, want % X", i, f.Data, w)
		}
	}
	telitNoMore(t, r, 100*time.Millisecond)
}

func TestTelitRegisterErrors(t *testing.T) {
	open := func(d radio.Device, o telit.Options) error {
		port, err := serialport.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		c, err := telit.Open(port, telitFast(o))
		if err == nil {
			c.Close()
		}
		return err
	}
	t.Run("refused", func(t *testing.T) {
		_, _, d := telitStick(t, NewAir(), TelitReadOnly(telit.RegRxFields))
		err := open(d, telit.Options{Mode: radio.ModeN2})
		var re *telit.RegisterError
		if !errors.As(err, &re) || re.Reg != 402 || !errors.Is(err, telit.ErrMismatch) {
			t.Fatalf("%v", err)
		}
		t.Log(err)
	})
	t.Run("key", func(t *testing.T) {
		_, _, d := telitStick(t, NewAir(), TelitReadOnly(475))
		err := open(d, telit.Options{Mode: radio.ModeN2, Meters: []telit.Meter{{Address: telitCEN, Key: telitKey, Options: telit.MeterOptions{Add: true, Encryption: true}}}})
		var re *telit.RegisterError
		if !errors.As(err, &re) || re.Reg != 475 || !strings.Contains(err.Error(), "not shown") || strings.Contains(err.Error(), " 5") {
			t.Fatalf("%v", err)
		}
		t.Log(err)
	})
	t.Run("rejected", func(t *testing.T) {
		_, _, d := telitStick(t, NewAir())
		err := open(d, telit.Options{Mode: radio.ModeC1}) // 10: the module takes it, register 400 allows 0-17
		if err != nil {
			t.Fatal(err)
		}
		port, err := serialport.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		c, err := telit.Open(port, telitFast(telit.Options{NoConfig: true}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.WriteRegister(telit.RegMode, 40)
		if !errors.Is(err, telit.ErrRejected) || !strings.Contains(err.Error(), "register 400") {
			t.Fatalf("%v", err)
		}
		if v, err := c.ReadRegister(telit.RegMode); err != nil || v != telit.ModeC1Meter {
			t.Fatalf("400 = %d, %v", v, err)
		}
	})
	t.Run("silent", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "ttySILENT")
		s, err := NewStick(link, telitSilent{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		d, _ := radio.ParseDevice("telit:" + link)
		o := telit.Options{Mode: radio.ModeN2, Timeout: 50 * time.Millisecond}
		if err := open(d, o); !errors.Is(err, telit.ErrNoAnswer) || !strings.Contains(err.Error(), "+++") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("mute after escape", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "ttyMUTE")
		s, err := NewStick(link, telitOKOnly{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		d, _ := radio.ParseDevice("telit:" + link)
		err = open(d, telit.Options{Mode: radio.ModeN2, Timeout: 200 * time.Millisecond})
		var re *telit.RegisterError
		if !errors.As(err, &re) || re.Reg != 453 || re.Op != "read" || !errors.Is(err, telit.ErrNoAnswer) {
			t.Fatalf("%v", err)
		}
		t.Log(err)
	})
}

// telitSilent is a device that never answers.
type telitSilent struct{}

func (telitSilent) Serve(ctx context.Context, p io.ReadWriter) error {
	_, err := io.Copy(io.Discard, p)
	return err
}

// telitOKOnly answers "+++" and nothing else.
type telitOKOnly struct{}

func (telitOKOnly) Serve(ctx context.Context, p io.ReadWriter) error {
	buf := make([]byte, 64)
	for {
		n, err := p.Read(buf)
		if err != nil {
			return err
		}
		if bytes.Contains(buf[:n], []byte("+++")) {
			if _, err := p.Write([]byte("OK\r")); err != nil {
				return err
			}
		}
	}
}

// TestTelitEchoAndStuckInAT: a module that echoes commands, left in AT
// mode by a host that went away, is configured all the same.
func TestTelitEchoAndStuckInAT(t *testing.T) {
	_, _, d := telitStick(t, NewAir(), TelitEcho())
	port, err := serialport.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(telitDriverGuard)
	port.Write([]byte("+++"))
	buf := make([]byte, 3)
	if _, err := io.ReadFull(port, buf); err != nil || string(buf) != "OK\r" {
		t.Fatalf("%q %v", buf, err)
	}
	port.Close() // gone without ATO

	port, err = serialport.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := telit.Open(port, telitFast(telit.Options{Mode: radio.ModeN1, Role: telit.RoleOther, Timeout: 300 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, err := c.ReadRegister(telit.RegMode); err != nil || v != telit.ModeN1Other {
		t.Fatalf("400 = %d, %v", v, err)
	}
	if m, r := c.Mode(); m != radio.ModeN1 || r != telit.RoleOther {
		t.Errorf("mode %v %v", m, r)
	}
}

// TestTelitEndToEnd is the first document's case: two Telit modules on
// one air, module 1 an N2 meter sending format B, module 2 an N2
// receiver.
func TestTelitEndToEnd(t *testing.T) {
	key := wmbus.StaticKey(telitKey)
	setup := func(t *testing.T, m1, m2 []telit.Meter) (r1, r2 *receiver.Receiver, heard <-chan Packet) {
		air := NewAir()
		_, _, d1 := telitStick(t, air)
		_, _, d2 := telitStick(t, air)
		r1 = telitStart(t, d1, telit.Options{Mode: radio.ModeN2, Role: telit.RoleMeter, Format: wmbus.FormatB, Meters: m1})
		r2 = telitStart(t, d2, telit.Options{Mode: radio.ModeN2, Role: telit.RoleOther, Meters: m2})
		heard, stop := air.Listen(radio.ModeN2, "probe")
		t.Cleanup(stop)
		return r1, r2, heard
	}
	onAir := func(t *testing.T, heard <-chan Packet) Packet {
		t.Helper()
		select {
		case p := <-heard:
			return p
		case <-time.After(3 * time.Second):
			t.Fatal("nothing on the air")
		}
		return Packet{}
	}
	reading := func(t *testing.T, dec *telegram.Decoder, frame []byte, status wmbus.Status) {
		t.Helper()
		res, err := dec.Decode(frame)
		if err != nil {
			t.Fatal(err)
		}
		fields := mbus.Fields(res.Records)
		t.Logf("%s %s: security %s, %v", res.Telegram.Link.ManufacturerCode(), res.Telegram.Link.IDString(), res.Telegram.Security.Status, fields)
		if res.Telegram.Security.Status != status || fields["total_m3"] != 1.0 || res.Telegram.Link != telitCEN {
			t.Errorf("status %v, fields %v, meter %v", res.Telegram.Security.Status, fields, res.Telegram.Link)
		}
	}

	t.Run("host encrypts", func(t *testing.T) {
		r1, r2, heard := setup(t, nil, nil)
		frame := telitUseCaseFrame(t, 1, true)
		if err := r1.Send(frame); err != nil {
			t.Fatal(err)
		}
		if p := onAir(t, heard); !bytes.Equal(p.Frame.Data, frame) || p.Format != wmbus.FormatB {
			t.Errorf("on the air: % X format %v", p.Frame.Data, p.Format)
		}
		// format B on the air is the use case's frame of examples.txt
		if b, _ := wmbus.AppendCRC(nil, frame, wmbus.FormatB); fmt.Sprintf("%X", b) != "2344AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC277838" {
			t.Errorf("format B: %X", b)
		}
		f := telitRecv(t, r2)
		if !bytes.Equal(f.Data, frame) {
			t.Fatalf("received % X", f.Data)
		}
		reading(t, &telegram.Decoder{WMBus: wmbus.Decoder{Format: wmbus.FormatNone, Keys: key}}, f.Data, wmbus.StatusDecrypted)
	})

	t.Run("modules encrypt and decrypt", func(t *testing.T) {
		opts := telit.MeterOptions{Add: true, Forward: true, Encryption: true}
		m := []telit.Meter{{Address: telitCEN, Key: telitKey, Options: opts}}
		r1, r2, heard := setup(t, m, m)
		plain := telitUseCaseFrame(t, 1, false) // ELL 8F with ENC=0
		if err := r1.Send(plain); err != nil {
			t.Fatal(err)
		}
		// module 1 put the encrypted frame on the air: the same bytes the
		// host builds with ENC=1
		p := onAir(t, heard)
		if want := telitUseCaseFrame(t, 1, true); !bytes.Equal(p.Frame.Data, want) {
			t.Errorf("on the air % X\nwant       % X", p.Frame.Data, want)
		}
		reading(t, &telegram.Decoder{WMBus: wmbus.Decoder{Format: wmbus.FormatNone, Keys: key}}, p.Frame.Data, wmbus.StatusDecrypted)
		// module 2 decrypted it: meterwire, without a key, sees ENC set
		// and a plaintext payload
		f := telitRecv(t, r2)
		reading(t, &telegram.Decoder{WMBus: wmbus.Decoder{Format: wmbus.FormatNone}}, f.Data, wmbus.StatusAlreadyPlain)
		if f.Data[24]>>5 != 1 { // the last SN byte holds ENC
			t.Errorf("ENC cleared: % X", f.Data)
		}
	})
}

func FuzzParseTelitCommand(f *testing.F) {
	for _, s := range []string{"AT", "ATO", "atr", "ATS400?", "ATS400=16", "ATS485=255", "ATS400=256", "ATS4000=1", "ATS40?", "ATS-01=1", "ATS400=+1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := parseTelitCommand(b)
		switch c.kind {
		case 0, 'A', 'O', 'R':
		case '?', '=':
			if c.reg < 0 || c.reg > telit.MaxRegister || c.value < 0 || c.value > 255 {
				t.Fatalf("%q: %+v", b, c)
			}
			if c.kind == '=' {
				back := parseTelitCommand(telit.AppendWriteRegister(nil, c.reg, byte(c.value))[:len(telit.AppendWriteRegister(nil, c.reg, byte(c.value)))-1])
				if back != c {
					t.Fatalf("%q: %+v, back %+v", b, c, back)
				}
			}
		default:
			t.Fatalf("%q: kind %q", b, c.kind)
		}
	})
}

// TestTelitTxDefaults: the host sends only L and CI; the module takes C,
// M and A from registers 410-418. Without the length byte, a pause ends
// the frame.
func TestTelitTxDefaults(t *testing.T) {
	air := NewAir()
	_, _, d := telitStick(t, air)
	heard, stop := air.Listen(radio.ModeUnknown, "probe")
	defer stop()
	r := telitStart(t, d, telit.Options{Mode: radio.ModeN1, Role: telit.RoleMeter, TxFields: telit.FieldL | telit.FieldCI,
		TxDefaults: &telit.TxDefaults{C: 0x46, Address: telitCEN, CI: 0x8F}})
	frame := telitPlainFrame(t, 0x99999999, 1) // C 44, ID 99999999: replaced
	if err := r.Send(frame); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(frame)
	want[1] = 0x46
	copy(want[4:8], []byte{0x78, 0x56, 0x34, 0x12})
	select {
	case p := <-heard:
		if !bytes.Equal(p.Frame.Data, want) || p.Frame.Mode != radio.ModeN1 || p.Format != wmbus.FormatA {
			t.Errorf("on the air % X (%v %v)\nwant       % X", p.Frame.Data, p.Frame.Mode, p.Format, want)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nothing on the air")
	}
	r.Close()

	// a host without the length byte: frames end at a pause
	port, err := serialport.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	time.Sleep(telitDriverGuard)
	port.Write([]byte("+++"))
	buf := make([]byte, 64)
	io.ReadFull(port, buf[:3])
	port.Write([]byte("ATS401=30\rATO\r"))
	if _, err := io.ReadFull(port, buf[:6]); err != nil || string(buf[:6]) != "OK\rOK\r" {
		t.Fatalf("%q %v", buf[:6], err)
	}
	port.Write(frame[1:])
	select {
	case p := <-heard:
		if !bytes.Equal(p.Frame.Data, frame) {
			t.Errorf("on the air % X\nwant       % X", p.Frame.Data, frame)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nothing on the air")
	}
}
