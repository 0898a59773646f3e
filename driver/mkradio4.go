package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// mkradio4: Techem MK Radio 4 water meters (warm and cold). Like the MK
// Radio 3 they send no data records after the CI byte (0xA2): the volume
// at the start of the billing period is the 16-bit word at offset 3 of the
// payload, the volume since then the word at offset 7, both in tenths of a
// cubic metre; the total is their sum.
func init() {
	Register(&Driver{
		Name:    "mkradio4",
		Media:   "warm water",
		Detect:  []Detect{{"TCH", 0x95, 0x62}, {"TCH", 0x70, 0x62}, {"TCH", 0x95, 0x72}, {"TCH", 0x70, 0x72}},
		Payload: mkradio4Payload,
	})
}

func mkradio4Payload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 9 {
		return nil
	}
	prev := float64(binary.LittleEndian.Uint16(apl[3:])) / 10
	curr := float64(binary.LittleEndian.Uint16(apl[7:])) / 10
	out.Set("target_m3", prev)
	out.Set("total_m3", prev+curr)
	return nil
}
