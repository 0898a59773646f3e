package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// FuzzItronPayload: the itron payload never panics.
func FuzzItronPayload(f *testing.F) {
	f.Add([]byte{0x04, 0x7F, 0x00, 0x00, 0x06, 0x0C, 0x02, 0x7F, 0x86, 0x2A, 0x03, 0xFD, 0x97, 0x1C, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		var out Output
		_ = itronPayload(recs, b, &out)
	})
}
