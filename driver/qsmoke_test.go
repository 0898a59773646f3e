package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func TestQsmokeDate(t *testing.T) {
	if d, ok := qsmokeDate([]byte{0xFF, 0xFF}); !ok || d != "2128-03-31" {
		t.Errorf("got %q %v", d, ok)
	}
}

func FuzzQsmokePayload(f *testing.F) {
	f.Add(mustHex("01FD08F081027C034955230082026CFFFF81037C034C41230082036CFFFF03FD17000000326CFFFF046D0F0ABC2B02FDAC7E1100"))
	f.Add(mustHex("02FD17FFFF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := (&mbus.Parser{}).Parse(data)
		var out Output
		_ = qsmokePayload(recs, data, &out)
	})
}
