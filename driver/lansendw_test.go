package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzLansendwPayload(f *testing.F) {
	f.Add(mustHex("02FD1B110002FD971D01000EFD3A220000000000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = lansendwPayload(recs, apl, &out)
	})
}
