package driver

import (
	"testing"

	"github.com/meterwire/meterwire/wmbus"
)

func FuzzRfmtx1Payload(f *testing.F) {
	f.Add(mustHex("4644B4097172737405077AA50006101115F78184AB0F1D1E200000005904103103208047004A48"))
	f.Add(mustHex("4644B4097172737405077AA5FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"))
	f.Add([]byte{0x46})
	f.Fuzz(func(t *testing.T, frame []byte) {
		out := Output{Telegram: &wmbus.Telegram{Frame: frame}}
		_ = rfmtx1Payload(nil, nil, &out)
		var none Output
		_ = rfmtx1Payload(nil, nil, &none)
	})
}

// TestRfmtx1LocalTime checks the summer-time shift the reference prints
// and that a month without a change prints the meter's own time.
func TestRfmtx1LocalTime(t *testing.T) {
	for _, c := range []struct {
		y, m, d, secs int
		want          string
	}{
		{20, 3, 31, 10*3600 + 4*60 + 59, "2020-03-31 11:04"},
		{20, 3, 20, 10 * 3600, "2020-03-20 10:00"},
		{20, 6, 15, 8*3600 + 30*60, "2020-06-15 08:30"},
		{20, 10, 30, 12 * 3600, "2020-10-30 11:00"},
	} {
		if got := rfmtx1LocalTime(c.y, c.m, c.d, c.secs); got != c.want {
			t.Errorf("%d-%d-%d +%ds: %s, want %s", c.y, c.m, c.d, c.secs, got, c.want)
		}
	}
}
