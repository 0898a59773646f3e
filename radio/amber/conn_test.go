package amber_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/amber"
	"github.com/meterwire/meterwire/radio/internal/hostlink/hostlinktest"
)

// fakeModule answers the driver's commands over an in-memory pipe with what
// respond returns.
func fakeModule(t *testing.T, respond func(c amber.Command) [][]byte) (host, dev net.Conn) {
	t.Helper()
	return hostlinktest.FakeModule(t, amber.Split, amber.Decode, respond)
}

// module has command output and RSSI on already; set-mode answers with
// modeStatus.
func module(modeStatus byte) func(c amber.Command) [][]byte {
	return func(c amber.Command) [][]byte {
		var p []byte
		switch c.Cmd {
		case amber.CmdFWVReq:
			p = []byte{2, 0, 6}
		case amber.CmdSerialNoReq:
			p = []byte{0x01, 0x02, 0x03, 0x04}
		case amber.CmdGetReq:
			p = []byte{c.Payload[0], 1, 1}
		case amber.CmdSetModeReq:
			p = []byte{modeStatus}
		default:
			p = []byte{0}
		}
		return [][]byte{amber.Encode(amber.Confirm(c, p))}
	}
}

func TestOpenRefused(t *testing.T) {
	host, _ := fakeModule(t, module(1))
	_, err := amber.Open(host, amber.Options{Mode: radio.ModeC1})
	var re *amber.RequestError
	if !errors.Is(err, amber.ErrRefused) || !errors.As(err, &re) || re.Status != 1 || !strings.HasPrefix(re.Op, "set mode") {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(err.Error(), "status 0x01") || !strings.Contains(err.Error(), "FF8401") {
		t.Fatalf("message %q", err)
	}
}

func TestOpenTimeout(t *testing.T) {
	host, _ := fakeModule(t, func(amber.Command) [][]byte { return nil })
	_, err := amber.Open(host, amber.Options{Mode: radio.ModeT1, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, amber.ErrTimeout) {
		t.Fatalf("%v", err)
	}
}

func TestOpenUnexpectedGet(t *testing.T) {
	host, _ := fakeModule(t, func(c amber.Command) [][]byte {
		if c.Cmd == amber.CmdGetReq {
			return [][]byte{amber.Encode(amber.Confirm(c, []byte{0x99, 0x01}))}
		}
		return module(0)(c)
	})
	if _, err := amber.Open(host, amber.Options{Mode: radio.ModeT1}); !errors.Is(err, amber.ErrUnexpected) {
		t.Fatalf("%v", err)
	}
}

func TestOpenUnsupportedMode(t *testing.T) {
	host, _ := fakeModule(t, module(0))
	if _, err := amber.Open(host, amber.Options{Mode: radio.ModeN1}); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatalf("%v", err)
	}
}

func TestReceiveThenPortFailure(t *testing.T) {
	host, dev := fakeModule(t, module(0))
	c, err := amber.Open(host, amber.Options{Mode: radio.ModeC1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.FirmwareVersion() != "2.0.6" || c.SerialNumber() != 0x01020304 || c.Resets() != 0 {
		t.Fatalf("%s %08X %d", c.FirmwareVersion(), c.SerialNumber(), c.Resets())
	}
	data := bytes.Repeat([]byte{0x44}, 20)
	data[0] = 19
	ind, _ := amber.Indication(radio.Frame{Data: data, HasRSSI: true, RSSI: -77})
	b := append(amber.Encode(ind), 0x00, 0xFF)
	b = append(b, amber.Encode(ind)...)
	dev.Write(b[:5])
	dev.Write(b[5:])
	dev.Close()
	for i := 0; i < 2; i++ {
		f, err := c.Receive()
		if err != nil || !bytes.Equal(f.Data, data) || f.RSSI != -77 || f.Mode != radio.ModeC1 {
			t.Fatalf("%d: %+v %v", i, f, err)
		}
	}
	if _, err := c.Receive(); err == nil || errors.Is(err, amber.ErrClosed) {
		t.Fatalf("after port failure: %v", err)
	}
}

func TestCloseUnblocks(t *testing.T) {
	host, _ := fakeModule(t, module(0))
	c, err := amber.Open(host, amber.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Receive(); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, amber.ErrClosed) {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Receive still blocked after Close")
	}
	frame := make([]byte, 12)
	frame[0] = 11
	if err := c.Send(frame); !errors.Is(err, amber.ErrClosed) {
		t.Fatal(err)
	}
}

func TestSplitTransparent(t *testing.T) {
	data := make([]byte, 31)
	copy(data, []byte{0x1E, 0x44, 0xA2, 0x05, 0x78, 0x56, 0x34, 0x12, 0x00, 0x03, 0x7A})
	tr, _ := amber.Transparent(radio.Frame{Data: data, HasRSSI: true, RSSI: -60})
	cnf := amber.Encode(amber.Confirm(amber.Reset(), []byte{0}))
	var stream []byte
	stream = append(stream, 0x00, 0x05) // cannot be L
	stream = append(stream, tr...)
	stream = append(stream, cnf...)
	stream = append(stream, 0xFF, 0x01, 0x02) // stray FF
	stream = append(stream, tr...)
	stream = append(stream, tr[:9]...) // half a frame at the end
	var toks [][]byte
	for off := 0; off < len(stream); {
		adv, tok, err := amber.SplitTransparent(stream[off:], true)
		if err != nil || adv <= 0 {
			t.Fatalf("adv %d err %v", adv, err)
		}
		if tok != nil {
			toks = append(toks, tok)
		}
		off += adv
	}
	if len(toks) != 3 || !bytes.Equal(toks[0], tr) || !bytes.Equal(toks[1], cnf) || !bytes.Equal(toks[2], tr) {
		t.Fatalf("% X", toks)
	}
	// Not at EOF, an incomplete frame waits.
	if adv, tok, _ := amber.SplitTransparent(tr[:20], false); adv != 0 || tok != nil {
		t.Fatalf("adv %d", adv)
	}
	noRSSI, _ := amber.Transparent(radio.Frame{Data: data})
	if adv, tok, _ := amber.SplitTransparentNoRSSI(noRSSI, false); adv != len(noRSSI) || !bytes.Equal(tok, noRSSI) {
		t.Fatalf("no RSSI: adv %d", adv)
	}
}

func FuzzSplitTransparent(f *testing.F) {
	data := make([]byte, 31)
	copy(data, []byte{0x1E, 0x44, 0xA2, 0x05, 0x78, 0x56, 0x34, 0x12, 0x00, 0x03, 0x7A})
	tr, _ := amber.Transparent(radio.Frame{Data: data, HasRSSI: true, RSSI: -60})
	f.Add(tr, false)
	f.Add(append([]byte{0xFF, 0x33}, tr...), true)
	f.Add(amber.Encode(amber.Confirm(amber.Reset(), []byte{0})), false)
	f.Fuzz(func(t *testing.T, b []byte, noRSSI bool) {
		split, parse := amber.SplitTransparent, amber.ParseTransparent
		if noRSSI {
			split, parse = amber.SplitTransparentNoRSSI, amber.ParseTransparentNoRSSI
		}
		for _, atEOF := range []bool{false, true} {
			for off := 0; off < len(b); {
				adv, tok, err := split(b[off:], atEOF)
				if err != nil || adv < 0 || adv > len(b)-off || atEOF && adv == 0 {
					t.Fatalf("adv %d err %v", adv, err)
				}
				if tok != nil {
					if tok[0] == amber.SOF {
						if _, n, err := amber.Decode(tok); err != nil || n != len(tok) {
							t.Fatalf("command token: %v", err)
						}
					} else if fr, n, err := parse(tok); err != nil || n != len(tok) || int(fr.Data[0]) != len(fr.Data)-1 {
						t.Fatalf("frame token: %v", err)
					}
				}
				if adv == 0 {
					break
				}
				off += adv
			}
		}
	})
}

func FuzzParseTransparent(f *testing.F) {
	data := make([]byte, 12)
	data[0] = 11
	tr, _ := amber.Transparent(radio.Frame{Data: data, HasRSSI: true, RSSI: -60})
	f.Add(tr)
	f.Add(data)
	f.Add([]byte{0xFF, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (radio.Frame, int, error){amber.ParseTransparent, amber.ParseTransparentNoRSSI} {
			fr, n, err := parse(b)
			if err != nil {
				var ce *codec.Error
				if !errors.As(err, &ce) {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			if n > len(b) || len(fr.Data) < 10 || int(fr.Data[0]) != len(fr.Data)-1 {
				t.Fatalf("n %d frame % X", n, fr.Data)
			}
			if !bytes.Equal(fr.Data[1:], b[1:len(fr.Data)]) {
				t.Fatal("frame does not alias the input bytes")
			}
		}
	})
}
