package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

// gwfwaterFuzzRecords parses data as records (whatever parses) and adds
// a manufacturer block holding data itself.
func gwfwaterFuzzRecords(data []byte) []mbus.Record {
	var p mbus.Parser
	recs, _ := p.Parse(data)
	return append(recs, mbus.Record{Manufacturer: true, Data: data})
}

func FuzzGwfwaterPayload(f *testing.F) {
	f.Add([]byte{0x01, 0x20, 0x01, 0x2F})
	f.Add([]byte{0x02, 0x00, 0xE3})
	f.Add([]byte{0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = gwfwaterPayload(gwfwaterFuzzRecords(data), data, &out)
	})
}
