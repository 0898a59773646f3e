package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// FuzzWaterstarmPayload: the WaterStar M payload never panics on any
// records.
func FuzzWaterstarmPayload(f *testing.F) {
	f.Add([]byte{0x04, 0x6D, 0xB3, 0x2E, 0x34, 0x38, 0x84, 0x01, 0x13, 0x03, 0x00, 0x00, 0x00, 0x03, 0xFD, 0x0C, 0x08, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		var out Output
		_ = waterstarmPayload(recs, b, &out)
	})
}
