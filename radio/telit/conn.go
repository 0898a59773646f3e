package telit

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Errors of the driver. RegisterError and the errors of Open wrap them.
var (
	// ErrNoAnswer: the module did not answer a command in time.
	ErrNoAnswer = errors.New("no answer from the module")
	// ErrRejected: the module answered ERROR.
	ErrRejected = errors.New("the module answered ERROR")
	// ErrMismatch: a register reads back a value other than the one
	// written.
	ErrMismatch = errors.New("register reads back a different value")
	// ErrClosed: the connection was closed.
	ErrClosed = errors.New("telit: connection closed")
)

// DefaultFrameGap is the default Options.FrameGap.
const DefaultFrameGap = 50 * time.Millisecond

// maxBuffered bounds the bytes read ahead from the port; beyond it the
// driver stops reading (backpressure) until frames are taken.
const maxBuffered = 4096

// Meter is a meter to register in the module (registers 460-485).
type Meter struct {
	// Address is the meter's link-layer M and A fields. The module
	// compares all eight bytes, version and device type included.
	Address wmbus.Address
	// Key is the meter's AES-128 key (16 bytes), or nil. It is written
	// even when Options.Encryption is clear (as zeros when nil).
	Key []byte
	// Options are the bits of register 460 (add, forward, encryption, ...).
	Options MeterOptions
}

// Options configure the module when Open connects.
type Options struct {
	// Mode is the link mode (N1 or N2 on the 169 MHz modules) and Role
	// the side of the link the module plays (the zero value is
	// RoleMeter). ModeUnknown keeps the mode and role the module has
	// (register 400 is read, and written back unchanged).
	Mode radio.LinkMode
	Role Role
	// Format selects the frame format the module transmits in: FormatA
	// or FormatB (bit 2 of register 453). Other values keep the module's
	// setting. The other bits of register 453 are kept.
	Format wmbus.Format
	// TxFields is the mask of the fields the host sends with each frame
	// (register 401) and RxFields the mask of those the module passes on
	// (register 402). Zero means FieldsHeader and FieldsReceive. Both must
	// select the length byte L, and RxFields also C, M, A and CI, so
	// frames can be found and restored.
	TxFields FieldMask
	RxFields FieldMask
	// TxDefaults, when not nil, are written to registers 410-419: the
	// fields the module uses for those TxFields omits.
	TxDefaults *TxDefaults
	// Meters are registered in the module, every time Open runs: M, A,
	// key, then options (registers 461-485, then 460).
	Meters []Meter
	// Guard is the silence kept before and after Escape (default
	// EscapeGuard). Timeout is how long to wait for each answer (default
	// ResponseTimeout).
	Guard   time.Duration
	Timeout time.Duration
	// FrameGap is the silence on the UART after which received bytes
	// start a new burst (default DefaultFrameGap): the module writes each
	// frame in one burst, so a frame never spans such a pause, and a half
	// frame before it is dropped.
	FrameGap time.Duration
	// NoConfig opens the module without touching its configuration: no
	// AT session at Open (use ReadRegister, WriteRegister or AT later).
	// Received frames are parsed with RxFields, which must then match
	// register 402.
	NoConfig bool
	// NoKeyReadback skips reading back the key registers after writing
	// them, for firmware that does not let keys be read (uncertain: we do
	// not know of any, but the manual does not promise it).
	NoKeyReadback bool
}

// RegisterError says which register an AT exchange failed on. Error never
// shows the values of key registers.
type RegisterError struct {
	Reg int
	// Op is "write", "read" or "verify" (the read back after a write).
	Op string
	// Value is the value written (write, verify), Got the value read
	// (verify); -1 when not known.
	Value, Got int
	// Timeout is how long the driver waited, for ErrNoAnswer.
	Timeout time.Duration
	// Err is ErrNoAnswer, ErrRejected, ErrMismatch or a port error.
	Err error
}

