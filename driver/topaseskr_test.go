package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzTopaseskrPayload(f *testing.F) {
	f.Add(mustHex("01FD08800C1391454400025AAE0002FD747912"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = topaseskrPayload(recs, apl, &out)
	})
}
