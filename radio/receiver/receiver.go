// Package receiver runs one input (a device address) for as long as it is
// wanted: it opens the port, lets the device's driver configure it, hands
// the received frames on, and when the port vanishes (a USB stick pulled, a
// ser2net bridge restarted) reopens it with backoff. Frames are delivered
// on a channel without loss: when nobody reads, the receiver stops reading
// the device (backpressure) instead of dropping.
package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
)

// Options tune a Receiver; the zero value is good.
type Options struct {
	// Driver and Open replace the driver and the port opener chosen by the
	// device kind (tests, and programs with their own transports).
	Driver radio.Driver
	Open   func(d radio.Device) (io.ReadWriteCloser, error)
	// MinBackoff and MaxBackoff bound the wait between reconnect attempts
	// (defaults 200 ms and 10 s; the wait doubles after each failure).
	MinBackoff, MaxBackoff time.Duration
	// Buffer is the capacity of the frame channel (default 64).
	Buffer int
	// Logf, when set, is told about connects, failures and reconnects.
	Logf func(format string, args ...any)
}

// State is what a receiver can say about its input.
type State struct {
	Device     string // the address as given
	Connected  bool
	Since      time.Time // of the last connect or disconnect
	LastFrame  time.Time
	Frames     uint64
	Reconnects int
	Done       bool   // a finite input (a file) was read to its end
	Err        string // the last error, "" after a good connect
}

// ErrNotConnected is returned by Send while the device is away.
var ErrNotConnected = errors.New("device not connected")

// Receiver is one running input.
type Receiver struct {
	dev    radio.Device
	opt    Options
	driver radio.Driver
	open   func(d radio.Device) (io.ReadWriteCloser, error)
	frames chan radio.Frame
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	conn  radio.Conn
	state State
	up    chan struct{} // closed while connected; replaced on disconnect
}

// Start begins running d. It fails only when d's kind has no driver; a
// device that is absent now is retried in the background (see State).
func Start(d radio.Device, opt Options) (*Receiver, error) {
	r := &Receiver{dev: d, opt: opt, driver: opt.Driver, open: opt.Open}
	if r.driver == nil {
		var ok bool
		if r.driver, ok = drivers[d.Kind]; !ok {
			return nil, fmt.Errorf("%s: no driver for device kind %q", d.Raw, d.Kind)
		}
	}
	if r.open == nil {
		r.open = OpenPort
	}
	if r.opt.MinBackoff <= 0 {
		r.opt.MinBackoff = 200 * time.Millisecond
	}
	if r.opt.MaxBackoff < r.opt.MinBackoff {
		r.opt.MaxBackoff = max(10*time.Second, r.opt.MinBackoff)
	}
	if r.opt.Buffer <= 0 {
		r.opt.Buffer = 64
	}
	r.frames = make(chan radio.Frame, r.opt.Buffer)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.done = make(chan struct{})
	r.state.Device = d.Raw
	r.up = make(chan struct{})
	go r.run()
	return r, nil
}

// Frames delivers the received frames. It is closed after Close, or when a
// finite input has been read to its end.
func (r *Receiver) Frames() <-chan radio.Frame { return r.frames }

// State reports the input's connection state.
func (r *Receiver) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// WaitConnected blocks until the device is connected, ctx ends or the
// receiver is closed.
func (r *Receiver) WaitConnected(ctx context.Context) error {
	for {
		r.mu.Lock()
		up, connected := r.up, r.state.Connected
		r.mu.Unlock()
		if connected {
			return nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return errors.New("receiver closed")
		}
	}
}

// Send transmits one frame (L first, no CRCs) through the device. An
// input that cannot transmit (a file, stdin, a TCP stream, rtl_wmbus, a P1
// port) says so with radio.ErrReceiveOnly whether or not it is connected
// now: a finite one may have ended already. Other devices return
// ErrNotConnected while they are away.
func (r *Receiver) Send(frame []byte) error {
	if r.opt.Driver == nil && !commandProtocol(r.dev.Kind) {
		return fmt.Errorf("%s: %w", r.dev.Raw, radio.ErrReceiveOnly)
	}
	r.mu.Lock()
	c := r.conn
	r.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%s: %w", r.dev.Raw, ErrNotConnected)
	}
	return c.Send(frame)
}

// Close stops the receiver and closes the device; Frames is closed.
func (r *Receiver) Close() error {
	r.cancel()
	r.mu.Lock()
	if r.conn != nil {
		r.conn.Close()
	}
	r.mu.Unlock()
	<-r.done
	return nil
}

func (r *Receiver) logf(format string, args ...any) {
	if r.opt.Logf != nil {
		r.opt.Logf("%s: "+format, append([]any{r.dev.Raw}, args...)...)
	}
}

func (r *Receiver) run() {
	defer close(r.done)
	defer close(r.frames)
	backoff := r.opt.MinBackoff
	for attempt := 0; r.ctx.Err() == nil; attempt++ {
		err := r.session(attempt)
		if r.ctx.Err() != nil {
			return
		}
		if errors.Is(err, io.EOF) && Finite(r.dev) {
			r.mu.Lock()
			r.state.Done = true
			r.mu.Unlock()
			r.logf("end of input")
			return
		}
		r.mu.Lock()
		connectedBefore := r.state.Connected
		r.state.Err = err.Error()
		if connectedBefore {
			r.state.Connected = false
			r.state.Since = time.Now()
			r.up = make(chan struct{})
			backoff = r.opt.MinBackoff
		}
		r.mu.Unlock()
		r.logf("%v; retrying in %v", err, backoff)
		select {
		case <-time.After(backoff):
		case <-r.ctx.Done():
			return
		}
		backoff = min(2*backoff, r.opt.MaxBackoff)
	}
}

// session opens the port, runs the driver and delivers frames until the
// port fails.
func (r *Receiver) session(attempt int) error {
	port, err := r.open(r.dev)
	if err != nil {
		return err
	}
	// What a radio module sent while nobody listened (frames queued in
	// the USB-serial or pty buffer) would be read as the answers to the
	// driver's first commands: drop it. Stream inputs (P1, hex) keep it:
	// it is data.
	if f, ok := port.(interface{ ResetInputBuffer() error }); ok && commandProtocol(r.dev.Kind) {
		_ = f.ResetInputBuffer()
	}
	c, err := r.driver(port, r.dev)
	if err != nil {
		port.Close()
		return err
	}
	r.mu.Lock()
	if r.ctx.Err() != nil {
		r.mu.Unlock()
		c.Close()
		return r.ctx.Err()
	}
	r.conn = c
	r.state.Connected = true
	r.state.Since = time.Now()
	r.state.Err = ""
	if attempt > 0 {
		r.state.Reconnects++
	}
	close(r.up)
	r.mu.Unlock()
	r.logf("connected")
	defer func() {
		r.mu.Lock()
		r.conn = nil
		r.mu.Unlock()
		c.Close()
	}()
	for {
		f, err := c.Receive()
		if err != nil {
			if r.ctx.Err() != nil {
				return r.ctx.Err()
			}
			return err
		}
		if f.Time.IsZero() {
			f.Time = time.Now()
		}
		r.mu.Lock()
		r.state.LastFrame = f.Time
		r.state.Frames++
		r.mu.Unlock()
		select {
		case r.frames <- f:
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
	}
}

// commandProtocol reports whether the device kind is driven by commands
// and answers (a radio module) rather than a stream that only sends data.
func commandProtocol(kind string) bool {
	switch kind {
	case radio.KindTelit, radio.KindIM871A, radio.KindAMB8465, radio.KindCUL:
		return true
	}
	return false
}
