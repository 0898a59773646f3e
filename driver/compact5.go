package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// compact5: Techem Compact V and Vario heat meters. Their telegrams carry
// no data records: after the CI byte (0xA1 or 0xA2) come three bytes, the
// previous billing period's energy (24 bits, kWh), one byte and the
// current period's energy (24 bits, kWh); the total is their sum.
func init() {
	Register(&Driver{
		Name:  "compact5",
		Media: "heat",
		Detect: []Detect{
			{"TCH", 0x45, 0x04}, {"TCH", 0x45, 0xC3}, {"TCH", 0x22, 0x43}, {"TCH", 0x45, 0x43}, {"TCH", 0x39, 0x43},
		},
		Payload: compact5Payload,
	})
}

func compact5Payload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 10 {
		return nil
	}
	prev := compact5Uint24(apl[3:6])
	curr := compact5Uint24(apl[7:10])
	out.Set("total_kwh", prev+curr)
	out.Set("current_kwh", curr)
	out.Set("previous_kwh", prev)
	return nil
}

// compact5Uint24 reads three bytes, least significant first.
func compact5Uint24(b []byte) float64 {
	return float64(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16)
}
