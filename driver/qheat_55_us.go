package driver

import (
	"math"

	"github.com/meterwire/meterwire/mbus"
)

// qheat_55_us: Qundis Q heat 5.5 US heat meters (Landis+Gyr address):
// energy, the key date's energy (storage 1), the energies of the last 13
// months (storage 2-14), the meter's clock, the actuality duration and
// the time without measurement.
func init() {
	Register(&Driver{
		Name:   "qheat_55_us",
		Media:  "heat",
		Detect: []Detect{{"LUG", 0x0A, 0x04}, {"LUG", 0x07, 0x04}},
		Fields: []Field{
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "key_datetime", Match: Match{Quantity: "date_time", Storage: 1}, Text: true},
			{Name: "key_datetime", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "prev_month_datetime", Match: Match{Quantity: "date_time", Storage: 2}, Text: true},
			{Name: "actuality_duration", Unit: "h", Match: Match{Quantity: "actuality_duration"}},
			{Name: "time_without_measurement", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
		},
		Payload: qheat55usPayload,
	})
}

func qheat55usPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for s := 2; s <= 14; s++ {
		if r := refFirst(recs, Match{Quantity: "energy", Storage: s}); r != nil && r.Valid {
			if v, unit := r.DisplayValue(); unit == "kwh" {
				out.Set("prev_"+refItoa(s-1)+"_month_kwh", v)
			}
		}
	}
	// The reference prints numbers with 6 decimals: 4 s is 0.001111 h.
	if v, ok := out.Values["actuality_duration_h"].(float64); ok {
		out.Set("actuality_duration_h", math.Round(v*1e6)/1e6)
	}
	return nil
}
