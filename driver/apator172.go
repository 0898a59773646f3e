package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// apator172: Apator water meters whose payload (no data records) starts
// with a 4-byte little-endian counter; the meter counts in thirds of a
// litre.
func init() {
	Register(&Driver{
		Name:    "apator172",
		Media:   "water",
		Detect:  []Detect{{"APT", 0x04, 0x11}},
		Payload: apator172Payload,
	})
}

func apator172Payload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 4 {
		return nil
	}
	raw := int32(binary.LittleEndian.Uint32(apl))
	out.Set("total_m3", float64(raw)/3)
	return nil
}
