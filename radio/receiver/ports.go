package receiver

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/amber"
	"github.com/meterwire/meterwire/radio/cul"
	"github.com/meterwire/meterwire/radio/imst"
	"github.com/meterwire/meterwire/radio/rtlwmbus"
	"github.com/meterwire/meterwire/radio/serialport"
	"github.com/meterwire/meterwire/radio/stream"
	"github.com/meterwire/meterwire/radio/telit"
)

var drivers = map[string]radio.Driver{
	radio.KindTelit:    telit.NewConn,
	radio.KindIM871A:   imst.NewConn,
	radio.KindAMB8465:  amber.NewConn,
	radio.KindCUL:      cul.NewConn,
	radio.KindRTLWMBus: rtlwmbus.NewConn,
	radio.KindHex:      stream.NewHexConn,
	radio.KindHexTCP:   stream.NewHexConn,
	radio.KindRaw:      stream.NewRawConn,
	radio.KindP1:       stream.NewP1Conn,
	radio.KindP1TCP:    stream.NewP1Conn,
}

// Stdin is what "stdin" device paths read (a variable for tests).
var Stdin io.Reader = os.Stdin

// Finite reports whether d is an input that ends (a file or stdin) rather
// than a device or connection to reopen when it fails.
func Finite(d radio.Device) bool {
	switch d.Kind {
	case radio.KindHex, radio.KindRaw:
		return true
	case radio.KindRTLWMBus:
		return d.Params.Get("cmd") == ""
	case radio.KindP1:
		return isFile(d.Path)
	}
	return false
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// OpenPort opens the port behind d: a serial port, a TCP connection, a
// file, stdin or the output of rtl_wmbus's command.
func OpenPort(d radio.Device) (io.ReadWriteCloser, error) {
	switch d.Kind {
	case radio.KindHexTCP, radio.KindP1TCP:
		c, err := net.DialTimeout("tcp", d.Host, 5*time.Second)
		if err != nil {
			return nil, err
		}
		return c, nil
	case radio.KindHex, radio.KindRaw, radio.KindRTLWMBus:
		if d.Kind == radio.KindRTLWMBus && d.Params.Get("cmd") != "" {
			return startCommand(d.Params.Get("cmd"))
		}
		if d.Path == "" || d.Path == "stdin" || d.Path == "-" {
			return readOnly{Reader: Stdin}, nil
		}
		f, err := os.Open(d.Path)
		if err != nil {
			return nil, err
		}
		return readOnly{Reader: f, closer: f}, nil
	case radio.KindP1:
		if isFile(d.Path) {
			f, err := os.Open(d.Path)
			if err != nil {
				return nil, err
			}
			return readOnly{Reader: f, closer: f}, nil
		}
	}
	return serialport.Open(d)
}

// readOnly is a port that cannot be written (files, stdin, commands).
type readOnly struct {
	io.Reader
	closer io.Closer
}

func (readOnly) Write([]byte) (int, error) { return 0, radio.ErrReceiveOnly }

func (r readOnly) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// command is rtl_wmbus (usually `rtl_sdr ... | rtl_wmbus`) run by a shell.
type command struct {
	cmd *exec.Cmd
	io.Reader
}

func startCommand(line string) (io.ReadWriteCloser, error) {
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", line, err)
	}
	return &command{cmd: cmd, Reader: out}, nil
}

func (*command) Write([]byte) (int, error) { return 0, radio.ErrReceiveOnly }

func (c *command) Close() error {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
	}
	_ = c.cmd.Wait()
	return nil
}
