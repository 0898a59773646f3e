package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzLansenrpPayload(f *testing.F) {
	f.Add(mustHex("04FD3A946709008240FD3A600002FD0F9500C101FD3A7F02FD46D00C"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = lansenrpPayload(recs, data, &out)
	})
}
