package driver

// werhlemodwm: Wehrle Modularis water meters (wired M-Bus): the set dates
// and values of storages 1 to 13, and the next set date.
func init() {
	fields := []Field{
		{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
		{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
		{Name: "next_target_date", Match: Match{Key: "42EC7E"}, Text: true},
	}
	for s := 1; s <= 13; s++ {
		n := "target_" + refItoa(s)
		fields = append(fields,
			Field{Name: n, Unit: "m3", Match: Match{Quantity: "volume", Storage: s}},
			Field{Name: n + "_date", Match: Match{Quantity: "date", Storage: s}, Text: true})
	}
	Register(&Driver{
		Name:   "werhlemodwm",
		Media:  "cold water",
		Detect: []Detect{{"WZG", 0x03, 0x16}},
		Fields: fields,
	})
}
