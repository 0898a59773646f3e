package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzMinomessPayload(f *testing.F) {
	f.Add(mustHex("0C1359000000026CBE2B4C1300020000426C3F3C02FD170000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = minomessPayload(recs, apl, &out)
		var d Output
		dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFFFFFF, &d)
	})
}
