package driver

// omnipower: Kamstrup Omnipower electricity meters: energy and power,
// consumed (plain VIF) and produced (backward-flow VIFE).
func init() {
	Register(&Driver{
		Name:   "omnipower",
		Media:  "electricity",
		Detect: []Detect{{"KAM", 0x30, 0x02}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Key: "0404"}},
			{Name: "total_energy_production", Unit: "kwh", Match: Match{Key: "04843C"}},
			{Name: "current_power_consumption", Unit: "kw", Match: Match{Key: "042B"}},
			{Name: "current_power_production", Unit: "kw", Match: Match{Key: "04AB3C"}},
		},
	})
}
