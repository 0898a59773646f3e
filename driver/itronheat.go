package driver

import "github.com/meterwire/meterwire/mbus"

// itronheat: heat meters with an Itron EquaScan hMIU radio module (the
// manufacturer code is sometimes sent with its high bit set, "iTW"): the
// energy and volume totals, the meter's clock, and the energy at the end
// of the previous billing year with its date (storage 1).
func init() {
	Register(&Driver{
		Name:   "itronheat",
		Media:  "heat",
		Detect: []Detect{{"ITW", 0x00, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "last_year_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "last_year", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: itronheatPayload,
	})
}

// itronheatPayload prints the status from the TPL status byte.
func itronheatPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
