package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzElfPayload(f *testing.F) {
	f.Add(mustHex("02FD0C010A6564370AFD4731030A274907047F00000002"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = elfPayload(recs, data, &out)
	})
}
