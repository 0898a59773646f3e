package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// FuzzQ400Payload: the q400 payload never panics.
func FuzzQ400Payload(f *testing.F) {
	f.Add([]byte{0x34, 0xFD, 0x17, 0x01, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		var out Output
		_ = q400Payload(recs, b, &out)
	})
}
