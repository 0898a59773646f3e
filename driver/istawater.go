package driver

// istawater: ista radio net 3 water meters in OMS mode: the total and the
// value and date of the end of the previous month (storage 2).
func init() {
	Register(&Driver{
		Name:   "istawater",
		Media:  "water",
		Detect: []Detect{{"IST", 0x31, 0x07}, {"IST", 0x33, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 2}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 2}, Text: true},
		},
	})
}
