package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzEvo868Payload(f *testing.F) {
	f.Add(mustHex("04FD17000000004413C9040000426C9F2C82046C9F2C840413C9040000C404131B000000"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = evo868Payload(recs, data, &out)
	})
}
