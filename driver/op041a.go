package driver

// op041a: Apator OP-041A water meters.
func init() {
	Register(&Driver{
		Name:   "op041a",
		Media:  "water",
		Detect: []Detect{{"APA", 0x1A, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
	})
}
