package driver

// ultrimisv2: Apator Ultrimis water meters.
func init() {
	// The status word: the state now (low byte), during this month (middle
	// byte) and during the previous month (high byte), each with the same
	// eight conditions.
	conds := []string{"TAMPER", "LOW_BATTERY", "DRY", "NO_FLOW", "HIGH_TEMPERATURE", "BURST", "REVERSE", "LEAK"}
	var texts []string
	for _, suffix := range []string{"", "_THIS_MONTH", "_PREV_MONTH"} {
		for _, c := range conds {
			texts = append(texts, c+suffix)
		}
	}
	Register(&Driver{
		Name:   "ultrimisv2",
		Media:  "cold water",
		Detect: []Detect{{"APA", 0x01, 0x16}, {"APA", 0x20, 0x16}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "total_backward", Unit: "m3", Match: Match{Key: "04933C"}},
			{Name: "status", Match: Match{Key: "03FD17"}, Status: &Status{Default: "OK", Bits: bitsOf(texts)}},
		},
	})
}
