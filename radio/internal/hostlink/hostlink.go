// Package hostlink is the host side shared by the drivers of radio modules
// that speak a framed command protocol on a serial port (packages imst and
// amber): a read loop that splits the byte stream into messages, hands
// received frames to Receive and answers to the one pending request, the
// request itself (write, wait for the matching answer or a timeout) and the
// closing of it all.
//
// What a message means is the driver's business: it gives Open a Next
// function that splits the next message off the stream and says whether it
// is a received frame, an answer or nothing for the host.
package hostlink

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
)

// Kind says what a message read from the module is for.
type Kind int

// Kinds of Event.
const (
	// Skip: nothing for the host (noise, an unreadable message, an
	// indication nobody asked for).
	Skip Kind = iota
	// Received: a received frame, for Receive.
	Received
	// Answer: an answer to a request (a confirmation), for Request.
	Answer
)

// Event is what Next makes of one message.
type Event[M any] struct {
	Kind   Kind
	Frame  radio.Frame // when Kind is Received
	Answer M           // when Kind is Answer; it must not share memory with the read buffer
}

// Config parameterises a Link. Name, Closed, Next and TimedOut are
// required.
type Config[M any] struct {
	// Name prefixes the errors the Link makes ("imst", "amber").
	Name string
	// Closed is the error Receive and Request return after Close.
	Closed error
	// Timeout bounds the wait for each answer (default 1 s).
	Timeout time.Duration
	// Gap is the silence after which bytes still not forming a whole
	// message are given to Next with atEOF set (default 100 ms).
	Gap time.Duration
	// Queue is how many received frames wait for Receive before the
	// Link stops reading the port (default 64).
	Queue int
	// Next splits the next message off buf like a bufio.SplitFunc (an
	// advance of 0 asks for more bytes) and says what it is. It runs on
	// the read loop only.
	Next func(buf []byte, atEOF bool) (advance int, ev Event[M])
	// TimedOut makes the error of a request op that got no answer within
	// waited.
	TimedOut func(op string, waited time.Duration) error
}

// Link drives a module on an open port. Its methods are safe for
// concurrent use; requests are made one at a time.
type Link[M any] struct {
	port io.ReadWriteCloser
	cfg  Config[M]

	frames chan radio.Frame
	resp   chan M
	closed chan struct{} // closed by Close
	done   chan struct{} // closed when the read loop ends
	err    error         // why the read loop ended; read after done

	reqMu     sync.Mutex // one request at a time
	closeOnce sync.Once
	closeErr  error
}

// Open starts reading port and returns the Link. cfg.Next may be called
// as soon as Open is called.
func Open[M any](port io.ReadWriteCloser, cfg Config[M]) *Link[M] {
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Gap <= 0 {
		cfg.Gap = 100 * time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 64
	}
	l := &Link[M]{
		port:   port,
		cfg:    cfg,
		frames: make(chan radio.Frame, cfg.Queue),
		resp:   make(chan M, 8),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	go l.readLoop()
	return l
}

// Receive returns the next received frame. It returns the port's error
// (wrapped) once the frames read before the port failed have been
// returned, and Config.Closed after Close.
func (l *Link[M]) Receive() (radio.Frame, error) {
	select {
	case f := <-l.frames:
		return f, nil
	case <-l.closed:
		return radio.Frame{}, l.cfg.Closed
	case <-l.done:
		select {
		case f := <-l.frames:
			return f, nil
		default:
		}
		select {
		case <-l.closed:
			return radio.Frame{}, l.cfg.Closed
		default:
		}
		return radio.Frame{}, l.err
	}
}

// Request writes req and waits for the first answer match accepts; answers
// left over from requests that timed out are dropped first. op names the
// request in errors.
func (l *Link[M]) Request(op string, req []byte, match func(M) bool) (M, error) {
	var none M
	l.reqMu.Lock()
	defer l.reqMu.Unlock()
	select {
	case <-l.closed:
		return none, l.cfg.Closed
	default:
	}
	for drained := false; !drained; { // answers to requests that timed out
		select {
		case <-l.resp:
		default:
			drained = true
		}
	}
	if _, err := l.port.Write(req); err != nil {
		return none, fmt.Errorf("%s: %s: write: %w", l.cfg.Name, op, err)
	}
	timer := time.NewTimer(l.cfg.Timeout)
	defer timer.Stop()
	for {
		select {
		case m := <-l.resp:
			if match(m) {
				return m, nil
			}
		case <-timer.C:
			return none, l.cfg.TimedOut(op, l.cfg.Timeout)
		case <-l.closed:
			return none, l.cfg.Closed
		case <-l.done:
			return none, fmt.Errorf("%s: %s: %w", l.cfg.Name, op, l.err)
		}
	}
}

// Close closes the port and waits for the read loop to end; Receive and
// Request return Config.Closed from then on. It returns the port's Close
// error, the same on every call.
func (l *Link[M]) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.closeErr = l.port.Close()
		<-l.done
	})
	return l.closeErr
}

