package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// joyh100: Joy Technology H100 heat cost allocators: units now, at the
// billing date and for each of the last twelve months (storage 7-18) and
// three billing years (19-21), the radiator and room side temperatures,
// alarm dates (storage 2 and 3) and error flags (storage 4).
var joyh100 = &Driver{
	Name:   "joyh100",
	Media:  "heat cost allocation",
	Detect: []Detect{{"JOY", 0x0B, 0x08}, {"JOY", 0x0C, 0x08}},
	Fields: []Field{
		{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
		{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
		{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
		{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
	},
	Payload: joyh100Payload,
}

func init() {
	for m := 1; m <= 12; m++ {
		joyh100.Fields = append(joyh100.Fields, Field{Name: fmt.Sprintf("historic_%d", m), Unit: "hca", Match: Match{Quantity: "hca", Storage: 6 + m}})
	}
	for y := 1; y <= 3; y++ {
		joyh100.Fields = append(joyh100.Fields, Field{Name: fmt.Sprintf("historic_%d_year", y), Unit: "hca", Match: Match{Quantity: "hca", Storage: 18 + y}})
	}
	Register(joyh100)
}

// joyh100ErrorBits are the error flag bits the reference names; the TPL
// status byte's bit 0x04 is the radio module's battery.
var (
	joyh100ErrorBits = map[int]string{0: "OPEN_COVER", 1: "MEMORY_ERROR", 2: "TEMP_SENSOR_ERROR", 3: "BATTERY_LOW"}
	joyh100TPLBits   = map[byte]string{0x04: "RADIO_MODULE_BATTERY_LOW"}
)

func joyh100Payload(recs []mbus.Record, _ []byte, out *Output) error {
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags", Storage: 4}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFF, joyh100ErrorBits, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, joyh100TPLBits), flags))
	for _, d := range []struct {
		name    string
		storage int
	}{{"target_date", 1}, {"open_cover_alarm_date", 2}, {"temp_sensor_alarm_date", 3}} {
		if r := refFirst(recs, Match{Quantity: "date", Storage: d.storage}); r != nil {
			out.Set(d.name, em24Date(r))
		}
	}
	return nil
}
