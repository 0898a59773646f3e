package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// apator08: Apator 08 water meters. They send a manufacturer layout (CI
// 0xA0) starting with the total as a 32-bit count of thirds of a litre.
func init() {
	Register(&Driver{
		Name:    "apator08",
		Media:   "water",
		Detect:  []Detect{{"APT", 0x03, 0x03}, {"APT", 0x0F, 0x0F}},
		Payload: apator08Payload,
	})
}

func apator08Payload(recs []mbus.Record, apl []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "volume"}); r != nil && r.Valid {
		v, unit := r.DisplayValue()
		if unit == "m3" {
			out.Set("total_m3", v/3)
		}
		return nil
	}
	if len(recs) > 0 || len(apl) < 4 {
		return nil
	}
	out.Set("total_m3", float64(binary.LittleEndian.Uint32(apl))/1000/3)
	return nil
}
