package driver

import "github.com/meterwire/meterwire/mbus"

// nzr: NZR (and EMH) electricity meters read over wired M-Bus: the energy
// register of tariff 1, the total active power and, per phase (storage
// numbers 2, 4 and 6 stand for L1, L2 and L3), power, voltage and current.
// The status joins the error flags with the TPL status byte.
func init() {
	Register(&Driver{
		Name:   "nzr",
		Media:  "electricity",
		Detect: []Detect{{"NZR", 0x00, 0x02}, {"EMH", 0x00, 0x02}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "current_power_consumption", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "current_power_consumption_1", Unit: "kw", Match: Match{Quantity: "power", Storage: 2}},
			{Name: "voltage_at_phase_1", Unit: "v", Match: Match{Quantity: "voltage", Storage: 2}},
			{Name: "current_at_phase_1", Unit: "a", Match: Match{Quantity: "current", Storage: 2}},
			{Name: "current_power_consumption_2", Unit: "kw", Match: Match{Quantity: "power", Storage: 4}},
			{Name: "voltage_at_phase_2", Unit: "v", Match: Match{Quantity: "voltage", Storage: 4}},
			{Name: "current_at_phase_2", Unit: "a", Match: Match{Quantity: "current", Storage: 4}},
			{Name: "current_power_consumption_3", Unit: "kw", Match: Match{Quantity: "power", Storage: 6}},
			{Name: "voltage_at_phase_3", Unit: "v", Match: Match{Quantity: "voltage", Storage: 6}},
			{Name: "current_at_phase_3", Unit: "a", Match: Match{Quantity: "current", Storage: 6}},
		},
		Payload: nzrPayload,
	})
}

// nzrErrorBits are the meter's error flag bits (the low byte only).
var nzrErrorBits = map[int]string{0: "BUSY", 1: "GENERIC_APP_ERROR", 2: "CURRENT_LOW", 3: "PERMANENT_ERROR", 4: "TEMPORARY_ERROR"}

func nzrPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, nzrErrorBits, 0xFF)
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
