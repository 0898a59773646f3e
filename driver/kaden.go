package driver

import (
	"fmt"
	"math"

	"github.com/meterwire/meterwire/mbus"
)

// kaden: Kaden heat cost allocators (manufacturer VIP): units now and at
// the billing date, the meter's clock, the room and radiator
// temperatures, and how long the allocator was off its radiator.
func init() {
	Register(&Driver{
		Name:   "kaden",
		Media:  "heat cost allocation",
		Detect: []Detect{{"VIP", 0x1E, 0x08}},
		Fields: []Field{
			{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "external_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "no_measurement_duration", Unit: "h", Match: Match{Key: "0475"}},
			{Name: "no_measurement_duration_last_year", Unit: "h", Match: Match{Key: "4475"}},
			{Name: "tampering_duration", Unit: "h", Match: Match{Key: "0474"}},
		},
		Payload: kadenPayload,
	})
}

// kadenErrorBits are the error flag bits the reference names.
var kadenErrorBits = map[int]string{0: "VOLTAGE_INTERRUPTED", 2: "SENSOR_T2_OUTSIDE_MEASURING_RANGE", 3: "SENSOR_T1_OUTSIDE_MEASURING_RANGE", 5: "SENSOR_T3_OUTSIDE_MEASURING_RANGE"}

// kadenPayload prints the status (error flags and the TPL status byte),
// the durations to six decimals, and the billing date with its year as
// the reference reads it: the seven year bits added to 2000.
func kadenPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, kadenErrorBits, 0xFFFF)
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil), flags))
	for _, n := range []string{"no_measurement_duration_h", "no_measurement_duration_last_year_h", "tampering_duration_h"} {
		if v, ok := out.Values[n].(float64); ok {
			out.Set(n, math.Round(v*1e6)/1e6)
		}
	}
	if r := refFirst(recs, Match{Quantity: "date", Storage: 1}); r != nil && len(r.Data) == 2 {
		d := r.Data
		year := 2000 + int(d[0]>>5|(d[1]&0xF0)>>1)
		out.Set("target_date", fmt.Sprintf("%04d-%02d-%02d", year, d[1]&0x0F, d[0]&0x1F))
	}
	return nil
}
