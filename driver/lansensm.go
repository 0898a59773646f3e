package driver

// lansensm: Lansen smoke detectors.
func init() {
	Register(&Driver{
		Name:   "lansensm",
		Media:  "smoke detector",
		Detect: []Detect{{"LAS", 0x03, 0x1A}},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK", Bits: []Bit{
				{Mask: 0x0002, Value: 0x0002, Text: "LOW_BATTERY"},
				{Mask: 0x0010, Value: 0x0010, Text: "MALFUNCTION"},
				{Mask: 0x0008, Value: 0x0008, Text: "MANUAL_TEST"},
				{Mask: 0x0020, Value: 0x0020, Text: "NO_CONNECTION_TO_SMOKE_DETECTOR"},
				{Mask: 0x0004, Value: 0x0004, Text: "SMOKE"},
				{Mask: 0x0100, Value: 0x0100, Text: "SMOKE_SENSOR_END_OF_LIFE"},
			}}},
			{Name: "async_msg_id_counter", Match: Match{Quantity: "access_number"}},
			{Name: "minutes_since_last_manual_test_counter", Match: Match{Quantity: "dimensionless"}},
		},
	})
}
