package amber

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
)

// Errors a Conn returns; RequestError wraps the first three.
var (
	// ErrTimeout: the module did not confirm a request within
	// Options.Timeout.
	ErrTimeout = errors.New("no confirmation from the module")
	// ErrRefused: the module confirmed a request with a failure status.
	ErrRefused = errors.New("the module refused the request")
	// ErrUnexpected: the module's confirmation is not what was expected.
	ErrUnexpected = errors.New("unexpected confirmation from the module")
	// ErrClosed is returned by Receive and Send after Close.
	ErrClosed = errors.New("amber: connection closed")
)

// RequestError is a request the module refused, did not confirm in time or
// confirmed unexpectedly. It says what the module said; it never holds the
// request (CMD_SET_AES_KEY_REQ carries a key).
type RequestError struct {
	Op     string // what was asked: "firmware version", "set mode", "send", ...
	Status int    // the status byte of the confirmation; -1 if there was none
	Reply  []byte // the confirmation as it came on the wire; nil on timeout
	Detail string // more on Err, may be empty
	Err    error  // ErrTimeout, ErrRefused or ErrUnexpected
}

func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("amber: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Status >= 0 {
		fmt.Fprintf(&b, ", status 0x%02X", e.Status)
	}
	if e.Detail != "" {
		b.WriteString(", ")
		b.WriteString(e.Detail)
	}
	if e.Reply != nil {
		b.WriteString(" (reply ")
		b.WriteString(strings.ToUpper(hex.EncodeToString(e.Reply)))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *RequestError) Unwrap() error { return e.Err }

// Options configure Open. The zero value is usable: command output with
// RSSI, link mode left as the module has it.
type Options struct {
	// Mode is the link mode to receive (CMD_SET_MODE_REQ, volatile).
	// ModeUnknown leaves the module's mode alone, as radio.Device
	// promises; frames are then tagged ModeUnknown. Modes the module
	// cannot receive make Open fail with an error wrapping
	// codec.ErrUnsupported.
	Mode radio.LinkMode
	// Transparent makes the module deliver received frames transparently
	// (`L C M A CI ... RSSI`) instead of as CMD_DATA_IND. Command output
	// (the default) is framed and checksummed, so the driver
	// resynchronises on noise exactly; transparent output relies on the
	// pauses between frames.
	Transparent bool
	// Timeout bounds the wait for each confirmation (default 1 s).
	Timeout time.Duration
	// Gap is the silence after which bytes still not forming a whole
	// frame are given up (default 100 ms).
	Gap time.Duration
	// Queue is how many received frames wait for Receive before the
	// driver stops reading the port (default 64). While it is full,
	// confirmations are not read either: keep calling Receive.
	Queue int
}

