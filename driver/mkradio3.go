package driver

import (
	"encoding/binary"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// mkradio3: Techem MK Radio 3 water meters. They send no data records:
// after the CI byte (0xA2) come a byte, the previous billing date (16
// bits: day, month, year since 2000 from the low bits up), the volume at
// that date, the current date (day from bit 4, month from bit 9; its year
// follows from the previous date's) and the volume since then, both in
// tenths of a cubic metre.
func init() {
	Register(&Driver{
		Name:    "mkradio3",
		Media:   "warm water",
		Detect:  []Detect{{"TCH", 0x74, 0x62}, {"TCH", 0x74, 0x72}},
		Payload: mkradio3Payload,
	})
}

func mkradio3Payload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 9 {
		return nil
	}
	prev := int(binary.LittleEndian.Uint16(apl[1:]))
	target := float64(binary.LittleEndian.Uint16(apl[3:])) / 10
	curr := int(binary.LittleEndian.Uint16(apl[5:]))
	current := float64(binary.LittleEndian.Uint16(apl[7:])) / 10
	pd, pm, py := prev%32, prev>>5%16, prev>>9
	cd, cm := curr>>4%32, curr>>9%16
	cy := py
	if cm < pm || (cm == pm && cd <= pd) {
		cy++
	}
	out.Set("total_m3", target+current)
	out.Set("target_m3", target)
	out.Set("current_date", mkradio3Date(cy, cm, cd))
	out.Set("prev_date", mkradio3Date(py, pm, pd))
	return nil
}

// mkradio3Date is 2000-01-01 plus year*12+month-1 months plus day-1
// days, the way the reference counts (so day 0 is the previous month's
// last day).
func mkradio3Date(year, month, day int) string {
	return time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, year*12+month-1, day-1).Format("2006-01-02")
}
