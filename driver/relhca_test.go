package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzRelhcaPayload(f *testing.F) {
	f.Add(mustHex("0C6E41648401046D9C021732426CFF2C4C6E4164840142EC7E1F3C"))
	f.Add([]byte{0x42, 0xEC})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = relhcaPayload(recs, data, &out)
	})
}
