package driver

// elster: Elster gas meters (ELS, behind a DME radio).
func init() {
	Register(&Driver{
		Name:   "elster",
		Media:  "gas",
		Detect: []Detect{{"ELS", 0x81, 0x03}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
		},
	})
}
