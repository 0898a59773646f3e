package driver

import "github.com/meterwire/meterwire/mbus"

// ebzwmbe: EBZ wMB-E01 electricity meter radio modules: energy, the power
// of each phase (manufacturer VIFEs 01..03) and their sum.
func init() {
	Register(&Driver{
		Name:   "ebzwmbe",
		Media:  "electricity",
		Detect: []Detect{{"EBZ", 0x01, 0x02}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "current_power_consumption_phase1", Unit: "kw", Match: Match{Key: "04A9FF01"}},
			{Name: "current_power_consumption_phase2", Unit: "kw", Match: Match{Key: "04A9FF02"}},
			{Name: "current_power_consumption_phase3", Unit: "kw", Match: Match{Key: "04A9FF03"}},
			{Name: "customer", Match: Match{Quantity: "customer"}, Text: true},
		},
		Payload: ebzwmbePayload,
	})
}

// ebzwmbePayload prints the sum of the three phase powers, nil unless all
// three were sent.
func ebzwmbePayload(_ []mbus.Record, _ []byte, out *Output) error {
	sum := 0.0
	for _, p := range []string{"phase1", "phase2", "phase3"} {
		v, ok := out.Values["current_power_consumption_"+p+"_kw"].(float64)
		if !ok {
			out.Set("current_power_consumption_kw", nil)
			return nil
		}
		sum += v
	}
	out.Set("current_power_consumption_kw", sum)
	return nil
}
