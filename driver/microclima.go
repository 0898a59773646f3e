package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// microclima: Maddalena MicroClima heat meters: energy, volume, flow,
// power, temperatures and their difference, the meter's time, model
// version and parameter set, and a history of energies at storage 1 to 31
// whose dates the reference counts back a month per storage number from
// the billing date (storage 1). The status joins the error flags with the
// TPL status byte.
func init() {
	Register(&Driver{
		Name:   "microclima",
		Media:  "heat",
		Detect: []Detect{{"MAD", 0x00, 0x04}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
		},
		Payload: microclimaPayload,
	})
}

func microclimaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	if r := refFirst(recs, Match{Quantity: "model_version"}); r != nil {
		out.Set("model_version", refHexMSBFirst(r.Data))
	}
	if r := refFirst(recs, Match{Quantity: "parameter_set_id"}); r != nil {
		out.Set("parameter_set", refHexMSBFirst(r.Data))
	}
	// The difference is printed under a Celsius name, with its value in K.
	if r := refFirst(recs, Match{Quantity: "temperature_difference"}); r != nil && r.Valid {
		v, _ := r.DisplayValue()
		out.Set("temperature_difference_c", v)
	}
	set := refFirst(recs, Match{Quantity: "date", Storage: 1})
	for n := 1; n <= 31; n++ {
		r := refFirst(recs, Match{Quantity: "energy", Storage: n})
		if r == nil {
			continue
		}
		s := strconv.Itoa(n)
		if r.Valid {
			if v, unit := r.DisplayValue(); unit == "kwh" {
				out.Set("consumption_at_set_date_"+s+"_kwh", v)
			}
		}
		if set != nil && set.Valid && set.Time.HasDate {
			if d := evo868MonthsBefore(set.Time, n-1); d != "" {
				out.Set("set_date_"+s+"_date", d)
			}
		}
	}
	return nil
}
