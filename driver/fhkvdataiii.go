package driver

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// fhkvdataiii: Techem FHKV data III heat cost allocators. They send a
// manufacturer layout (CI 0xA0-0xA2): a version byte, the previous and
// current billing dates (packed day/month/year words) and allocations,
// then the room and radiator temperatures in 0.01 °C.
func init() {
	Register(&Driver{
		Name:    "fhkvdataiii",
		Media:   "heat cost allocator",
		Detect:  []Detect{{"TCH", 0x69, 0x80}, {"TCH", 0x94, 0x80}},
		Payload: fhkvdataiiiPayload,
	})
}

func fhkvdataiiiPayload(_ []mbus.Record, apl []byte, out *Output) error {
	if len(apl) < 1 {
		return nil
	}
	var extra int
	switch apl[0] {
	case 0x01, 0x11:
	case 0x0F:
		extra = 1 // one more byte before the temperatures
	default:
		return nil
	}
	if len(apl) < 13+extra {
		return nil
	}
	word := func(i int) uint16 { return binary.LittleEndian.Uint16(apl[i:]) }
	prevRaw, prevHCA := int(word(1)), word(3)
	curRaw, curHCA := int(word(5)), word(7)
	room := int16(word(9 + extra))
	radiator := int16(word(11 + extra))

	pDay, pMonth, pYear := prevRaw%32, (prevRaw>>5)%16, prevRaw>>9
	cDay, cMonth := (curRaw>>4)%32, (curRaw>>9)%16
	if cDay == 0 {
		cDay = 1
	}
	if cMonth == 0 {
		cMonth = 12
	}
	// The current period's year is the previous period's, plus one when
	// the current day comes at or before the previous one in the year.
	cYear := pYear
	if cMonth < pMonth || (cMonth == pMonth && cDay <= pDay) {
		cYear++
	}
	out.Set("current_hca", float64(curHCA))
	out.Set("current_date", fhkvdataiiiDate(cYear, cMonth, cDay))
	out.Set("previous_hca", float64(prevHCA))
	out.Set("previous_date", fhkvdataiiiDate(pYear, pMonth, pDay))
	out.Set("temp_room_c", float64(room)/100)
	out.Set("temp_radiator_c", float64(radiator)/100)
	return nil
}

// fhkvdataiiiDate counts months and days from 2000-01-01, so a month 0
// or day 0 rolls back as the reference's date arithmetic does.
func fhkvdataiiiDate(year, month, day int) string {
	t := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, year*12+month-1, 0).AddDate(0, 0, day-1)
	return fmt.Sprintf("%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
}