// Conn drives an AMB8465 (or AMB8426-M / Metis) on an open port. It
// implements radio.Conn.
type Conn struct {
	port io.ReadWriteCloser
	opt  Options

	mode        atomic.Uint32 // radio.LinkMode frames are tagged with
	transparent atomic.Bool   // the module outputs frames transparently
	rssi        atomic.Bool   // the module appends RSSI to frames
	firmware    []byte
	serial      []byte
	resets      int

	frames chan radio.Frame
	resp   chan Command
	closed chan struct{}
	done   chan struct{}
	err    error

	reqMu     sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// NewConn configures the module on port as d asks (link mode d.Mode,
// command output with RSSI) and returns its driver. It is a radio.Driver.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	c, err := Open(port, Options{Mode: d.Mode})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Open starts driving the module on port: it reads the firmware version
// and serial number, makes sure the output parameters (UART_CMD_Out_Enable,
// RSSI_Enable) are as opt asks, writing them to non-volatile memory and
// resetting the module only when they differ, and sets the link mode when
// opt.Mode is known. On error Open closes port and nothing keeps running.
func Open(port io.ReadWriteCloser, opt Options) (*Conn, error) {
	var setMode Command
	if opt.Mode != radio.ModeUnknown {
		var err error
		if setMode, err = SetMode(opt.Mode); err != nil {
			port.Close()
			return nil, err
		}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	if opt.Gap <= 0 {
		opt.Gap = 100 * time.Millisecond
	}
	if opt.Queue <= 0 {
		opt.Queue = 64
	}
	c := &Conn{
		port:   port,
		opt:    opt,
		frames: make(chan radio.Frame, opt.Queue),
		resp:   make(chan Command, 8),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	c.mode.Store(uint32(opt.Mode))
	go c.readLoop()
	if err := c.configure(setMode); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *Conn) configure(setMode Command) error {
	cnf, err := c.request("firmware version", FirmwareVersion(), false)
	if err != nil {
		return err
	}
	c.firmware = cnf.Payload
	if cnf, err = c.request("serial number", SerialNo(), false); err != nil {
		return err
	}
	c.serial = cnf.Payload

	wantOut := byte(1)
	if c.opt.Transparent {
		wantOut = 0
	}
	cmdOut, err := c.getParam(ParamUARTCmdOut)
	if err != nil {
		return err
	}
	rssi, err := c.getParam(ParamRSSIEnable)
	if err != nil {
		return err
	}
	c.transparent.Store(cmdOut == 0)
	c.rssi.Store(rssi != 0)
	if cmdOut != wantOut || rssi != 1 {
		if cmdOut != wantOut {
			if _, err := c.request("set UART_CMD_Out_Enable", Set(ParamUARTCmdOut, []byte{wantOut}), true); err != nil {
				return err
			}
		}
		if rssi != 1 {
			if _, err := c.request("set RSSI_Enable", Set(ParamRSSIEnable, []byte{1}), true); err != nil {
				return err
			}
		}
		if _, err := c.request("reset", Reset(), true); err != nil {
			return err
		}
		c.resets++
		c.transparent.Store(wantOut == 0)
		c.rssi.Store(true)
		// The module restarts: ask until it answers again.
		for try := 0; ; try++ {
			_, err := c.request("firmware version after reset", FirmwareVersion(), false)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrTimeout) || try == 2 {
				return err
			}
		}
	}
	if setMode.Cmd == CmdSetModeReq {
		if _, err := c.request("set mode "+c.opt.Mode.String(), setMode, true); err != nil {
			return err
		}
	}
	return nil
}

// getParam reads one byte of non-volatile parameters. The confirmation is
// taken as `address count values` (AMB8426-M manual, CMD_GET_CNF); a bare
// value is accepted too.
func (c *Conn) getParam(addr byte) (byte, error) {
	op := "get parameter 0x" + hex2(addr)
	cnf, err := c.request(op, Get(addr, 1), false)
	if err != nil {
		return 0, err
	}
	p := cnf.Payload
	switch {
	case len(p) == 3 && p[0] == addr && p[1] == 1:
		return p[2], nil
	case len(p) == 1:
		return p[0], nil
	}
	return 0, &RequestError{Op: op, Status: -1, Reply: Encode(cnf), Detail: "want address, count 1 and the value", Err: ErrUnexpected}
}

// FirmwareVersion returns the firmware version the module reported, as
// dotted decimal bytes ("2.0.6").
func (c *Conn) FirmwareVersion() string {
	s := make([]string, len(c.firmware))
	for i, b := range c.firmware {
		s[i] = strconv.Itoa(int(b))
	}
	return strings.Join(s, ".")
}

// SerialNumber returns the serial number the module reported (4 bytes,
// most significant first), 0 if it did not give 4 bytes.
func (c *Conn) SerialNumber() uint32 {
	if len(c.serial) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(c.serial)
}

// Resets says how many times Open reset the module to apply changed
// output parameters (0 when they were right already).
func (c *Conn) Resets() int { return c.resets }

// Mode returns the link mode received frames are tagged with.
func (c *Conn) Mode() radio.LinkMode { return radio.LinkMode(c.mode.Load()) }

// Receive returns the next received frame: L counting the frame only, no
// CRCs, RSSI in dBm, Mode and Time (the host's clock: the module gives no
// timestamp) set. It returns the port's error (wrapped) once the frames
// read before the port failed have been returned, and ErrClosed after
// Close.
func (c *Conn) Receive() (radio.Frame, error) {
	select {
	case f := <-c.frames:
		return f, nil
	case <-c.closed:
		return radio.Frame{}, ErrClosed
	case <-c.done:
		select {
		case f := <-c.frames:
			return f, nil
		default:
		}
		select {
		case <-c.closed:
			return radio.Frame{}, ErrClosed
		default:
		}
		return radio.Frame{}, c.err
	}
}

// Send transmits frame (L first, no CRCs; the module computes L and the
// CRCs) with CMD_DATA_REQ and waits for CMD_DATA_CNF.
func (c *Conn) Send(frame []byte) error {
	if len(frame) < 10 || len(frame) > 255 || int(frame[0]) != len(frame)-1 {
		return ambErr(codec.ErrMalformed, 0, "frame to send must hold a link header, start with L = length-1 and be at most 255 bytes")
	}
	_, err := c.request("send", DataRequest(frame), true)
	return err
}

// Close closes the port; Receive and Send return ErrClosed.
func (c *Conn) Close() error {
	c.stop()
	return c.closeErr
}

func (c *Conn) stop() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.closeErr = c.port.Close()
		<-c.done
	})
}

