package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzPiigthPayload(f *testing.F) {
	f.Add(mustHex("0265C0094265A509B20165000002FB1A900142FB1A690102FD0F2100"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = piigthPayload(recs, data, &out)
	})
}
