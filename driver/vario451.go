package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// vario451: Techem Vario 4 heat meters. They send no data records: after
// the CI byte (0xA2) and three more bytes come the previous billing
// period's energy (16 bits), two bytes, and the current period's energy
// (16 bits), both in thousandths of a gigajoule. The total is their sum.
func init() {
	Register(&Driver{
		Name:    "vario451",
		Media:   "heat",
		Detect:  []Detect{{"TCH", 0x27, 0x04}, {"TCH", 0x27, 0xC3}},
		Payload: vario451Payload,
	})
}

// vario451KWhPerMGJ converts thousandths of a gigajoule to kWh.
const vario451KWhPerMGJ = 1 / 3.6

func vario451Payload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 9 {
		return nil
	}
	prev := float64(binary.LittleEndian.Uint16(apl[3:]))
	curr := float64(binary.LittleEndian.Uint16(apl[7:]))
	out.Set("total_kwh", (prev+curr)*vario451KWhPerMGJ)
	out.Set("current_kwh", curr*vario451KWhPerMGJ)
	out.Set("previous_kwh", prev*vario451KWhPerMGJ)
	return nil
}
