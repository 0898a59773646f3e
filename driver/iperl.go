package driver

// iperl: Sensus iPERL water meters: the total volume and the highest flow
// of the previous period (sent as the instantaneous flow record).
func init() {
	Register(&Driver{
		Name:   "iperl",
		Media:  "water",
		Detect: []Detect{{"SEN", 0x68, 0x06}, {"SEN", 0x68, 0x07}, {"SEN", 0x7C, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "max_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
		},
	})
}
