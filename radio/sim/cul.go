package sim

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/cul"
	"github.com/meterwire/meterwire/wmbus"
)

// CUL simulates a culfw stick (CUL, nanoCUL) in wireless M-Bus mode. It
// answers V with VersionLine, br with its reception state, brs/brt/brc
// with SMODE/TMODE/CMODE, takes X21 and X01 (RSSI reporting on and off),
// and prints every packet it hears on the Air as culfw does: `b<hex>` for
// format A, `bY<hex>` for format B (C mode only), CRCs included, LQI and
// RSSI appended after X21. In T mode it does not hear C mode packets (the
// sync words differ); in C mode it hears T and C. bss/bst transmit a frame
// (format A, CRCs included) on the Air as an S1 or T1 meter. Like a
// USB-powered stick it starts from scratch (reception off, no RSSI) each
// time it is plugged in.
//
// Set the option fields before the stick is plugged in.
type CUL struct {
	// VersionLine is the answer to V (default "V 1.67 nanoCUL868").
	VersionLine string
	// NoCMode emulates firmware without C mode: brc is answered OFF.
	NoCMode bool
	// NoTX emulates a build without transmitter: bss/bst are answered
	// "not compiled in".
	NoTX bool
	// Silent makes the stick answer nothing at all (a dead firmware, or
	// another device on the port).
	Silent bool
	// DefaultRSSI is reported for packets that carry none (default -70).
	DefaultRSSI int

	air    *Air
	inject chan injection

	mu       sync.Mutex
	mode     radio.LinkMode
	serving  bool
	sendReqs int
}

type injection struct {
	b    []byte
	done chan error
}

// NewCUL returns a culfw stick listening on air. Plug it into a Stick.
func NewCUL(air *Air) *CUL {
	return &CUL{VersionLine: "V 1.67 nanoCUL868", DefaultRSSI: -70, air: air, inject: make(chan injection)}
}

// Mode is the reception mode the host selected (S1, T1 or C1), or
// ModeUnknown while reception is off.
func (c *CUL) Mode() radio.LinkMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode
}

// SendRequests returns how many send commands (bss, bst) the stick has
// taken, transmitted or refused. When it counts one, the stick's answer
// to it (if any) is written: what it prints after comes after that.
func (c *CUL) SendRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendReqs
}

// Inject writes b to the host as it is, between the lines the stick prints
// (noise, half lines, for resynchronisation tests). It returns once b is
// written, so output that follows it on the Air comes after it; it fails
// when the stick is not plugged in.
func (c *CUL) Inject(b []byte) error {
	errUnplugged := errors.New("sim: CUL not plugged in")
	c.mu.Lock()
	serving := c.serving
	c.mu.Unlock()
	if !serving {
		return errUnplugged
	}
	in := injection{b: b, done: make(chan error, 1)}
	select {
	case c.inject <- in:
	case <-time.After(5 * time.Second):
		return errUnplugged
	}
	return <-in.done
}

// splitCR splits culfw input: commands end with CR or LF.
func splitCR(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		if b == '\r' || b == '\n' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Serve speaks culfw on port (see Device).
func (c *CUL) Serve(ctx context.Context, port io.ReadWriter) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		s := bufio.NewScanner(port)
		s.Split(splitCR)
		for s.Scan() {
			select {
			case lines <- s.Text():
			case <-ctx.Done():
				return
			}
		}
		err := s.Err()
		if err == nil {
			err = io.EOF
		}
		readErr <- err
	}()

	st := culState{c: c, port: port}
	c.mu.Lock()
	c.serving = true
	c.mu.Unlock()
	defer func() {
		st.setMode(radio.ModeUnknown)
		c.mu.Lock()
		c.serving = false
		c.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case in := <-c.inject:
			_, err := port.Write(in.b)
			in.done <- err
			if err != nil {
				return err
			}
		case l := <-lines:
			if err := st.command(strings.TrimSpace(l)); err != nil {
				return err
			}
		case p := <-st.heard:
			if err := st.print(p); err != nil {
				return err
			}
		}
	}
}

// culState is the stick's state while plugged in.
type culState struct {
	c      *CUL
	port   io.Writer
	report bool
	heard  <-chan Packet
	stop   func()
}

func (s *culState) setMode(m radio.LinkMode) {
	if s.stop != nil {
		s.stop()
		s.heard, s.stop = nil, nil
	}
	s.c.mu.Lock()
	s.c.mode = m
	s.c.mu.Unlock()
	if m != radio.ModeUnknown {
		s.heard, s.stop = s.c.air.Listen(m, s.c)
	}
}

func (s *culState) println(line string) error {
	_, err := io.WriteString(s.port, line+"\r\n")
	return err
}

func (s *culState) status() string {
	switch s.c.Mode() {
	case radio.ModeS1:
		return "SMODE"
	case radio.ModeT1:
		return "TMODE"
	case radio.ModeC1:
		return "CMODE"
	}
	return cul.ModeOff
}

func (s *culState) command(l string) error {
	if s.c.Silent || l == "" {
		return nil
	}
	switch {
	case l == cul.Version:
		return s.println(s.c.VersionLine)
	case l == cul.ReportRSSI:
		s.report = true
	case l == cul.ReportPlain:
		s.report = false
	case l == cul.ModeQuery:
		return s.println(s.status())
	case strings.HasPrefix(l, "br"):
		m, ok := cul.ParseModeCommand(l)
		if !ok || m == radio.ModeC1 && s.c.NoCMode {
			m = radio.ModeUnknown
		}
		s.setMode(m)
		return s.println(s.status())
	case strings.HasPrefix(l, cul.SendS), strings.HasPrefix(l, cul.SendT):
		defer func() {
			s.c.mu.Lock()
			s.c.sendReqs++
			s.c.mu.Unlock()
		}()
		if s.c.NoTX {
			return s.println(cul.NoTX)
		}
		raw, err := hex.DecodeString(l[3:])
		if err != nil {
			return nil // culfw ignores what it cannot read
		}
		data, _, _, err := wmbus.StripCRC(nil, raw, wmbus.FormatA)
		if err != nil {
			return nil
		}
		mode := radio.ModeT1
		if l[2] == 's' {
			mode = radio.ModeS1
		}
		s.c.air.Transmit(Packet{Frame: radio.Frame{Data: data, Mode: mode, RSSI: s.c.DefaultRSSI, HasRSSI: true}, Format: wmbus.FormatA, From: s.c})
	}
	return nil
}

// print writes a heard packet as culfw does.
func (s *culState) print(p Packet) error {
	mode := s.c.Mode()
	if mode == radio.ModeT1 && (p.Frame.Mode == radio.ModeC1 || p.Frame.Mode == radio.ModeC2) {
		return nil
	}
	format := p.Format
	switch {
	case format == wmbus.FormatB && mode != radio.ModeC1:
		return nil
	case format != wmbus.FormatB:
		format = wmbus.FormatA // the zero value (auto) and none: as sent in A
	}
	f := p.Frame
	f.HasRSSI, f.HasLQI = s.report, s.report && f.HasLQI
	if s.report && !p.Frame.HasRSSI {
		f.RSSI = s.c.DefaultRSSI
	}
	line, err := cul.FormatLine(f, format)
	if err != nil {
		return nil // not a frame culfw could have received
	}
	return s.println(line)
}