// Error describes the failure; key register values are left out.
func (e *RegisterError) Error() string {
	name := "register " + strconv.Itoa(e.Reg)
	if n := RegisterName(e.Reg); n != "" {
		name += " (" + n + ")"
	}
	secret := IsKeyRegister(e.Reg)
	switch {
	case errors.Is(e.Err, ErrMismatch) && secret:
		return "telit: " + name + ": reads back a different value than was written (key values are not shown)"
	case errors.Is(e.Err, ErrMismatch):
		return fmt.Sprintf("telit: %s: wrote %d, reads back %d: the module refused the value", name, e.Value, e.Got)
	case errors.Is(e.Err, ErrNoAnswer):
		return fmt.Sprintf("telit: %s: %s: no answer within %v", name, e.Op, e.Timeout)
	case e.Op == "write" && !secret && e.Value >= 0:
		return fmt.Sprintf("telit: %s: write %d: %v", name, e.Value, e.Err)
	}
	return "telit: " + name + ": " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *RegisterError) Unwrap() error { return e.Err }

// Conn is an open Telit module in data mode. Receive and Send may be used
// from different goroutines; AT sessions (ReadRegister, WriteRegister, AT)
// pause sending while they run.
type Conn struct {
	port io.ReadWriteCloser
	opts Options
	mode radio.LinkMode
	role Role

	wmu sync.Mutex // serialises writes and AT sessions
	// lastWrite (under wmu) is when the module last got bytes from us, at
	// the latest: our last write, or the module's answer to it when that
	// came later (the module answers after the bytes arrived; they may
	// arrive well after our write returned). The guard before Escape
	// counts from it.
	lastWrite time.Time

	mu      sync.Mutex
	sc      scanner
	pending []radio.Frame // frames parsed before an AT session
	at      bool          // in AT mode: the buffer holds response lines
	rerr    error         // the port failed
	closed  bool
	changed chan struct{} // closed and replaced on every change
	writes  []RegisterWrite

	done      chan struct{} // closed on Close
	readerEnd chan struct{}
	closeOnce sync.Once
}

// NewConn is the radio.Driver for Telit modules: it configures the module
// as d asks (link mode d.Mode, or the module's own when d gives none; the
// "other" role, a receiver) and returns the connection.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	c, err := Open(port, Options{Mode: d.Mode, Role: RoleOther})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Open starts the driver on port and, unless opts.NoConfig, configures
// the module: after Guard of silence it sends Escape, waits for OK, writes
// every register of the configuration and reads each back (a
// *RegisterError names the register that failed), registers opts.Meters,
// and returns to data mode with ATO. On error the port is closed.
func Open(port io.ReadWriteCloser, opts Options) (*Conn, error) {
	if opts.TxFields == 0 {
		opts.TxFields = FieldsHeader
	}
	if opts.RxFields == 0 {
		opts.RxFields = FieldsReceive
	}
	if opts.Guard <= 0 {
		opts.Guard = EscapeGuard
	}
	if opts.Timeout <= 0 {
		opts.Timeout = ResponseTimeout
	}
	if opts.FrameGap <= 0 {
		opts.FrameGap = DefaultFrameGap
	}
	if !opts.TxFields.Has(FieldL) {
		port.Close()
		return nil, errors.New("telit: the transmit field mask must include the length byte L (bit 0 of register 401)")
	}
	if !opts.RxFields.Has(FieldL | FieldC | FieldM | FieldA | FieldCI) {
		port.Close()
		return nil, errors.New("telit: the receive field mask must include L, C, M, A and CI (register 402 " + opts.RxFields.String() + ")")
	}
	c := &Conn{
		port: port, opts: opts, mode: opts.Mode, role: opts.Role,
		lastWrite: time.Now(), // we do not know what was written before: keep a full guard
		changed:   make(chan struct{}),
		done:      make(chan struct{}),
		readerEnd: make(chan struct{}),
	}
	c.sc.mask = opts.RxFields
	go c.reader()
	if !opts.NoConfig {
		if err := c.AT(c.configure); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// configure writes the configuration in an AT session.
func (c *Conn) configure(s *Session) error {
	cfg := Config{Mode: c.opts.Mode, Role: c.opts.Role, TxFields: c.opts.TxFields, RxFields: c.opts.RxFields, TxDefaults: c.opts.TxDefaults}
	if cfg.Mode == radio.ModeUnknown {
		v, err := s.Read(RegMode)
		if err != nil {
			return err
		}
		m, r, ok := ModeFromValue(byte(v))
		if !ok || v > 255 {
			return fmt.Errorf("telit: register 400 holds %d, not a mode value (0-17); give the link mode", v)
		}
		cfg.Mode, cfg.Role = m, r
	}
	fo, err := s.Read(RegFrameOptions)
	if err != nil {
		return err
	}
	cfg.FrameOptions = byte(fo)
	switch c.opts.Format {
	case wmbus.FormatA:
		cfg.FormatB = false
	case wmbus.FormatB:
		cfg.FormatB = true
	default:
		cfg.FormatB = fo&FrameFormatB != 0
	}
	ws, err := ConfigWrites(cfg)
	if err != nil {
		return err
	}
	for _, m := range c.opts.Meters {
		mw, err := RegisterMeterWrites(m.Address, m.Key, m.Options)
		if err != nil {
			return fmt.Errorf("telit: meter %s: %w", m.Address, err)
		}
		ws = append(ws, mw...)
	}
	if err := s.Apply(ws); err != nil {
		return err
	}
	c.mode, c.role = cfg.Mode, cfg.Role
	return nil
}

// Mode returns the link mode and role the module is in (as configured or
// read at Open; with NoConfig, Options.Mode and Role).
func (c *Conn) Mode() (radio.LinkMode, Role) { return c.mode, c.role }

// Written returns the register writes performed so far (by Open and by
// WriteRegister), in order, each verified by reading it back. Key
// register values are among them: never print them.
func (c *Conn) Written() []RegisterWrite {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]RegisterWrite(nil), c.writes...)
}

