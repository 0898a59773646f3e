package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzEsyswmPayload(f *testing.F) {
	f.Add(mustHex("0DFD090F34302E3030562030303030303030300DFD100AAAAAAAAAAAAAAAAAAAAA"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(apl)
		var out Output
		_ = esyswmPayload(recs, apl, &out)
	})
}
