package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// bfw240radio: BFW 240 Radio heat cost allocators. After the 2F2F filler
// the payload is the maker's own layout: the previous and current billing
// values, 18 monthly values packed in 12 bits each, and the date.
func init() {
	Register(&Driver{
		Name:    "bfw240radio",
		Media:   "heat cost allocation",
		Detect:  []Detect{{"BFW", 0x02, 0x08}},
		Payload: bfw240radioPayload,
	})
}

func bfw240radioPayload(_ []mbus.Record, apl []byte, out *Output) error {
	c := apl
	if len(c) < 40 {
		return nil
	}
	out.Set("current_hca", float64(int(c[6])<<8|int(c[7])))
	out.Set("prev_hca", float64(int(c[4])<<8|int(c[5])))
	for n := 0; n < 18; n++ {
		// Month n is 12 bits counted back from byte 36: even months
		// start at a byte boundary, odd ones in the middle of a byte.
		off := n * 12 / 8
		var lo, hi int
		if n%2 == 0 {
			lo, hi = int(c[36-off]), int(c[35-off]&0x0F)
		} else {
			lo, hi = int(c[35-off]), int(c[36-off]>>4)
		}
		out.Set(fmt.Sprintf("prev_%02d_hca", n+1), float64(hi<<8|lo))
	}
	out.Set("device_date", fmt.Sprintf("20%02x-%02x-%02x", c[39], c[38], c[37]))
	return nil
}
