package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzPollucomfPayload(f *testing.F) {
	f.Add(mustHex("02FD170000426CBF2C"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = pollucomfPayload(recs, data, &out)
	})
}
