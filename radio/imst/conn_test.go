package imst_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/imst"
	"github.com/meterwire/meterwire/radio/internal/hostlink/hostlinktest"
)

// fakeModule answers the driver's requests over an in-memory pipe with
// what respond returns (raw bytes, so tests can send anything).
func fakeModule(t *testing.T, respond func(m imst.Message) [][]byte) (host, dev net.Conn) {
	t.Helper()
	return hostlinktest.FakeModule(t, imst.Split, imst.Decode, respond)
}

// module is a well-behaved module whose set-configuration answer has the
// given status and whose configuration reads back link mode value mode.
func module(status, mode byte) func(m imst.Message) [][]byte {
	return func(m imst.Message) [][]byte {
		var p []byte
		switch m.ID {
		case imst.DevMgmtGetDeviceInfoReq:
			p = imst.AppendDeviceInfo(nil, imst.DeviceInfo{ModuleType: imst.ModuleIM871A, Firmware: 0x15})
		case imst.DevMgmtSetConfigReq, imst.RadioLinkWMBusMsgReq:
			p = []byte{status}
		case imst.DevMgmtGetConfigReq:
			p = imst.AppendConfig(nil, imst.Config{Flags1: imst.Cfg1LinkMode, LinkMode: mode})
		}
		return [][]byte{imst.Encode(imst.Response(m, p))}
	}
}

func TestOpenRefused(t *testing.T) {
	host, _ := fakeModule(t, module(1, imst.LinkT1))
	_, err := imst.Open(host, imst.Options{Mode: radio.ModeT1, Timeout: time.Second})
	var re *imst.RequestError
	if !errors.Is(err, imst.ErrRefused) || !errors.As(err, &re) || re.Status != 1 || re.Op != "set configuration" || re.Reply == nil {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(err.Error(), "status 0x01") {
		t.Fatalf("message %q", err)
	}
}

func TestOpenTimeout(t *testing.T) {
	host, _ := fakeModule(t, func(imst.Message) [][]byte { return nil })
	start := time.Now()
	_, err := imst.Open(host, imst.Options{Mode: radio.ModeC1, Timeout: 50 * time.Millisecond})
	var re *imst.RequestError
	if !errors.Is(err, imst.ErrTimeout) || !errors.As(err, &re) || re.Op != "ping" || re.Status != -1 {
		t.Fatalf("%v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestOpenModeMismatch(t *testing.T) {
	host, _ := fakeModule(t, module(0, imst.LinkS1))
	_, err := imst.Open(host, imst.Options{Mode: radio.ModeT1})
	if !errors.Is(err, imst.ErrUnexpected) {
		t.Fatalf("%v", err)
	}
}

func TestOpenUnsupportedMode(t *testing.T) {
	host, _ := fakeModule(t, module(0, 0))
	if _, err := imst.Open(host, imst.Options{Mode: radio.ModeF2}); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatalf("%v", err)
	}
}

func TestReceiveThenPortFailure(t *testing.T) {
	host, dev := fakeModule(t, module(0, imst.LinkC1a))
	c, err := imst.Open(host, imst.Options{Mode: radio.ModeC1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.DeviceInfo().ModuleType != imst.ModuleIM871A || c.Mode() != radio.ModeC1 {
		t.Fatalf("%+v %v", c.DeviceInfo(), c.Mode())
	}
	data := bytes.Repeat([]byte{0x44}, 20)
	data[0] = 19
	m, _ := imst.Indication(radio.Frame{Data: data, HasRSSI: true, RSSI: -77})
	m.HasTimestamp, m.Timestamp = true, 1234
	// Two indications, split across writes, then the port dies.
	b := append(imst.Encode(m), imst.Encode(m)...)
	dev.Write(b[:7])
	dev.Write(b[7:])
	dev.Close()
	for i := 0; i < 2; i++ {
		f, err := c.Receive()
		if err != nil || !bytes.Equal(f.Data, data) || f.RSSI != -77 || f.Mode != radio.ModeC1 || f.Time.IsZero() {
			t.Fatalf("%d: %+v %v", i, f, err)
		}
	}
	if _, err := c.Receive(); err == nil || errors.Is(err, imst.ErrClosed) {
		t.Fatalf("after port failure: %v", err)
	}
	if err := c.Send(data); err == nil {
		t.Fatal("send on a dead port")
	}
}

func TestCloseUnblocks(t *testing.T) {
	host, _ := fakeModule(t, module(0, imst.LinkC1a))
	c, err := imst.Open(host, imst.Options{Mode: radio.ModeC1})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Receive(); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, imst.ErrClosed) {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Receive still blocked after Close")
	}
	if err := c.Send(make([]byte, 3)); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	frame := make([]byte, 12)
	frame[0] = 11
	if err := c.Send(frame); !errors.Is(err, imst.ErrClosed) {
		t.Fatal(err)
	}
}
