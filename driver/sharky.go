package driver

import "github.com/meterwire/meterwire/mbus"

// sharky: Diehl (Hydrometer) Sharky 775 heat meters.
func init() {
	Register(&Driver{
		Name:   "sharky",
		Media:  "heat",
		Detect: []Detect{{"HYD", 0x20, 0x04}, {"DME", 0x40, 0x04}},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_energy_consumption_tariff1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_volume_tariff2", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 2}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "target_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 5}},
			{Name: "target_volume", Unit: "m3", Match: Match{Quantity: "volume", Storage: 5}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 5}, Text: true},
		},
		Payload: sharkyPayload,
	})
}

// sharkyPayload prints the temperature difference, which the reference
// names in °C (a difference in kelvin has the same value).
func sharkyPayload(recs []mbus.Record, apl []byte, out *Output) error {
	refTemperatureDifferenceC(recs, out)
	return nil
}

// refTemperatureDifferenceC sets temperature_difference_c from the
// instantaneous temperature difference record (kelvin, same value).
func refTemperatureDifferenceC(recs []mbus.Record, out *Output) {
	if r := refFirst(recs, Match{Quantity: "temperature_difference"}); r != nil && r.Valid {
		if v, unit := r.DisplayValue(); unit == "k" {
			out.Set("temperature_difference_c", v)
		}
	}
}
