package driver

// supercom587: Sontex Supercom 587 water meters (cold and warm).
func init() {
	Register(&Driver{
		Name:   "supercom587",
		Media:  "water",
		Detect: []Detect{{"SON", 0x3C, 0x06}, {"SON", 0x3C, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "software_version", Match: Match{Quantity: "software_version"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
		},
	})
}
