package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzEnercalPayload(f *testing.F) {
	f.Add(mustHex("04068146060002622A0004FD1700000000c280006cc127"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = enercalPayload(recs, apl, &out)
	})
}
