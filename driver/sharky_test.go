package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// FuzzSharkyPayload: the sharky payload never panics.
func FuzzSharkyPayload(f *testing.F) {
	f.Add([]byte{0x0A, 0x62, 0x02, 0xF0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		var out Output
		_ = sharkyPayload(recs, b, &out)
	})
}
