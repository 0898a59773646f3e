package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzMuniaPayload(f *testing.F) {
	f.Add(mustHex("0A6601020AFB1A570602FD971D0000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = muniaPayload(recs, apl, &out)
	})
}
