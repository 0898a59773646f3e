package rtlwmbus

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/stream"
)

type readPort struct{ io.Reader }

func (readPort) Write([]byte) (int, error) { return 0, radio.ErrReceiveOnly }
func (readPort) Close() error              { return nil }

// rtl_wmbus output with a CRC error line, noise and a line cut short:
// the good frames arrive in order, then io.EOF.
func TestConnLines(t *testing.T) {
	good, _ := ParseLineInfo(published, nil)
	bad := strings.Replace(published, "C1;1;1", "C1;0;1", 1)
	out := "rtl_wmbus: starting\n" + published + "\r\n" + bad + "\n" + published[:60] + "\n\x00\xff\n" + published + "\n" + strings.Replace(published, "C1;", "T1;", 1)
	c, err := NewConn(readPort{strings.NewReader(out)}, radio.Device{Kind: radio.KindRTLWMBus})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	modes := []radio.LinkMode{radio.ModeC1, radio.ModeC1, radio.ModeT1}
	for i, m := range modes {
		f, err := c.Receive()
		if err != nil || f.Mode != m || !bytes.Equal(f.Data, good.Frame) || !f.Time.Equal(good.Time) || f.HasRSSI {
			t.Fatalf("frame %d: %+v %v", i, f, err)
		}
	}
	if _, err := c.Receive(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if n := c.(*stream.Conn).Skipped(); n != 4 {
		t.Errorf("skipped %d lines, want 4", n)
	}
	if err := c.Send(good.Frame); !errors.Is(err, radio.ErrReceiveOnly) {
		t.Fatal(err)
	}
}

func TestConnCloseUnblocks(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	c, _ := NewConn(readPort{r}, radio.Device{Kind: radio.KindRTLWMBus})
	go func() {
		w.Write([]byte(published + "\n"))
	}()
	if _, err := c.Receive(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.Close()
	}()
	if _, err := c.Receive(); !errors.Is(err, stream.ErrClosed) {
		t.Fatal(err)
	}
}
