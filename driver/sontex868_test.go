package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzSontex868Payload(f *testing.F) {
	f.Add(mustHex("046D040A9F2A036E770000426CE1F7436E660000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = sontex868Payload(recs, apl, &out)
	})
}
