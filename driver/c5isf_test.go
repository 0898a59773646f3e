package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzC5isfPayload(f *testing.F) {
	f.Add(int64(0x24), true)
	f.Add(int64(-1), true)
	f.Fuzz(func(t *testing.T, v int64, valid bool) {
		var out Output
		recs := []mbus.Record{{Info: mbus.VIFInfo{Quantity: "error_flags"}, Int: v, Valid: valid}}
		_ = c5isfPayload(recs, nil, &out)
	})
}
