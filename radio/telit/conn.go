package telit

import (
	"errors"
	"io"

	"github.com/meterwire/meterwire/radio"
)

// NewConn configures the device on port as d asks and returns its driver.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return nil, errors.New("telit: driver not written yet")
}
