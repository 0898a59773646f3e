package radio

import (
	"errors"
	"io"
)

// Conn is a device driver bound to one open port: it has configured the
// device (link mode and whatever else its Device address asks for) and now
// receives and sends frames. Receive and Send may be called from different
// goroutines; Close unblocks both.
type Conn interface {
	// Receive blocks until the next frame arrives. It returns io.EOF when
	// a finite input (a file) is exhausted and another error when the port
	// failed (unplugged, closed); the caller reopens the port then.
	Receive() (Frame, error)
	// Send transmits one frame given as Frame.Data is: L field first, no
	// link-layer CRCs. Drivers of receive-only inputs return ErrReceiveOnly.
	Send(frame []byte) error
	// Close releases the port.
	Close() error
}

// Driver configures a device on a freshly opened port and returns the
// connection. It is called again on every reconnect.
type Driver func(port io.ReadWriteCloser, d Device) (Conn, error)

// ErrReceiveOnly is returned by Send on inputs that cannot transmit
// (rtl_wmbus, files, P1 ports).
var ErrReceiveOnly = errors.New("this input cannot transmit")
