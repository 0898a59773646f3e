package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzNemoPayload(f *testing.F) {
	f.Add(mustHex("05FD3ADCF97E3F01FD170005FF5A0000FA4302FD3AC800"))
	f.Add([]byte{0x05, 0xFF, 0x5A})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = nemoPayload(recs, data, &out)
	})
}
