package imst

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/internal/hostlink"
)

// Errors a Conn returns; RequestError wraps the first two.
var (
	// ErrTimeout: the module did not answer a request within
	// Options.Timeout.
	ErrTimeout = errors.New("no answer from the module")
	// ErrRefused: the module answered a request with a failure status.
	ErrRefused = errors.New("the module refused the request")
	// ErrUnexpected: the module answered, but not as expected (a link
	// mode other than the one set, an unreadable answer).
	ErrUnexpected = errors.New("unexpected answer from the module")
	// ErrClosed is returned by Receive and Send after Close.
	ErrClosed = errors.New("imst: connection closed")
)

// RequestError is a request the module refused, did not answer in time or
// answered unexpectedly. It says what the module said; it never holds the
// request (which may carry key material).
type RequestError struct {
	Op     string // what was asked: "ping", "set configuration", "send", ...
	Status int    // the status byte of the answer; -1 if there was none
	Reply  []byte // the answer as it came on the wire; nil on timeout
	Detail string // more on Err, may be empty
	Err    error  // ErrTimeout, ErrRefused or ErrUnexpected
}

func (e *RequestError) Error() string {
	return hostlink.RequestErrorString("imst", e.Op, e.Err, e.Status, e.Detail, e.Reply)
}

// Unwrap returns Err.
func (e *RequestError) Unwrap() error { return e.Err }

// Options configure Open. The zero value is usable: it leaves the link
// mode as the module has it.
type Options struct {
	// Mode is the link mode to receive in. ModeUnknown leaves the module's
	// link mode alone (as radio.Device promises); the driver then reads
	// it back so that frames still carry it. Modes the module does not
	// have (F2) make Open fail with an error wrapping
	// codec.ErrUnsupported.
	Mode radio.LinkMode
	// Timeout bounds the wait for each confirmation (default 1 s).
	Timeout time.Duration
	// Gap is the silence after which a message still incomplete in the
	// read buffer is given up and the bytes after its A5 are searched
	// again (default 100 ms; the module sends each message in one burst).
	Gap time.Duration
	// Queue is how many received frames wait for Receive before the
	// driver stops reading the port (default 64). While it is full,
	// confirmations are not read either: keep calling Receive.
	Queue int
	// DeviceTime, when set, turns the module's 32-bit timestamp into
	// Frame.Time. The timestamp is an RTC count whose unit and epoch this
	// package does not know for sure, so by default Frame.Time is the
	// host's clock when the frame was read.
	DeviceTime func(ts uint32) time.Time
}

// Conn drives an iM871A (or iM170A) on an open port. It implements
// radio.Conn.
type Conn struct {
	opt  Options
	mode atomic.Uint32 // radio.LinkMode frames are tagged with
	info DeviceInfo
	link *hostlink.Link[Message] // read loop, requests, closing
}

