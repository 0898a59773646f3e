// Package stream reads inputs that are byte streams rather than radio
// modules: hex lines (a file, stdin or a TCP server), raw capture files and
// P1 ports (serial, ser2net TCP or a capture file).
package stream

import (
	"errors"
	"io"

	"github.com/meterwire/meterwire/radio"
)

// NewHexConn reads hex frames, one a line.
func NewHexConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return nil, errors.New("hex: driver not written yet")
}

// NewRawConn reads a raw capture.
func NewRawConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return nil, errors.New("raw: driver not written yet")
}

// NewP1Conn reads P1 units (text telegrams and binary DLMS frames).
func NewP1Conn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return nil, errors.New("p1: driver not written yet")
}
