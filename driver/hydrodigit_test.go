package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzHydrodigitPayload(f *testing.F) {
	f.Add([]byte{0x97, 0x0A, 0x80, 0x24, 0x04, 0x25, 0x24, 0x04, 0x25, 7, 0, 0, 0, 1, 2, 3})
	f.Add([]byte{0x03})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		recs := []mbus.Record{{Manufacturer: true, Data: data}}
		_ = hydrodigitPayload(recs, nil, &out)
	})
}
