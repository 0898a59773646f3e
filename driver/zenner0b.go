package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// zenner0b: Zenner type 0B water meters. All data is in the manufacturer
// block (DIF 0F): three little-endian 32-bit words, status, volume at the
// set date and total volume; the volumes count 1/256 litres.
func init() {
	Register(&Driver{
		Name:    "zenner0b",
		Media:   "water",
		Detect:  []Detect{{"ZRI", 0x0B, 0x16}},
		Payload: zenner0bPayload,
	})
}

func zenner0bPayload(recs []mbus.Record, _ []byte, out *Output) error {
	var d []byte
	for i := range recs {
		if recs[i].Manufacturer {
			d = recs[i].Data
			break
		}
	}
	if len(d) < 12 {
		return nil
	}
	word := func(o int) uint32 {
		return uint32(d[o]) | uint32(d[o+1])<<8 | uint32(d[o+2])<<16 | uint32(d[o+3])<<24
	}
	if s := word(0); s == 0 {
		out.Set("status", "OK")
	} else {
		out.Set("status", fmt.Sprintf("STATUS_%X", s))
	}
	out.Set("target_m3", float64(word(4))/256000)
	out.Set("total_m3", float64(word(8))/256000)
	return nil
}