// request writes req and waits for its confirmation (command | CNF). With
// status, a non-zero first payload byte is a refusal (an empty payload
// counts as success).
func (c *Conn) request(op string, req Command, status bool) (Command, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	select {
	case <-c.closed:
		return Command{}, ErrClosed
	default:
	}
	for drained := false; !drained; {
		select {
		case <-c.resp:
		default:
			drained = true
		}
	}
	if _, err := c.port.Write(Encode(req)); err != nil {
		return Command{}, fmt.Errorf("amber: %s: write: %w", op, err)
	}
	timer := time.NewTimer(c.opt.Timeout)
	defer timer.Stop()
	for {
		select {
		case m := <-c.resp:
			if m.Cmd != req.Cmd|CNF {
				continue
			}
			if status && len(m.Payload) > 0 && m.Payload[0] != 0 {
				return m, &RequestError{Op: op, Status: int(m.Payload[0]), Reply: Encode(m), Err: ErrRefused}
			}
			return m, nil
		case <-timer.C:
			return Command{}, &RequestError{Op: op, Status: -1, Detail: "waited " + c.opt.Timeout.String(), Err: ErrTimeout}
		case <-c.closed:
			return Command{}, ErrClosed
		case <-c.done:
			return Command{}, fmt.Errorf("amber: %s: %w", op, c.err)
		}
	}
}

type chunk struct {
	b   []byte
	err error
}

func (c *Conn) readLoop() {
	defer close(c.done)
	chunks := make(chan chunk)
	go func() {
		idle := 0
		for {
			b := make([]byte, 512)
			n, err := c.port.Read(b)
			if n == 0 && err == nil {
				if idle++; idle < 100 {
					continue
				}
				err = io.ErrNoProgress
			}
			idle = 0
			select {
			case chunks <- chunk{b[:n], err}:
			case <-c.closed:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var buf []byte
	gap := time.NewTimer(c.opt.Gap)
	gap.Stop()
	defer gap.Stop()
	for {
		select {
		case ch := <-chunks:
			buf = append(buf, ch.b...)
			var ok bool
			if buf, ok = c.process(buf, false); !ok {
				c.err = ErrClosed
				return
			}
			if ch.err != nil {
				c.err = fmt.Errorf("amber: read: %w", ch.err)
				return
			}
			if len(buf) > 0 {
				gap.Reset(c.opt.Gap)
			} else {
				gap.Stop()
			}
		case <-gap.C:
			var ok bool
			if buf, ok = c.process(buf, true); !ok {
				c.err = ErrClosed
				return
			}
		case <-c.closed:
			c.err = ErrClosed
			return
		}
	}
}

// process dispatches every token in buf and returns what is left.
func (c *Conn) process(buf []byte, atEOF bool) ([]byte, bool) {
	off := 0
	for off < len(buf) {
		var adv int
		var tok []byte
		rssi := c.rssi.Load()
		switch {
		case !c.transparent.Load():
			adv, tok, _ = Split(buf[off:], atEOF)
		case rssi:
			adv, tok, _ = SplitTransparent(buf[off:], atEOF)
		default:
			adv, tok, _ = SplitTransparentNoRSSI(buf[off:], atEOF)
		}
		if adv == 0 {
			break
		}
		off += adv
		if tok == nil {
			continue
		}
		if !c.dispatch(tok, rssi) {
			return buf, false
		}
	}
	return append(buf[:0], buf[off:]...), true
}

func (c *Conn) dispatch(tok []byte, rssi bool) bool {
	var f radio.Frame
	var err error
	if tok[0] == SOF {
		var m Command
		if m, _, err = Decode(tok); err != nil {
			return true
		}
		if m.Cmd != CmdDataInd {
			if m.Cmd&CNF != 0 {
				m.Payload = append([]byte(nil), m.Payload...)
				select {
				case c.resp <- m:
				default:
				}
			}
			return true
		}
		f, err = FrameFromIndication(m, rssi)
	} else {
		f, _, err = parseTransparent(tok, rssi)
	}
	if err != nil {
		return true
	}
	f.Mode = radio.LinkMode(c.mode.Load())
	f.Time = time.Now()
	select {
	case c.frames <- f:
		return true
	case <-c.closed:
		return false
	}
}
