package driver

// actislink: Actaris (Itron) ActisLink water meter radio modules.
func init() {
	Register(&Driver{
		Name:   "actislink",
		Media:  "water",
		Detect: []Detect{{"ALK", 0x04, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		},
	})
}