// broadcast wakes everyone waiting on changed; c.mu must be held.
func (c *Conn) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// reader moves bytes from the port into the scanner.
func (c *Conn) reader() {
	defer close(c.readerEnd)
	buf := make([]byte, 512)
	for {
		c.mu.Lock()
		for len(c.sc.buf) >= maxBuffered && !c.closed {
			ch := c.changed
			c.mu.Unlock()
			<-ch
			c.mu.Lock()
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		start := time.Now()
		n, err := c.port.Read(buf)
		t := time.Now()
		if n == 0 && err == nil {
			err = io.ErrUnexpectedEOF // a hangup reads as nothing
		}
		c.mu.Lock()
		c.sc.add(buf[:n], t, t.Sub(start) >= c.opts.FrameGap)
		if err != nil {
			c.rerr = fmt.Errorf("telit: read: %w", err)
		}
		c.broadcast()
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Receive returns the next received frame: Data restored to L C M A CI
// ..., RSSI and LQI as the module reported them, the arrival time and the
// link mode. Garbage and half frames on the UART are skipped. It returns
// an error when the port fails or the connection is closed.
func (c *Conn) Receive() (radio.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.closed {
			return radio.Frame{}, ErrClosed
		}
		if len(c.pending) > 0 {
			f := c.pending[0]
			c.pending = c.pending[1:]
			return f, nil
		}
		if !c.at {
			if f, ok := c.sc.next(); ok {
				f.Mode = c.mode
				c.broadcast() // room for the reader
				return f, nil
			}
			if c.rerr != nil {
				return radio.Frame{}, c.rerr
			}
		}
		ch := c.changed
		c.mu.Unlock()
		<-ch
		c.mu.Lock()
	}
}

// Send transmits frame (L first, no link-layer CRCs, as Frame.Data): it
// writes [length][C][M][A][CI][data] with the fields TxFields selects;
// the module computes L and the CRCs.
func (c *Conn) Send(frame []byte) error {
	if len(frame) < 1+headerLen || int(frame[0]) != len(frame)-1 {
		return errors.New("telit: send: frame must be L C M A CI ... without CRCs, L counting the bytes after it")
	}
	f := TxFields{
		Mask: c.opts.TxFields,
		C:    frame[1],
		Address: wmbus.Address{
			Manufacturer: uint16(frame[2]) | uint16(frame[3])<<8,
			ID:           uint32(frame[4]) | uint32(frame[5])<<8 | uint32(frame[6])<<16 | uint32(frame[7])<<24,
			Version:      frame[8], Type: frame[9],
		},
		CI:   frame[10],
		Data: frame[11:],
	}
	b, err := AppendTransmit(nil, f)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.write(b)
}

// write writes b; c.wmu must be held.
func (c *Conn) write(b []byte) error {
	c.mu.Lock()
	closed, rerr := c.closed, c.rerr
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if rerr != nil {
		return rerr
	}
	_, err := c.port.Write(b)
	c.lastWrite = time.Now()
	if err != nil {
		return fmt.Errorf("telit: write: %w", err)
	}
	return nil
}

// Close closes the port and ends Receive. It may be called more than once.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.broadcast()
		c.mu.Unlock()
		close(c.done)
		err = c.port.Close()
		select {
		case <-c.readerEnd:
		case <-time.After(2 * time.Second): // a port whose Close does not end Read
		}
	})
	return err
}

