package receiver

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/rtlwmbus"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/wmbus"
)

// The test key of the wM-Bus meter the tests build frames for, and the
// published key of the Luxembourg smarty seed frame.
var (
	meterKey  = mustHex("0102030405060708090A0B0C0D0E0F11")
	smartyKey = mustHex("AEBD21B769A6D13C0DF064E383682EFF")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// meterFrame builds frame number id (0-255): a TPL mode 5 encrypted frame
// without CRCs whose access number is id.
func meterFrame(t testing.TB, id int) []byte {
	t.Helper()
	payload := append([]byte{0x04, 0x13}, binary.LittleEndian.AppendUint32(nil, uint32(id))...)
	f, err := wmbus.AppendFrame(nil, &wmbus.Spec{
		C:       0x44,
		Link:    wmbus.Address{Manufacturer: 0x2C2D, ID: 0x12345678, Version: 1, Type: 7},
		TPL:     wmbus.TPLSpec{CI: 0x7A, ACC: byte(id), Security: 5},
		Payload: payload,
		Key:     meterKey,
		Format:  wmbus.FormatNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// frameID decrypts a frame built by meterFrame and returns its id.
func frameID(t testing.TB, d *wmbus.Decoder, f radio.Frame) int {
	t.Helper()
	tg, err := d.Decode(f.Data)
	if err != nil || tg.Security.Status != wmbus.StatusDecrypted {
		t.Fatalf("% X: %v", f.Data, err)
	}
	return int(tg.TPL.ACC)
}

func newDecoder() *wmbus.Decoder {
	return &wmbus.Decoder{Format: wmbus.FormatNone, Keys: wmbus.StaticKey(meterKey)}
}

func start(t *testing.T, addr string) *Receiver {
	t.Helper()
	d, err := radio.ParseDevice(addr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(d, Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func next(t *testing.T, r *Receiver) radio.Frame {
	t.Helper()
	select {
	case f, ok := <-r.Frames():
		if !ok {
			t.Fatalf("frames closed; state %+v", r.State())
		}
		return f
	case <-time.After(5 * time.Second):
		t.Fatalf("no frame; state %+v", r.State())
	}
	return radio.Frame{}
}

// quiet checks that no frame arrives for a while.
func quiet(t *testing.T, r *Receiver) {
	t.Helper()
	select {
	case f, ok := <-r.Frames():
		if ok {
			t.Fatalf("unexpected frame % X", f.Data)
		}
	case <-time.After(100 * time.Millisecond):
	}
}

// all reads a finite input to its end.
func all(t *testing.T, r *Receiver) []radio.Frame {
	t.Helper()
	var fs []radio.Frame
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-r.Frames():
			if !ok {
				if !r.State().Done {
					t.Fatalf("frames closed, not done: %+v", r.State())
				}
				return fs
			}
			fs = append(fs, f)
		case <-timeout:
			t.Fatalf("input did not end; state %+v", r.State())
		}
	}
}

func waitState(t *testing.T, r *Receiver, what string, ok func(State) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(r.State()) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, r.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func reconnected(n int) func(State) bool {
	return func(s State) bool { return s.Connected && s.Reconnects >= n }
}

func disconnected(s State) bool { return !s.Connected }

// A CUL stick on a pty: configured, frames received and decrypted, pulled
// out and plugged in again; frames sent after recovery arrive, none twice.
func TestCULUnplugPlug(t *testing.T) {
	air := sim.NewAir()
	stick := sim.NewCUL(air)
	s, err := sim.NewStick(filepath.Join(t.TempDir(), "ttyACM0"), stick)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := start(t, "cul:"+s.Path()+"?mode=t1")
	waitState(t, r, "connect", reconnected(0))
	d := newDecoder()
	id := 0
	send := func(n int) {
		for range n {
			air.Transmit(sim.Packet{Frame: radio.Frame{Data: meterFrame(t, id), Mode: radio.ModeT1, RSSI: -60, HasRSSI: true}})
			id++
		}
	}
	expect := func(from, to int) {
		t.Helper()
		for want := from; want < to; want++ {
			f := next(t, r)
			if got := frameID(t, d, f); got != want || f.RSSI != -60 || f.Mode != radio.ModeT1 {
				t.Fatalf("frame %d: id %d %+v", want, got, f)
			}
		}
	}
	send(5)
	expect(0, 5)
	if err := stick.Inject([]byte("\x00\xff\r\nb2E44931578\r\nnoise")); err != nil {
		t.Fatal(err)
	}
	if err := stick.Inject([]byte("\r\n")); err != nil {
		t.Fatal(err)
	}
	send(5)
	expect(5, 10)

	s.Unplug()
	waitState(t, r, "disconnect", disconnected)
	send(3) // on the air while unplugged: nobody hears them
	id = 100
	if err := s.Plug(); err != nil {
		t.Fatal(err)
	}
	waitState(t, r, "reconnect", reconnected(1))
	if stick.Mode() != radio.ModeT1 {
		t.Fatalf("stick not configured again: %v", stick.Mode())
	}
	send(10)
	expect(100, 110)
	quiet(t, r)
	if st := r.State(); st.Frames != 20 {
		t.Fatalf("%d frames counted, want 20", st.Frames)
	}
	if err := r.Send(meterFrame(t, 1)); err != nil {
		t.Fatalf("send in T mode: %v", err)
	}
}

// textTelegram is the DSMR 5 example telegram with the import energy set
// to id kWh and the CRC computed again.
func textTelegram(t testing.TB, id int) []byte {
	t.Helper()
	b, err := os.ReadFile("../../dsmr/testdata/dsmr_parser__TELEGRAM_V5.txt")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("1-0:1.8.1(000004.426*kWh)"), fmt.Appendf(nil, "1-0:1.8.1(%06d.000*kWh)", id), 1)
	end := bytes.LastIndexByte(b, '!')
	b = fmt.Appendf(b[:end+1], "%04X\r\n", crc16.Checksum(b[:end+1], crc16.ARC))
	return b
}

var smartyTitle = [8]byte{0x53, 0x41, 0x47, 0x67, 0x70, 0x01, 0x5B, 0xEB}

// smartyFrame encrypts the smarty seed telegram as its meter would, with
// frame counter fc.
func smartyFrame(t testing.TB, plain []byte, fc uint32) []byte {
	t.Helper()
	b, err := dlms.AppendCiphered(nil, &dlms.Seal{SystemTitle: smartyTitle, FC: fc, Key: smartyKey, AK: dlms.SmartyAK}, plain)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const fcBase = 0x4E914 // the seed frame's counter

// unitID decodes a P1 unit of the mixed meter: a smarty frame (id = FC -
// fcBase) or a text telegram (id = import energy). A replayed or
// duplicated frame fails here (frame counters must increase).
func unitID(t *testing.T, d *p1.Decoder, f radio.Frame) int {
	t.Helper()
	if !f.P1 {
		t.Fatalf("not a P1 unit: %+v", f)
	}
	res, err := d.Decode(f.Data)
	if err != nil {
		t.Fatalf("%q: %v", f.Data[:min(40, len(f.Data))], err)
	}
	if res.Encrypted {
		if res.Security.Status != "decrypted" || res.Security.Auth != dlms.AuthVerified {
			t.Fatalf("%+v", res.Security)
		}
		return int(res.Security.FC - fcBase)
	}
	v, ok := res.Telegram.Get("1-0:1.8.1").Number()
	if !ok || !res.Telegram.CRC.OK {
		t.Fatalf("telegram without 1-0:1.8.1 or CRC")
	}
	return int(v)
}

// mixedMeter writes, unit by unit: the real smarty seed frame first, then
// smarty frames and DSMR text telegrams in turn, with noise, half
// telegrams and frames cut short in between. Every whole unit has the id
// next; units cut short have none.
func mixedMeter(t testing.TB) func() []byte {
	seed, err := os.ReadFile("../../dlms/testdata/smarty_tutorial_frame.bin")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("../../dlms/testdata/smarty_tutorial_plain.txt")
	if err != nil {
		t.Fatal(err)
	}
	id := 0
	return func() []byte {
		defer func() { id++ }()
		switch {
		case id == 0:
			return seed
		case id%4 == 1:
			return smartyFrame(t, plain, fcBase+uint32(id))
		case id%4 == 2:
			half := textTelegram(t, 9999)[:70]
			return append(append([]byte("\x00\xfe noise!\r\n"), half...), textTelegram(t, id)...)
		case id%4 == 3:
			cut := smartyFrame(t, plain, fcBase+uint32(id))[:200]
			return append(cut, smartyFrame(t, plain, fcBase+uint32(id))...)
		}
		return textTelegram(t, id)
	}
}

// A P1 port on a pty with a meter that mixes smarty frames and text
// telegrams, noise and units cut short: every whole unit arrives and
// decodes (smarty frames with the published key), also after the cable
// was pulled and plugged in again, and none arrives twice.
func TestP1UnplugPlug(t *testing.T) {
	var written atomic.Int32
	gen := mixedMeter(t)
	meter := sim.NewP1(func() []byte { written.Add(1); return gen() }, 5*time.Millisecond)
	s, err := sim.NewStick(filepath.Join(t.TempDir(), "ttyUSB0"), meter)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := start(t, "p1:"+s.Path()+"?preset=dsmr5")
	d := &p1.Decoder{Key: smartyKey}
	for want := 0; want < 12; want++ {
		if got := unitID(t, d, next(t, r)); got != want {
			t.Fatalf("unit %d: got id %d", want, got)
		}
	}
	s.Unplug()
	waitState(t, r, "disconnect", disconnected)
	last := 11
	for {
		select {
		case f := <-r.Frames():
			id := unitID(t, d, f)
			if id <= last {
				t.Fatalf("id %d after %d", id, last)
			}
			last = id
			continue
		default:
		}
		break
	}
	if err := s.Plug(); err != nil {
		t.Fatal(err)
	}
	waitState(t, r, "reconnect", reconnected(1))
	first := -1
	for i := 0; i < 12; i++ {
		id := unitID(t, d, next(t, r))
		if first < 0 {
			first = id
		}
		if id <= last || id != first+i {
			t.Fatalf("after replug: id %d (last before %d, first after %d)", id, last, first)
		}
	}
	t.Logf("meter wrote %d units, %d received", written.Load(), r.State().Frames)
}

// bridge is a ser2net-like TCP server: a client connects and gets what the
// test writes; it can be stopped and started again on the same port.
type bridge struct {
	t     *testing.T
	addr  string
	mu    sync.Mutex
	ln    net.Listener
	conns chan net.Conn
	open  []net.Conn
}

func newBridge(t *testing.T) *bridge {
	b := &bridge{t: t, addr: "127.0.0.1:0", conns: make(chan net.Conn, 4)}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *bridge) start() {
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.ln, b.addr = ln, ln.Addr().String()
	b.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.open = append(b.open, c)
			b.mu.Unlock()
			b.conns <- c
		}
	}()
}

func (b *bridge) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ln.Close()
	for _, c := range b.open {
		c.Close()
	}
	b.open = nil
}

func (b *bridge) client() net.Conn {
	b.t.Helper()
	select {
	case c := <-b.conns:
		return c
	case <-time.After(5 * time.Second):
		b.t.Fatal("nobody connected")
	}
	return nil
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

// hex+tcp: hex lines with and without CRCs, comments and noise; the server
// goes away in the middle of a line and comes back.
func TestHexTCPServerRestart(t *testing.T) {
	b := newBridge(t)
	r := start(t, "hex+tcp://"+b.addr)
	d := newDecoder()
	c := b.client()
	line := func(id int) string {
		f := meterFrame(t, id)
		if id%2 == 1 {
			f, _ = wmbus.AppendCRC(nil, f, wmbus.FormatA)
		}
		return hex.EncodeToString(f) + "\r\n"
	}
	write(t, c, "# meter 12345678\n")
	for id := range 5 {
		write(t, c, line(id)+"garbage line\n")
	}
	for want := range 5 {
		if got := frameID(t, d, next(t, r)); got != want {
			t.Fatalf("got %d want %d", got, want)
		}
	}
	write(t, c, line(5)[:30]) // half a line, then the server stops
	time.Sleep(20 * time.Millisecond)
	b.stop()
	waitState(t, r, "disconnect", disconnected)
	b.start()
	c = b.client()
	waitState(t, r, "reconnect", reconnected(1))
	for id := 10; id < 20; id++ {
		write(t, c, line(id))
	}
	for want := 10; want < 20; want++ {
		if got := frameID(t, d, next(t, r)); got != want {
			t.Fatalf("got %d want %d", got, want)
		}
	}
	quiet(t, r)
	if err := r.Send(meterFrame(t, 1)); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatal(err)
	}
}

// p1+tcp through a ser2net bridge that restarts: text telegrams and
// smarty frames, with a telegram cut off by the restart.
func TestP1TCPServerRestart(t *testing.T) {
	b := newBridge(t)
	r := start(t, "p1+tcp://"+b.addr)
	d := &p1.Decoder{Key: smartyKey}
	gen := mixedMeter(t)
	c := b.client()
	for range 8 {
		write(t, c, string(gen()))
	}
	for want := range 8 {
		if got := unitID(t, d, next(t, r)); got != want {
			t.Fatalf("got %d want %d", got, want)
		}
	}
	write(t, c, string(textTelegram(t, 50)[:100]))
	time.Sleep(20 * time.Millisecond)
	b.stop()
	waitState(t, r, "disconnect", disconnected)
	b.start()
	c = b.client()
	for range 8 {
		write(t, c, string(gen()))
	}
	for want := 8; want < 16; want++ {
		if got := unitID(t, d, next(t, r)); got != want {
			t.Fatalf("got %d want %d", got, want)
		}
	}
	quiet(t, r)
}

func TestHexFileAndStdin(t *testing.T) {
	var text strings.Builder
	text.WriteString("# a capture\n\n")
	for id := range 10 {
		fmt.Fprintf(&text, "0x%s  # frame %d\n", hex.EncodeToString(meterFrame(t, id)), id)
		if id == 4 {
			text.WriteString("zz not hex\n1E44\n")
		}
	}
	file := filepath.Join(t.TempDir(), "frames.hex")
	if err := os.WriteFile(file, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(fs []radio.Frame) {
		t.Helper()
		d := newDecoder()
		if len(fs) != 10 {
			t.Fatalf("%d frames", len(fs))
		}
		for i, f := range fs {
			if id := frameID(t, d, f); id != i {
				t.Fatalf("frame %d: id %d", i, id)
			}
		}
	}
	check(all(t, start(t, "hex:"+file)))

	old := Stdin
	defer func() { Stdin = old }()
	Stdin = strings.NewReader(text.String())
	check(all(t, start(t, "hex:stdin")))
}

func TestRawFile(t *testing.T) {
	var capture []byte
	for id := range 10 {
		format := wmbus.FormatA
		if id%3 == 2 {
			format = wmbus.FormatB
		}
		f, err := wmbus.AppendCRC(nil, meterFrame(t, id), format)
		if err != nil {
			t.Fatal(err)
		}
		if id == 6 {
			capture = append(capture, f[:20]...) // cut short
			capture = append(capture, 0xFF, 0x00)
		}
		capture = append(capture, f...)
	}
	file := filepath.Join(t.TempDir(), "capture.raw")
	if err := os.WriteFile(file, capture, 0o600); err != nil {
		t.Fatal(err)
	}
	fs := all(t, start(t, "raw:"+file))
	d := newDecoder()
	if len(fs) != 10 {
		t.Fatalf("%d frames", len(fs))
	}
	for i, f := range fs {
		if id := frameID(t, d, f); id != i {
			t.Fatalf("frame %d: id %d", i, id)
		}
	}
}

func TestP1File(t *testing.T) {
	gen := mixedMeter(t)
	var capture []byte
	for range 10 {
		capture = append(capture, gen()...)
	}
	capture = append(capture, textTelegram(t, 77)[:50]...) // the capture ends in a telegram
	file := filepath.Join(t.TempDir(), "p1.bin")
	if err := os.WriteFile(file, capture, 0o600); err != nil {
		t.Fatal(err)
	}
	fs := all(t, start(t, "p1:"+file))
	d := &p1.Decoder{Key: smartyKey}
	if len(fs) != 10 {
		t.Fatalf("%d units", len(fs))
	}
	for i, f := range fs {
		if id := unitID(t, d, f); id != i {
			t.Fatalf("unit %d: id %d", i, id)
		}
	}
}

func rtlLine(t *testing.T, id int) string {
	l, err := rtlwmbus.FormatLine(rtlwmbus.Line{Mode: radio.ModeC1, CRCOK: true, ThreeOfSix: true, Time: time.Now(), PacketRSSI: 100, CurrentRSSI: 90, Frame: meterFrame(t, id)})
	if err != nil {
		t.Fatal(err)
	}
	return l + "\n"
}

// rtlwmbus:?cmd=...: the command's output is read as it comes; lines with
// CRC errors are skipped.
func TestRTLWMBusCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rtl_wmbus.out")
	var out strings.Builder
	for id := range 5 {
		out.WriteString(rtlLine(t, id))
		out.WriteString(strings.Replace(rtlLine(t, 200), "C1;1;1", "C1;0;1", 1))
	}
	if err := os.WriteFile(file, []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := start(t, "rtlwmbus:?cmd="+url.QueryEscape("exec tail -n +1 -f "+file))
	d := newDecoder()
	for want := range 5 {
		f := next(t, r)
		if got := frameID(t, d, f); got != want || f.Mode != radio.ModeC1 {
			t.Fatalf("got %d want %d (%v)", got, want, f.Mode)
		}
	}
	fh, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for id := 5; id < 8; id++ {
		fh.WriteString(rtlLine(t, id))
	}
	fh.Close()
	for want := 5; want < 8; want++ {
		if got := frameID(t, d, next(t, r)); got != want {
			t.Fatalf("got %d want %d", got, want)
		}
	}
	if err := r.Send(meterFrame(t, 1)); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatal(err)
	}
	r.Close()
	if _, ok := <-r.Frames(); ok {
		t.Fatal("frames after Close")
	}
}

// rtl_wmbus output on stdin ends with the input.
func TestRTLWMBusStdin(t *testing.T) {
	old := Stdin
	defer func() { Stdin = old }()
	Stdin = strings.NewReader(rtlLine(t, 1) + "noise\n" + rtlLine(t, 2))
	fs := all(t, start(t, "rtlwmbus:"))
	if len(fs) != 2 {
		t.Fatalf("%d frames", len(fs))
	}
}

// Send on an input that cannot transmit says so whether the input is
// connected, or has ended (a file read to its end: no connection left to
// ask); a radio module that is away is not connected.
func TestSendReceiveOnlyOrAway(t *testing.T) {
	old := Stdin
	defer func() { Stdin = old }()
	Stdin = strings.NewReader("")
	r := start(t, "hex:stdin")
	all(t, r)
	if err := r.Send(meterFrame(t, 1)); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatalf("ended input: %v", err)
	}

	d, _ := radio.ParseDevice("telit:/dev/ttyNONE")
	r, err := Start(d, Options{MinBackoff: time.Hour, Open: func(radio.Device) (io.ReadWriteCloser, error) {
		return nil, errors.New("no such port")
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Send(meterFrame(t, 1)); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("absent module: %v", err)
	}
}

// The reconnect loop itself, with a port that fails to open at first and
// then breaks: backoff, reconnect counting, no frame lost or repeated.
func TestReconnectLoop(t *testing.T) {
	var opens atomic.Int32
	pipes := make(chan *io.PipeWriter, 4)
	opt := Options{
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
		Open: func(radio.Device) (io.ReadWriteCloser, error) {
			if opens.Add(1) <= 2 {
				return nil, errors.New("not there yet")
			}
			pr, pw := io.Pipe()
			pipes <- pw
			return pipePort{pr}, nil
		},
	}
	d, _ := radio.ParseDevice("hex+tcp://127.0.0.1:1")
	r, err := Start(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Send([]byte{1}); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatal(err)
	}
	dec := newDecoder()
	for round := range 3 {
		pw := <-pipes
		if err := r.WaitConnected(t.Context()); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			fmt.Fprintf(pw, "%x\n", meterFrame(t, round*10+i))
		}
		for i := range 3 {
			if id := frameID(t, dec, next(t, r)); id != round*10+i {
				t.Fatalf("round %d: id %d", round, id)
			}
		}
		pw.CloseWithError(errors.New("cable pulled")) // the next open is the next round's pipe
	}
	waitState(t, r, "reconnect", reconnected(4))
	st := r.State()
	if st.Frames != 9 || st.Reconnects != 4 || opens.Load() != 6 {
		t.Fatalf("%+v", st)
	}
	r.Close()
	if _, ok := <-r.Frames(); ok {
		t.Fatal("frames after Close")
	}
}

type pipePort struct{ *io.PipeReader }

func (pipePort) Write(p []byte) (int, error) { return 0, radio.ErrReceiveOnly }
