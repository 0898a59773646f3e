package driver

// emerlin868: Elster/Honeywell Merlin 868 radio modules on water meters.
func init() {
	Register(&Driver{
		Name:   "emerlin868",
		Media:  "water",
		Detect: []Detect{{"ELR", 0x11, 0x37}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
	})
}
