package driver

// vario411: Techem Vario 4.1.1 heat meters: the energy at the last set
// date and that date (the rest of the telegram is manufacturer data).
func init() {
	Register(&Driver{
		Name:   "vario411",
		Media:  "heat",
		Detect: []Detect{{"TCH", 0x28, 0x04}},
		Fields: []Field{
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
	})
}
