package amber

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/internal/hostlink"
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
	return hostlink.RequestErrorString("amber", e.Op, e.Err, e.Status, e.Detail, e.Reply)
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
	opt Options

	mode        atomic.Uint32 // radio.LinkMode frames are tagged with
	transparent atomic.Bool   // the module outputs frames transparently
	rssi        atomic.Bool   // the module appends RSSI to frames
	firmware    []byte
	serial      []byte
	resets      int

	link *hostlink.Link[Command] // read loop, requests, closing
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
	c := &Conn{opt: opt}
	c.mode.Store(uint32(opt.Mode))
	c.link = hostlink.Open(port, hostlink.Config[Command]{
		Name: "amber", Closed: ErrClosed,
		Timeout: opt.Timeout, Gap: opt.Gap, Queue: opt.Queue,
		Next:     c.next,
		TimedOut: timedOut,
	})
	if err := c.configure(setMode); err != nil {
		c.link.Close()
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
func (c *Conn) Receive() (radio.Frame, error) { return c.link.Receive() }

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
func (c *Conn) Close() error { return c.link.Close() }

// request writes req and waits for its confirmation (command | CNF). With
// status, a non-zero first payload byte is a refusal (an empty payload
// counts as success).
func (c *Conn) request(op string, req Command, status bool) (Command, error) {
	m, err := c.link.Request(op, Encode(req), func(m Command) bool { return m.Cmd == req.Cmd|CNF })
	if err != nil {
		return Command{}, err
	}
	if status && len(m.Payload) > 0 && m.Payload[0] != 0 {
		return m, &RequestError{Op: op, Status: int(m.Payload[0]), Reply: Encode(m), Err: ErrRefused}
	}
	return m, nil
}

func timedOut(op string, waited time.Duration) error {
	return &RequestError{Op: op, Status: -1, Detail: "waited " + waited.String(), Err: ErrTimeout}
}

// next splits the next token off buf for the link, as the module outputs
// them now (commands, or transparent frames with or without RSSI):
// received frames are tagged with the link mode and the time,
// confirmations are answers and other commands are dropped.
func (c *Conn) next(buf []byte, atEOF bool) (int, hostlink.Event[Command]) {
	var ev hostlink.Event[Command]
	var adv int
	var tok []byte
	rssi := c.rssi.Load()
	switch {
	case !c.transparent.Load():
		adv, tok, _ = Split(buf, atEOF)
	case rssi:
		adv, tok, _ = SplitTransparent(buf, atEOF)
	default:
		adv, tok, _ = SplitTransparentNoRSSI(buf, atEOF)
	}
	if tok == nil {
		return adv, ev
	}
	var f radio.Frame
	var err error
	if tok[0] == SOF {
		var m Command
		if m, _, err = Decode(tok); err != nil {
			return adv, ev
		}
		if m.Cmd != CmdDataInd {
			if m.Cmd&CNF != 0 {
				m.Payload = append([]byte(nil), m.Payload...)
				ev.Kind, ev.Answer = hostlink.Answer, m
			}
			return adv, ev
		}
		f, err = FrameFromIndication(m, rssi)
	} else {
		f, _, err = parseTransparent(tok, rssi)
	}
	if err != nil {
		return adv, ev
	}
	f.Mode = radio.LinkMode(c.mode.Load())
	f.Time = time.Now()
	ev.Kind, ev.Frame = hostlink.Received, f
	return adv, ev
}
