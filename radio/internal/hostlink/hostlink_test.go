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

// heldLink is testLink's protocol on a Link whose read loop can be held
// up: the first call of Next signals entered and then waits for release,
// as a loop on a busy machine is late.
func heldLink(t *testing.T, port io.ReadWriteCloser, gap time.Duration) (l *Link[string], entered, release chan struct{}) {
	t.Helper()
	entered, release = make(chan struct{}), make(chan struct{})
	first := true
	l = Open(port, Config[string]{
		Name: "test", Closed: errClosed, Gap: gap,
		Next: func(buf []byte, atEOF bool) (int, Event[string]) {
			if first {
				first = false
				close(entered)
				<-release
			}
			var ev Event[string]
			i := strings.IndexByte(string(buf), '\n')
			if i < 0 {
				if atEOF {
					return len(buf), ev
				}
				return 0, ev
			}
			if line := string(buf[:i]); strings.HasPrefix(line, "F") {
				ev.Kind, ev.Frame = Received, radio.Frame{Data: []byte(line[1:])}
			}
			return i + 1, ev
		},
		TimedOut: func(op string, waited time.Duration) error { return errors.New(op + " timed out") },
	})
	t.Cleanup(func() { l.Close() })
	return l, entered, release
}

func receiveWithin(t *testing.T, l *Link[string], d time.Duration) (radio.Frame, error) {
	t.Helper()
	type res struct {
		f   radio.Frame
		err error
	}
	ch := make(chan res, 1)
	go func() {
		f, err := l.Receive()
		ch <- res{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, r.err
	case <-time.After(d):
		t.Fatal("no frame")
	}
	return radio.Frame{}, nil
}

// Noise, a silence longer than the gap, then a frame: the silence counts
// even when the read loop only gets to the frame after it (the frame is
// not glued to the noise).
func TestGapMeasuredWhenRead(t *testing.T) {
	host, dev := net.Pipe()
	defer dev.Close()
	const gap = 20 * time.Millisecond
	l, entered, release := heldLink(t, host, gap)
	dev.Write([]byte("xx")) // half a message
	<-entered               // the loop has "xx" and is held up
	time.Sleep(3 * gap)     // silence on the line
	go func() {
		dev.Write([]byte("Fone\n")) // read (and stamped) while the loop is held
		close(release)
	}()
	if f, err := receiveWithin(t, l, 5*time.Second); err != nil || string(f.Data) != "one" {
		t.Fatalf("%q %v", f.Data, err)
	}
}

// A message in two chunks read right after one another, the loop held up
// for longer than the gap in between: the timer that fires when the loop
// resumes does not cut the message in two.
func TestNoGapWhileChunkWaits(t *testing.T) {
	host, dev := net.Pipe()
	defer dev.Close()
	const gap = 250 * time.Millisecond
	l, entered, release := heldLink(t, host, gap)
	dev.Write([]byte("Fo"))
	<-entered
	go func() {
		dev.Write([]byte("ne\n"))
		time.Sleep(2 * gap) // the loop is late: its gap timer is due when it resumes
		close(release)
	}()
	if f, err := receiveWithin(t, l, 5*time.Second); err != nil || string(f.Data) != "one" {
		t.Fatalf("%q %v", f.Data, err)
	}
}
