package driver

// lansenpu: Lansen pulse counters (two inputs, a and b). Their status is
// the TPL status byte, which a driver does not see.
func init() {
	Register(&Driver{
		Name:   "lansenpu",
		Media:  "other",
		Detect: []Detect{{"LAS", 0x14, 0x00}, {"LAS", 0x1B, 0x00}, {"LAS", 0x0B, 0x02}},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
			{Name: "a_counter", Match: Match{Key: "0EFD3A"}},
			{Name: "b_counter", Match: Match{Key: "8E40FD3A"}},
		},
		Payload: statusOK,
	})
}
