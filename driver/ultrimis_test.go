package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/telegram"
)

// TestUltrimis checks the reference's ultrimis test telegram by name:
// ultrimisv2 detects the same meters, so the telegram cannot be kept with
// the detected reference tests.
func TestUltrimis(t *testing.T) {
	var td telegram.Decoder
	got, _ := decodeWith(t, &td, Lookup("ultrimis"), "2E4401069897969501167A4B0320052F2F_0413320C000003FD1700000044132109000004933C000000002F2F2F2F2F", "NOKEY")
	want := map[string]any{"total_m3": 3.122, "target_m3": 2.337, "current_status": "OK", "total_backward_flow_m3": 0.0}
	for k, v := range want {
		if g := got.Values[k]; !sameValue(g, v) {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
}

func FuzzUltrimisPayload(f *testing.F) {
	f.Add(mustHex("0413320C000003FD1700000044132109000004933C00000000"))
	f.Add([]byte{0x03, 0xFD})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = ultrimisPayload(recs, data, &out)
	})
}
