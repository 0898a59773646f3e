package driver

// metronahca: Metrona heat cost allocators: the current units and date,
// and the units and date at the last billing date (storage 1).
func init() {
	Register(&Driver{
		Name:   "metronahca",
		Media:  "heat cost allocation",
		Detect: []Detect{{"MWU", 0x02, 0x08}},
		Fields: []Field{
			{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
			{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
	})
}
