package driver

// mkradio4a: Techem/Diehl MK Radio 4a water meters: the volume and the
// date at the end of the previous year (storage 1). The rest of the
// telegram is manufacturer data.
func init() {
	Register(&Driver{
		Name:   "mkradio4a",
		Media:  "warm water",
		Detect: []Detect{{"HYD", 0xFE, 0x06}, {"TCH", 0x95, 0x37}},
		Fields: []Field{
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
	})
}
