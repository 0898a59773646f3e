// Package serialport opens the serial ports behind device addresses (real
// UARTs, USB adapters and pseudo-terminals alike) and lists the ports a
// machine has, with the USB identities that tell which receiver is which.
package serialport

import (
	"fmt"
	"io"

	"go.bug.st/serial"

	"github.com/meterwire/meterwire/radio"
)

// Open opens the serial port of d with its line settings (baud, data bits,
// parity, stop bits; defaults from the device kind, 8N1).
func Open(d radio.Device) (io.ReadWriteCloser, error) {
	mode, err := Mode(d)
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(d.Path, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.Path, err)
	}
	return p, nil
}

// Mode is the line setting of d as go.bug.st/serial wants it.
func Mode(d radio.Device) (*serial.Mode, error) {
	m := &serial.Mode{BaudRate: d.Baud, DataBits: d.DataBits, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	if m.BaudRate == 0 {
		m.BaudRate = radio.DefaultBaud(d.Kind)
	}
	if m.BaudRate == 0 {
		return nil, fmt.Errorf("%s: %q is not a serial device kind", d.Raw, d.Kind)
	}
	if m.DataBits == 0 {
		m.DataBits = 8
	}
	switch d.Parity {
	case "", radio.ParityNone:
	case radio.ParityEven:
		m.Parity = serial.EvenParity
	case radio.ParityOdd:
		m.Parity = serial.OddParity
	default:
		return nil, fmt.Errorf("%s: parity %q (want none, even or odd)", d.Raw, d.Parity)
	}
	switch d.StopBits {
	case 0, 1:
	case 2:
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("%s: %d stop bits (want 1 or 2)", d.Raw, d.StopBits)
	}
	return m, nil
}