// sleep waits d unless the connection closes first.
func (c *Conn) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-c.done:
		return ErrClosed
	}
}

// readLine returns the next response line, waiting until deadline.
func (c *Conn) readLine(deadline time.Time) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.closed {
			return nil, ErrClosed
		}
		if l, ok := c.sc.line(); ok {
			c.broadcast()
			return l, nil
		}
		if c.rerr != nil {
			return nil, c.rerr
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, ErrNoAnswer
		}
		ch := c.changed
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
		c.mu.Lock()
	}
}

// await reads lines until accept returns done or an error, or until
// timeout; lines that do not parse are skipped.
func (c *Conn) await(timeout time.Duration, accept func(Response) (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		l, err := c.readLine(deadline)
		if err != nil {
			return err
		}
		r, err := ParseResponse(l)
		if err != nil {
			continue
		}
		if done, err := accept(r); done || err != nil {
			if done {
				c.lastWrite = time.Now() // our command has arrived: see lastWrite
			}
			return err
		}
	}
}

func awaitOK(r Response) (bool, error) {
	switch r.Kind {
	case RespOK:
		return true, nil
	case RespError:
		return true, ErrRejected
	}
	return false, nil // echoes, stray values
}

// AT runs fn in AT mode: it waits for Guard of silence since the last
// write, sends Escape, waits for the module's OK, runs fn and returns to
// data mode with ATO (also when fn fails). Frames complete when the
// session starts are kept for Receive; frames the module outputs between
// Escape and its OK are lost.
func (c *Conn) AT(fn func(s *Session) error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.sleep(time.Until(c.lastWrite.Add(c.opts.Guard))); err != nil {
		return err
	}
	c.mu.Lock()
	for {
		f, ok := c.sc.next()
		if !ok {
			break
		}
		f.Mode = c.mode
		c.pending = append(c.pending, f)
	}
	c.sc.reset()
	c.at = true
	c.broadcast()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.at = false
		c.broadcast()
		c.mu.Unlock()
	}()
	if err := c.write([]byte(Escape)); err != nil {
		return err
	}
	err := c.await(c.opts.Guard+c.opts.Timeout, awaitOK)
	if errors.Is(err, ErrNoAnswer) {
		// Maybe the module is in AT mode already (a session was cut
		// short): end the "+++" line and ask.
		if err = c.write(AppendCommand([]byte{EOL}, CmdAttention)); err == nil {
			err = c.await(c.opts.Timeout, func(r Response) (bool, error) { return r.Kind == RespOK, nil })
		}
	}
	if err != nil {
		if errors.Is(err, ErrNoAnswer) {
			return fmt.Errorf("telit: no OK after the escape sequence +++ (guard %v, waited %v): not a Telit module, wrong baud rate, or the module needs a longer guard: %w",
				c.opts.Guard, c.opts.Guard+c.opts.Timeout, err)
		}
		return fmt.Errorf("telit: enter AT mode: %w", err)
	}
	err = fn(&Session{c: c})
	if werr := c.write(AppendCommand(nil, CmdOnline)); werr != nil {
		return errors.Join(err, werr)
	}
	// Firmware that does not answer ATO is in data mode anyway.
	if aerr := c.await(c.opts.Timeout, awaitOK); aerr != nil && !errors.Is(aerr, ErrNoAnswer) {
		return errors.Join(err, fmt.Errorf("telit: ATO: %w", aerr))
	}
	return err
}

