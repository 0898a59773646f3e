package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzFhkvdataivPayload(f *testing.F) {
	f.Add(mustHex("036E020000436E190000426C9F2C82046C7F2A8D04EE1F1E72FE000000000000000000000000000000000000000000000000030016002F2F"))
	f.Add([]byte{0x04})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mbus.Parser
		recs, _ := p.Parse(data)
		var out Output
		_ = fhkvdataivPayload(recs, data, &out)
	})
}

func FuzzFhkvdataivProfile(f *testing.F) {
	f.Add([]byte{0x72, 0xFE, 0, 0, 3, 0, 0x16, 0}, 2019, 10, 31)
	f.Fuzz(func(t *testing.T, data []byte, y, m, d int) {
		var out Output
		base := &mbus.Record{Valid: true, Time: mbus.DateTime{Year: y, Month: m, Day: d, HasDate: true}}
		fhkvdataivProfile(data, base, &out)
	})
}
