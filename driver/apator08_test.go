package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzApator08Payload(f *testing.F) {
	f.Add(mustHex("42F214000040030000000005FF0472BF1400"))
	f.Add(mustHex("0413A7000000"))
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = apator08Payload(recs, apl, &out)
		_ = apator08Payload(nil, apl, &out)
	})
}
