package driver

// vario451mid: Techem Vario 4 heat meters of the MID kind, which send
// standard records: the energy now, at an older date (storage 1) and at
// the set date (storage 8), with both dates.
func init() {
	Register(&Driver{
		Name:   "vario451mid",
		Media:  "heat",
		Detect: []Detect{{"TCH", 0x17, 0x04}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "energy_at_old_date", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "old_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "energy_at_set_date", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 8}},
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
		},
	})
}