// ReadRegister reads one register in its own AT session.
func (c *Conn) ReadRegister(reg int) (int, error) {
	var v int
	err := c.AT(func(s *Session) error {
		var err error
		v, err = s.Read(reg)
		return err
	})
	return v, err
}

// WriteRegister writes one register and reads it back, in its own AT
// session.
func (c *Conn) WriteRegister(reg int, v byte) error {
	return c.AT(func(s *Session) error { return s.Write(reg, v) })
}

// Session is an AT-mode session (see Conn.AT).
type Session struct{ c *Conn }

// Read reads register reg (0-999).
func (s *Session) Read(reg int) (int, error) {
	if reg < 0 || reg > MaxRegister {
		return 0, fmt.Errorf("telit: register %d out of range 0-%d", reg, MaxRegister)
	}
	c := s.c
	if err := c.write(AppendReadRegister(nil, reg)); err != nil {
		return 0, &RegisterError{Reg: reg, Op: "read", Value: -1, Got: -1, Err: err}
	}
	v := -1
	err := c.await(c.opts.Timeout, func(r Response) (bool, error) {
		switch {
		case r.Kind == RespError:
			return true, ErrRejected
		case r.Kind == RespValue && (r.Register < 0 || r.Register == reg):
			v = r.Value
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return 0, &RegisterError{Reg: reg, Op: "read", Value: -1, Got: -1, Timeout: c.opts.Timeout, Err: err}
	}
	return v, nil
}

// Write writes v to register reg and reads it back; a *RegisterError
// says what went wrong.
func (s *Session) Write(reg int, v byte) error {
	if reg < 0 || reg > MaxRegister {
		return fmt.Errorf("telit: register %d out of range 0-%d", reg, MaxRegister)
	}
	c := s.c
	if err := c.write(AppendWriteRegister(nil, reg, v)); err != nil {
		return &RegisterError{Reg: reg, Op: "write", Value: int(v), Got: -1, Err: err}
	}
	if err := c.await(c.opts.Timeout, awaitOK); err != nil {
		return &RegisterError{Reg: reg, Op: "write", Value: int(v), Got: -1, Timeout: c.opts.Timeout, Err: err}
	}
	if !(c.opts.NoKeyReadback && IsKeyRegister(reg)) {
		got, err := s.Read(reg)
		if err != nil {
			return err
		}
		if got != int(v) {
			return &RegisterError{Reg: reg, Op: "verify", Value: int(v), Got: got, Err: ErrMismatch}
		}
	}
	c.mu.Lock()
	c.writes = append(c.writes, RegisterWrite{Reg: reg, Value: v})
	c.mu.Unlock()
	return nil
}

// Apply performs the writes in order (each read back), stopping at the
// first error.
func (s *Session) Apply(ws []RegisterWrite) error {
	for _, w := range ws {
		if err := s.Write(w.Reg, w.Value); err != nil {
			return err
		}
	}
	return nil
}

// FactoryReset sends ATR: every register returns to its factory value.
func (s *Session) FactoryReset() error {
	c := s.c
	if err := c.write(AppendCommand(nil, CmdFactoryReset)); err != nil {
		return err
	}
	if err := c.await(c.opts.Timeout, awaitOK); err != nil {
		return fmt.Errorf("telit: ATR: %w", err)
	}
	return nil
}
