package rtlwmbus

import (
	"io"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/stream"
)

// maxLine bounds an output line (a 290-byte frame is 580 hex digits).
const maxLine = 8 << 10

// NewConn reads rtl_wmbus output lines from port (stdin, a file, or the
// output of the command given with ?cmd=...) and returns a frame for every
// line ParseLine accepts, with the mode and time rtl_wmbus printed. Lines
// it rejects (CRC or 3-out-of-6 errors rtl_wmbus reports, status messages,
// noise) are skipped; Skipped on the returned *stream.Conn counts them.
// Receive returns io.EOF when the output ends. rtl_wmbus cannot transmit:
// Send returns radio.ErrReceiveOnly.
func NewConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return stream.NewConn(port, SplitLines, maxLine, func(tok []byte) (radio.Frame, error) {
		return ParseLine(string(tok))
	}), nil
}