// NewConn configures the module on port as d asks (link mode d.Mode, RSSI
// and timestamps attached to received frames; nothing is stored in the
// module's non-volatile memory) and returns its driver. It is a
// radio.Driver.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	c, err := Open(port, Options{Mode: d.Mode})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Open starts driving the module on port: it pings it, reads its device
// information, sets the link mode (when opt.Mode is known) and asks for RSSI
// and timestamps on received frames, in the running configuration only,
// then reads the configuration back. On error Open closes port and nothing
// keeps running.
func Open(port io.ReadWriteCloser, opt Options) (*Conn, error) {
	var linkValue byte
	if opt.Mode != radio.ModeUnknown {
		v, ok := LinkModeValue(opt.Mode)
		if !ok {
			port.Close()
			return nil, hciErr(codec.ErrUnsupported, -1, "link mode "+opt.Mode.String()+" not supported by the iM871A/iM170A")
		}
		linkValue = v
	}
	c := &Conn{opt: opt}
	c.mode.Store(uint32(opt.Mode))
	c.link = hostlink.Open(port, hostlink.Config[Message]{
		Name: "imst", Closed: ErrClosed,
		Timeout: opt.Timeout, Gap: opt.Gap, Queue: opt.Queue,
		Next:     c.next,
		TimedOut: timedOut,
	})
	if err := c.configure(linkValue); err != nil {
		c.link.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) configure(linkValue byte) error {
	if _, err := c.request("ping", Ping(), false); err != nil {
		return err
	}
	rsp, err := c.request("get device info", GetDeviceInfo(), false)
	if err != nil {
		return err
	}
	if c.info, err = ParseDeviceInfo(rsp.Payload); err != nil {
		return &RequestError{Op: "get device info", Status: -1, Reply: Encode(rsp), Detail: err.Error(), Err: ErrUnexpected}
	}
	cfg := Config{Flags2: Cfg2AutoRSSI | Cfg2AutoTimestamp, AutoRSSI: 1, AutoTimestamp: 1}
	if c.opt.Mode != radio.ModeUnknown {
		cfg.Flags1, cfg.LinkMode = Cfg1LinkMode, linkValue
	}
	if _, err := c.request("set configuration", SetConfig(cfg, false), true); err != nil {
		return err
	}
	rsp, err = c.request("get configuration", GetConfig(), false)
	if err != nil {
		return err
	}
	got, perr := ParseConfig(rsp.Payload)
	if perr != nil || got.Flags1&Cfg1LinkMode == 0 {
		// Unreadable: trust the confirmation of the set request.
		return nil
	}
	mode, ok := LinkModeFromValue(got.LinkMode)
	if got.LinkMode == LinkCT && c.info.ModuleType == ModuleIM871A {
		mode, ok = radio.ModeC1, true // C1 and T1 at once
	}
	switch {
	case c.opt.Mode == radio.ModeUnknown:
		if ok {
			c.mode.Store(uint32(mode))
		}
	case got.LinkMode != linkValue:
		return &RequestError{Op: "get configuration", Status: -1, Reply: Encode(rsp),
			Detail: fmt.Sprintf("link mode value 0x%02X after setting 0x%02X (%v)", got.LinkMode, linkValue, c.opt.Mode), Err: ErrUnexpected}
	}
	return nil
}

// Module types of DeviceInfo.ModuleType.
const (
	ModuleIM871A = 0x33
	ModuleIM170A = 0x36
)

// DeviceInfo returns what the module said about itself when opened.
func (c *Conn) DeviceInfo() DeviceInfo { return c.info }

// Mode returns the link mode received frames are tagged with.
func (c *Conn) Mode() radio.LinkMode { return radio.LinkMode(c.mode.Load()) }

// Receive returns the next received frame: L restored, no CRCs, RSSI in
// dBm, Mode and Time set. It returns the port's error (wrapped) once the
// frames read before the port failed have been returned, and ErrClosed
// after Close.
func (c *Conn) Receive() (radio.Frame, error) { return c.link.Receive() }

// Send transmits frame (L first, no CRCs; the module computes L and the
// CRCs) in the configured link mode and waits for the module's
// confirmation.
func (c *Conn) Send(frame []byte) error {
	if len(frame) < 10 || int(frame[0]) != len(frame)-1 {
		return hciErr(codec.ErrMalformed, 0, "frame to send must hold a link header and start with L = length-1")
	}
	_, err := c.request("send", DataRequest(frame), true)
	return err
}

// Close closes the port; Receive and Send return ErrClosed.
func (c *Conn) Close() error { return c.link.Close() }

// request writes req and waits for its response (same endpoint, message
// id + 1). With status, a non-zero first payload byte is a refusal (an
// empty payload counts as success).
func (c *Conn) request(op string, req Message, status bool) (Message, error) {
	m, err := c.link.Request(op, Encode(req), func(m Message) bool {
		return m.Endpoint == req.Endpoint && m.ID == req.ID+1
	})
	if err != nil {
		return Message{}, err
	}
	if status && len(m.Payload) > 0 && m.Payload[0] != 0 {
		return m, &RequestError{Op: op, Status: int(m.Payload[0]), Reply: Encode(m), Err: ErrRefused}
	}
	return m, nil
}

func timedOut(op string, waited time.Duration) error {
	return &RequestError{Op: op, Status: -1, Detail: "waited " + waited.String(), Err: ErrTimeout}
}

// next splits the next message off buf for the link: received frames are
// tagged with the link mode and the time, the AES decryption error
// indication (never asked for: the driver registers no keys) is dropped and
// every other message is taken for a response.
func (c *Conn) next(buf []byte, atEOF bool) (int, hostlink.Event[Message]) {
	var ev hostlink.Event[Message]
	adv, tok, _ := Split(buf, atEOF)
	if tok == nil {
		return adv, ev
	}
	m, _, err := Decode(tok)
	if err != nil {
		return adv, ev
	}
	now := time.Now()
	switch {
	case m.Endpoint == EndpointRadioLink && m.ID == RadioLinkWMBusMsgInd:
		f, err := FrameFromIndication(m)
		if err != nil {
			return adv, ev
		}
		f.Mode = radio.LinkMode(c.mode.Load())
		f.Time = now
		if m.HasTimestamp && c.opt.DeviceTime != nil {
			f.Time = c.opt.DeviceTime(m.Timestamp)
		}
		ev.Kind, ev.Frame = hostlink.Received, f
	case m.Endpoint == EndpointDevMgmt && m.ID == DevMgmtAESDecErrorInd:
	default:
		m.Payload = append([]byte(nil), m.Payload...)
		ev.Kind, ev.Answer = hostlink.Answer, m
	}
	return adv, ev
}
