package driver

// weh_07: Wehrle water meters (also behind a Techem radio converter).
func init() {
	Register(&Driver{
		Name:   "weh_07",
		Media:  "water",
		Detect: []Detect{{"WEH", 0xFE, 0x07}, {"WEH", 0x03, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
		},
	})
}