type chunk struct {
	b   []byte
	at  time.Time // when the Read that got b returned
	err error
}

// readLoop reads the port, splits the stream into messages and hands
// frames to Receive and answers to Request.
//
// A goroutine does nothing but read the port and stamp each chunk with the
// time it was read; this loop splits and dispatches. Silences on the line
// (Config.Gap) are measured between those stamps, not by when this loop
// gets to a chunk: a loop that is held up (a busy machine, a frame waiting
// for room in the queue) neither misses a silence between two chunks that
// were read apart (which would glue noise to the frame after it) nor takes
// a chunk that waits to be handed over for a silence (which would cut a
// frame in two).
func (l *Link[M]) readLoop() {
	defer close(l.done)
	chunks := make(chan chunk)
	go func() {
		idle := 0
		for {
			b := make([]byte, 512)
			n, err := l.port.Read(b)
			at := time.Now()
			if n == 0 && err == nil {
				if idle++; idle < 100 {
					continue
				}
				err = io.ErrNoProgress
			}
			idle = 0
			select {
			case chunks <- chunk{b[:n], at, err}:
			case <-l.closed:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var (
		buf  []byte    // bytes not forming a whole message yet
		last time.Time // when the last bytes of buf were read
	)
	gap := time.NewTimer(l.cfg.Gap)
	gap.Stop()
	defer gap.Stop()
	// take adds a chunk to buf and dispatches the messages it completes;
	// false ends the loop (l.err is set).
	take := func(ch chunk) bool {
		var ok bool
		if len(buf) > 0 && ch.at.Sub(last) >= l.cfg.Gap {
			// The line was silent for Gap before these bytes: what
			// waits is all there is of it.
			if buf, ok = l.process(buf, true); !ok {
				l.err = l.cfg.Closed
				return false
			}
		}
		buf = append(buf, ch.b...)
		if len(ch.b) > 0 {
			last = ch.at
		}
		if buf, ok = l.process(buf, false); !ok {
			l.err = l.cfg.Closed
			return false
		}
		if ch.err != nil {
			l.err = fmt.Errorf("%s: read: %w", l.cfg.Name, ch.err)
			return false
		}
		if len(buf) > 0 {
			gap.Reset(l.cfg.Gap - time.Since(last))
		} else {
			gap.Stop()
		}
		return true
	}
	for {
		select {
		case ch := <-chunks:
			if !take(ch) {
				return
			}
		case <-gap.C:
			// A chunk read before the silence was over may wait to be
			// handed over (this loop was late): it goes first, and
			// decides by its time whether there was a silence.
			select {
			case ch := <-chunks:
				if !take(ch) {
					return
				}
				continue
			default:
			}
			var ok bool
			if buf, ok = l.process(buf, true); !ok {
				l.err = l.cfg.Closed
				return
			}
		case <-l.closed:
			l.err = l.cfg.Closed
			return
		}
	}
}

// process dispatches every message in buf and returns what is left (an
// incomplete message). atEOF gives up on incomplete messages. It returns
// false when the Link was closed while a frame waited for room.
func (l *Link[M]) process(buf []byte, atEOF bool) ([]byte, bool) {
	off := 0
	for off < len(buf) {
		adv, ev := l.cfg.Next(buf[off:], atEOF)
		if adv == 0 {
			break
		}
		off += adv
		switch ev.Kind {
		case Received:
			select {
			case l.frames <- ev.Frame:
			case <-l.closed:
				return buf, false
			}
		case Answer:
			select {
			case l.resp <- ev.Answer:
			default: // nobody waits this long for it
			}
		}
	}
	return append(buf[:0], buf[off:]...), true
}

// RequestErrorString formats the RequestError of a driver: "name: op:
// err, status 0xSS, detail (reply HEX)", leaving out the status when it is
// negative, the detail when it is empty and the reply when it is nil.
func RequestErrorString(name, op string, err error, status int, detail string, reply []byte) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(op)
	b.WriteString(": ")
	b.WriteString(err.Error())
	if status >= 0 {
		fmt.Fprintf(&b, ", status 0x%02X", status)
	}
	if detail != "" {
		b.WriteString(", ")
		b.WriteString(detail)
	}
	if reply != nil {
		b.WriteString(" (reply ")
		b.WriteString(strings.ToUpper(hex.EncodeToString(reply)))
		b.WriteString(")")
	}
	return b.String()
}
