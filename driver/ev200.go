package driver

// ev200: Elster (ELR) EV200 water meter radio modules.
func init() {
	Register(&Driver{
		Name:   "ev200",
		Media:  "water",
		Detect: []Detect{{"ELR", 0x0D, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
		},
	})
}
