package driver

import "github.com/meterwire/meterwire/mbus"

// ehzp: EMH eHZ-P electricity meters.
func init() {
	Register(&Driver{
		Name:   "ehzp",
		Media:  "electricity",
		Detect: []Detect{{"EMH", 0x02, 0x02}},
		Fields: []Field{
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "current_power_consumption", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "total_energy_production", Unit: "kwh", Match: Match{Key: "07803C"}},
		},
		Payload: ehzpPayload,
	})
}

// ehzpPayload prints the status: the error flags and the TPL status.
func ehzpPayload(recs []mbus.Record, _ []byte, out *Output) error {
	dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFFFFFF, out)
	return nil
}
