package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzSharky774Payload(f *testing.F) {
	f.Add(mustHex("0B26032100" + "0AA6180000" + "0C06105104"))
	f.Add([]byte{0x0A, 0xA6})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = sharky774Payload(recs, data, &out)
	})
}
