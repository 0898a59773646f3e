package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzEhzpPayload(f *testing.F) {
	f.Add(mustHex("0700583B7402000000000428B070200004FD1701000000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = ehzpPayload(recs, apl, &out)
	})
}
