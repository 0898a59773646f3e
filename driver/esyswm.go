package driver

import "github.com/meterwire/meterwire/mbus"

// esyswm: EasyMeter electricity meters behind a wM-Bus radio module. The
// module sends a static telegram (version text, identifiers, location)
// and one with the energies and powers.
func init() {
	Register(&Driver{
		Name:   "esyswm",
		Media:  "electricity",
		Detect: []Detect{{"ESY", 0x30, 0x37}, {"ESY", 0x11, 0x02}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "enhanced_id", Match: Match{Quantity: "enhanced_id"}, Text: true},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "current_power_consumption", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "total_energy_production", Unit: "kwh", Match: Match{Key: "07823C"}},
			{Name: "total_energy_consumption_tariff1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_energy_consumption_tariff2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2}},
			{Name: "current_power_consumption_phase1", Unit: "kw", Match: Match{Key: "04A9FF01"}},
			{Name: "current_power_consumption_phase2", Unit: "kw", Match: Match{Key: "04A9FF02"}},
			{Name: "current_power_consumption_phase3", Unit: "kw", Match: Match{Key: "04A9FF03"}},
			{Name: "version", Match: Match{Key: "0DFD09"}, Text: true},
		},
		Payload: esyswmPayload,
	})
}

// esyswmPayload prints the customer location (0DFD10) as hex, as the
// reference does, under its name and its deprecated one.
func esyswmPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := keyRecord(recs, "0DFD10"); r != nil {
		loc := refHexMSBFirst(r.Data)
		out.Set("location", loc)
		out.Set("location_hex", loc)
	}
	return nil
}
