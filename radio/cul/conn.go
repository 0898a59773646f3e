package cul

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/stream"
	"github.com/meterwire/meterwire/wmbus"
)

// Host commands besides those in cul.go.
const (
	// ModeQuery makes culfw print its wM-Bus reception state: SMODE,
	// TMODE, CMODE or OFF.
	ModeQuery = "br"
	// SendS and SendT, followed by the frame in hex with its format A
	// CRCs, transmit it as an S or T mode meter would. culfw has no C mode
	// transmitter, and builds compiled with MBUS_NO_TX answer "not
	// compiled in".
	SendS = "bss"
	SendT = "bst"
	// ModeOff is culfw's answer when wM-Bus reception is off (also the
	// answer to a mode command the firmware does not know, such as brc on
	// builds without C mode).
	ModeOff = "OFF"
	// NoTX is culfw's answer to a send command in a build without
	// transmitter support.
	NoTX = "not compiled in"
)

// Errors of the initialisation, wrapped in an *InitError.
var (
	// ErrNoAnswer: culfw did not answer within the timeout (not a culfw
	// stick, wrong baud rate, or a hung firmware).
	ErrNoAnswer = errors.New("no answer")
	// ErrBadAnswer: culfw answered something else than expected (the
	// firmware lacks the mode).
	ErrBadAnswer = errors.New("unexpected answer")
	// ErrNotReceiving: no link mode was given and culfw's wM-Bus
	// reception is off, so nothing would ever arrive.
	ErrNotReceiving = errors.New("wM-Bus reception is off")
)

// InitError says which initialisation step failed.
type InitError struct {
	Command string // the command sent
	Want    string // the answer expected ("" for any)
	Got     string // the answer received ("" when none came)
	Err     error  // ErrNoAnswer, ErrBadAnswer, ErrNotReceiving or the port's error
}

