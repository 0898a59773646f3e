package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzMaddalenaPayload(f *testing.F) {
	f.Add(mustHex("04FD17000000000E789986012401FF"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = maddalenaPayload(recs, apl, &out)
	})
}
