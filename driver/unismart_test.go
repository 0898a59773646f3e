package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzUnismartPayload(f *testing.F) {
	f.Add(mustHex("02FD74F00C017F14046D122DAF29066D1E120DAF29"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = unismartPayload(recs, data, &out)
	})
}
