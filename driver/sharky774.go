package driver

import "github.com/meterwire/meterwire/mbus"

// sharky774: Diehl Sharky 774 heat (and cooling) meters: energy and
// volume (cooling in tariffs 1 and 2), flow, power, temperatures, the
// operating time and the time spent in error, and the values at the set
// date.
func init() {
	Register(&Driver{
		Name:   "sharky774",
		Media:  "heat",
		Detect: []Detect{{"DME", 0x41, 0x04}, {"DME", 0x41, 0x0D}, {"DME", 0x41, 0x0C}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_cooling_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_cooling_volume", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 2}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "energy_at_set_date", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "cooling_at_set_date", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1, Tariff: 1}},
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: sharky774Payload,
	})
}

// sharky774ErrorCode is the combinable VIFE of the operating time spent
// in error (error code, meter to controller).
const sharky774ErrorCode = 0x18

// sharky774Payload prints the two operating times: the plain one and the
// one marked with the error VIFE (both share the VIF).
func sharky774Payload(recs []mbus.Record, _ []byte, out *Output) error {
	m := Match{Quantity: "operating_time"}
	if r := relhcaPlain(recs, m); r != nil && r.Valid {
		if v, unit := sharky774Hours(r); unit {
			out.Set("operating_time_h", v)
		}
	}
	if r := relhcaWithVIFE(recs, m, sharky774ErrorCode); r != nil && r.Valid {
		if v, unit := sharky774Hours(r); unit {
			out.Set("operating_time_in_error_h", v)
		}
	}
	return nil
}

// sharky774Hours is a duration record in hours, and whether it converts.
func sharky774Hours(r *mbus.Record) (float64, bool) {
	v, unit := r.DisplayValue()
	if unit == "h" {
		return v, true
	}
	if c, ok := conversions[[2]string{unit, "h"}]; ok {
		return v * c, true
	}
	return 0, false
}
