package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// mkradio3a: Techem MK Radio 3a cold water meters. After the CI byte
// come two bytes, the current date (16 bits: day, month, year since
// 2000), the total (24 bits, tenths of a cubic metre) and twelve monthly
// history words, each after a separator byte. Each word's bytes hold the
// halves of two months' consumption: before the 16th of a month a month's
// value is the previous word's high byte plus its own low byte, from the
// 16th on its own low and high bytes.
func init() {
	Register(&Driver{
		Name:    "mkradio3a",
		Media:   "cold water",
		Detect:  []Detect{{"TCH", 0x50, 0x72}},
		Payload: mkradio3aPayload,
	})
}

var mkradio3aMonths = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func mkradio3aPayload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 7+12*3 {
		return nil
	}
	date := int(binary.LittleEndian.Uint16(apl[2:]))
	day, month, year := date%32, date>>5%16, date>>9
	total := uint32(apl[4]) | uint32(apl[5])<<8 | uint32(apl[6])<<16
	var lo, hi [12]int
	for i := range 12 {
		o := 8 + 3*i
		lo[i], hi[i] = int(apl[o]), int(apl[o+1])
	}
	var rel [12]float64
	for i := range 12 {
		switch {
		case day > 15:
			rel[i] = float64(lo[i]+hi[i]) / 10
		case i == 0:
			rel[i] = float64(lo[0]) / 10
		default:
			rel[i] = float64(hi[i-1]+lo[i]) / 10
		}
	}
	out.Set("total_m3", float64(total)/10)
	out.Set("target_m3", rel[0])
	out.Set("target_date", mkradio3Date(year, month, day))
	for m, name := range mkradio3aMonths {
		v := 0.0
		if month >= 1 && month <= 12 {
			v = rel[((month-1-m)%12+12)%12]
		}
		out.Set("last_"+name+"_m3", v)
	}
	return nil
}
