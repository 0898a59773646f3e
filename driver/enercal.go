package driver

import "github.com/meterwire/meterwire/mbus"

// enercal: GWF Enercal heat meters; storage 1 holds the set date's
// values, subunits 1 and 2 the connected water meter and allocators.
func init() {
	Register(&Driver{
		Name:   "enercal",
		Media:  "heat",
		Detect: []Detect{{"GWF", 0x08, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "flow_max", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum}},
			{Name: "forward", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "subunit1", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 1}},
			{Name: "subunit1_target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 1}},
			{Name: "subunit1", Unit: "hca", Match: Match{Quantity: "hca", Subunit: 1}},
			{Name: "subunit1_target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1, Subunit: 1}},
			{Name: "subunit2", Unit: "hca", Match: Match{Quantity: "hca", Subunit: 2}},
			{Name: "subunit2_target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1, Subunit: 2}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: enercalPayload,
	})
}

// enercalPayload prints the temperature difference (kelvin) in °C, as
// the reference does, and the status: the error flags and the TPL status.
func enercalPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "temperature_difference"}); r != nil && r.Valid {
		if v, unit := r.DisplayValue(); unit == "k" || unit == "c" {
			out.Set("difference_c", v)
		}
	}
	dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFFFFFF, out)
	return nil
}
