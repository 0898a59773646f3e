package hostlink

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
)

var errClosed = errors.New("test: closed")

// Messages of the test protocol are lines: "F..." a received frame, "A..."
// an answer, anything else noise.
func testLink(t *testing.T, port io.ReadWriteCloser) *Link[string] {
	t.Helper()
	l := Open(port, Config[string]{
		Name: "test", Closed: errClosed, Timeout: 50 * time.Millisecond,
		Next: func(buf []byte, atEOF bool) (int, Event[string]) {
			var ev Event[string]
			i := strings.IndexByte(string(buf), '\n')
			if i < 0 {
				if atEOF {
					return len(buf), ev
				}
				return 0, ev
			}
			line := string(buf[:i])
			switch {
			case strings.HasPrefix(line, "F"):
				ev.Kind, ev.Frame = Received, radio.Frame{Data: []byte(line[1:])}
			case strings.HasPrefix(line, "A"):
				ev.Kind, ev.Answer = Answer, line[1:]
			}
			return i + 1, ev
		},
		TimedOut: func(op string, waited time.Duration) error {
			return errors.New(op + " timed out after " + waited.String())
		},
	})
	t.Cleanup(func() { l.Close() })
	return l
}

func TestRequestMatchAndTimeout(t *testing.T) {
	host, dev := net.Pipe()
	defer dev.Close()
	l := testLink(t, host)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := dev.Read(buf)
			if err != nil {
				return
			}
			if string(buf[:n]) == "ping\n" {
				// Noise, a stale answer and a frame before the answer.
				dev.Write([]byte("xx\nAother\nFhello\nApong\n"))
			}
		}
	}()
	got, err := l.Request("ping", []byte("ping\n"), func(a string) bool { return a == "pong" })
	if err != nil || got != "pong" {
		t.Fatalf("%q %v", got, err)
	}
	if f, err := l.Receive(); err != nil || string(f.Data) != "hello" {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := l.Request("silence", []byte("nothing\n"), func(string) bool { return true }); err == nil || err.Error() != "silence timed out after 50ms" {
		t.Fatal(err)
	}
}

func TestPortFailureAndClose(t *testing.T) {
	host, dev := net.Pipe()
	l := testLink(t, host)
	dev.Write([]byte("Fone\nFtw"))
	dev.Close()
	if f, err := l.Receive(); err != nil || string(f.Data) != "one" {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := l.Receive(); err == nil || errors.Is(err, errClosed) || !strings.HasPrefix(err.Error(), "test: read: ") {
		t.Fatalf("after port failure: %v", err)
	}
	if _, err := l.Request("ping", []byte("ping\n"), func(string) bool { return true }); err == nil || !strings.HasPrefix(err.Error(), "test: ping: ") {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Receive(); !errors.Is(err, errClosed) {
		t.Fatal(err)
	}
	if _, err := l.Request("ping", nil, func(string) bool { return true }); !errors.Is(err, errClosed) {
		t.Fatal(err)
	}
}

func TestRequestErrorString(t *testing.T) {
	for _, c := range []struct {
		status int
		detail string
		reply  []byte
		want   string
	}{
		{-1, "", nil, "x: op: boom"},
		{1, "", []byte{0xab, 1}, "x: op: boom, status 0x01 (reply AB01)"},
		{-1, "waited 1s", nil, "x: op: boom, waited 1s"},
	} {
		if got := RequestErrorString("x", "op", errors.New("boom"), c.status, c.detail, c.reply); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