// Error says which command got which answer.
func (e *InitError) Error() string {
	s := "cul: " + strconv.Quote(e.Command) + ": "
	switch {
	case e.Got != "" && e.Want != "":
		s += "want " + strconv.Quote(e.Want) + ", got " + strconv.Quote(e.Got) + ": "
	case e.Got != "":
		s += "got " + strconv.Quote(e.Got) + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns Err.
func (e *InitError) Unwrap() error { return e.Err }

// DefaultTimeout is how long the initialisation waits for each answer.
const DefaultTimeout = 2 * time.Second

// Options tune Open; the zero value is good.
type Options struct {
	// Timeout bounds the wait for each answer (DefaultTimeout when 0).
	Timeout time.Duration
}

// maxLine bounds a culfw line ("bY" + 2 * (290 + 2) hex digits).
const maxLine = 4096

// Conn is a culfw stick in wireless M-Bus reception.
type Conn struct {
	port    io.ReadWriteCloser
	lines   *stream.Tokens
	mode    radio.LinkMode
	version string

	wmu     sync.Mutex // serialises writes
	noTX    atomic.Bool
	closed  atomic.Bool
	skipped atomic.Int64
	once    sync.Once
	err     error
}

// NewConn is the radio.Driver for culfw sticks: Open with default options.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return Open(port, d, Options{})
}

// Open initialises the culfw stick on port and returns its connection:
//
//  1. an empty line (discards a half-typed command), then V: the answer
//     must be a version line "V ..." (see Version);
//  2. X21: report LQI and RSSI after each frame (no answer). It is sent
//     before the mode because culfw's X command may reinitialise the radio
//     chip;
//  3. d.Mode's command (brs, brt or brc, see ModeCommand), answered by
//     SMODE, TMODE or CMODE; OFF means the firmware cannot receive that
//     mode. Without a mode (ModeUnknown) the stick's current state is read
//     with br and restored after X21; reception that is off is an error
//     (ErrNotReceiving), since the stick would never deliver a frame.
//
// Lines that arrive while an answer is awaited (frames still in flight,
// noise) are ignored. A failed step returns an *InitError (ErrNoAnswer
// after the timeout); the caller closes the port. Link modes culfw does
// not have (N, R2, F2) fail at once with codec.ErrUnsupported.
func Open(port io.ReadWriteCloser, d radio.Device, opt Options) (*Conn, error) {
	var cmd string
	if d.Mode != radio.ModeUnknown {
		var err error
		if cmd, err = ModeCommand(d.Mode); err != nil {
			return nil, err
		}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	c := &Conn{port: port, mode: d.Mode}
	c.lines = stream.NewTokens(port, SplitLines, maxLine)
	if err := c.init(cmd, opt.Timeout); err != nil {
		c.lines.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) init(modeCmd string, timeout time.Duration) error {
	if err := c.write(""); err != nil {
		return &InitError{Command: "", Err: err}
	}
	v, err := c.command(Version, "V ...", timeout, func(l string) bool { return strings.HasPrefix(l, "V ") })
	if err != nil {
		return err
	}
	c.version = strings.TrimSpace(v[2:])
	if modeCmd == "" {
		st, err := c.command(ModeQuery, "", timeout, isModeAnswer)
		if err != nil {
			return err
		}
		if modeCmd = modeCommandFor(st); modeCmd == "" {
			return &InitError{Command: ModeQuery, Got: st, Err: ErrNotReceiving}
		}
		c.mode, _ = ParseModeCommand(modeCmd)
	}
	if err := c.write(ReportRSSI); err != nil {
		return &InitError{Command: ReportRSSI, Err: err}
	}
	want := ModeResponse(modeCmd)
	got, err := c.command(modeCmd, want, timeout, isModeAnswer)
	if err != nil {
		return err
	}
	if got != want {
		return &InitError{Command: modeCmd, Want: want, Got: got, Err: ErrBadAnswer}
	}
	return nil
}

func isModeAnswer(l string) bool {
	switch l {
	case "SMODE", "TMODE", "CMODE", ModeOff:
		return true
	}
	return false
}

// modeCommandFor returns the command that selects the state a mode answer
// names, "" for OFF.
func modeCommandFor(answer string) string {
	for _, cmd := range []string{"brs", "brt", "brc"} {
		if ModeResponse(cmd) == answer {
			return cmd
		}
	}
	return ""
}

// command sends cmd and waits for a line ok accepts.
func (c *Conn) command(cmd, want string, timeout time.Duration, ok func(string) bool) (string, error) {
	if err := c.write(cmd); err != nil {
		return "", &InitError{Command: cmd, Want: want, Err: err}
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return "", &InitError{Command: cmd, Want: want, Err: ErrNoAnswer}
		}
		tok, err := c.lines.Next(left)
		if errors.Is(err, stream.ErrTimeout) {
			return "", &InitError{Command: cmd, Want: want, Err: ErrNoAnswer}
		}
		if err != nil {
			return "", &InitError{Command: cmd, Want: want, Err: err}
		}
		if l := strings.TrimSpace(string(tok)); ok(l) {
			return l, nil
		}
	}
}

func (c *Conn) write(cmd string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := io.WriteString(c.port, cmd+"\n")
	return err
}

// Version is the firmware's version line without the leading "V "
// ("1.67 nanoCUL868").
func (c *Conn) Version() string { return c.version }

// Mode is the link mode the stick receives (S1, T1 or C1 when it was read
// from the stick).
func (c *Conn) Mode() radio.LinkMode { return c.mode }

// Receive returns the next frame: `b` and `bY` lines decoded by ParseLine
// (CRCs checked and removed, LQI and RSSI from X21), Mode set to the
// configured mode (C1 for `bY` lines, which only C mode has; a `b` line in
// C mode may be a T1 frame, culfw does not say). Frame lines that do not
// decode (radio noise that passed culfw, a line cut off by a reset) are
// skipped and counted (Skipped); other lines are ignored.
func (c *Conn) Receive() (radio.Frame, error) {
	for {
		tok, err := c.lines.Next(0)
		if err != nil {
			return radio.Frame{}, err
		}
		line := strings.TrimSpace(string(tok))
		if !IsFrameLine(line) {
			if line == NoTX {
				c.noTX.Store(true)
			}
			continue
		}
		f, err := ParseLine(line)
		if err != nil {
			c.skipped.Add(1)
			continue
		}
		f.Mode = c.mode
		if strings.HasPrefix(line, "bY") && c.mode != radio.ModeC2 {
			f.Mode = radio.ModeC1
		}
		f.Time = time.Now()
		return f, nil
	}
}

// Send transmits frame (L first, no CRCs) with culfw's bss or bst command,
// the CRCs added in format A, when the stick receives S or T mode. culfw
// can transmit only as an S or T mode meter: in C mode, and after the
// firmware answered "not compiled in", Send returns an error wrapping
// radio.ErrReceiveOnly. culfw does not confirm a transmission.
func (c *Conn) Send(frame []byte) error {
	if c.closed.Load() {
		return stream.ErrClosed
	}
	var cmd string
	switch c.mode {
	case radio.ModeS1, radio.ModeS1m, radio.ModeS2:
		cmd = SendS
	case radio.ModeT1, radio.ModeT2:
		cmd = SendT
	default:
		return fmt.Errorf("cul: culfw transmits only in S and T mode, not %v: %w", c.mode, radio.ErrReceiveOnly)
	}
	if c.noTX.Load() {
		return fmt.Errorf("cul: this culfw build has no transmitter (%q): %w", NoTX, radio.ErrReceiveOnly)
	}
	raw, err := wmbus.AppendCRC(nil, frame, wmbus.FormatA)
	if err != nil {
		return err
	}
	return c.write(cmd + strings.ToUpper(hex.EncodeToString(raw)))
}

// Close closes the port; a Receive in progress returns stream.ErrClosed.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.lines.Close()
		c.err = c.port.Close()
	})
	return c.err
}

// Skipped is the number of frame lines that did not decode.
func (c *Conn) Skipped() int64 { return c.skipped.Load() }
