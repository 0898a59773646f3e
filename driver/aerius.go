package driver

// aerius: Diehl Aerius gas meters; the volumes are at base conditions.
func init() {
	Register(&Driver{
		Name:   "aerius",
		Media:  "gas",
		Detect: []Detect{{"DME", 0x30, 0x03}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 3}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 3}},
		},
	})
}
