package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// FuzzEi6500Payload: the Ei6500 head word reader never panics.
func FuzzEi6500Payload(f *testing.F) {
	f.Add([]byte{0x84, 0x40, 0xFF, 0x2C, 0x42, 0x0F, 0x11, 0x00, 0x83, 0x60, 0xFD, 0x31, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		var out Output
		_ = ei6500Payload(recs, b, &out)
	})
}
