package driver

import "github.com/meterwire/meterwire/mbus"

// q400: Axioma Qalcosonic W1 / Q400 water meters.
func init() {
	Register(&Driver{
		Name:   "q400",
		Media:  "water",
		Detect: []Detect{{"AXI", 0x01, 0x07}, {"AXI", 0x10, 0x07}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_forward", Unit: "m3", Match: Match{Key: "04933B"}},
			{Name: "total_backward", Unit: "m3", Match: Match{Key: "04933C"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "set_datetime", Match: Match{Quantity: "date_time", Storage: 1}, Text: true},
			{Name: "consumption_at_set_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "forward_at_set_date", Unit: "m3", Match: Match{Key: "44933B", Storage: 1}},
			{Name: "backward_at_set_date", Unit: "m3", Match: Match{Key: "44933C", Storage: 1}},
			{Name: "error_free_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			// The meter sends its battery percentage under the VIF of the
			// remaining battery lifetime; the value is printed as it is.
			{Name: "battery_pct", Match: Match{Key: "01FD74"}},
		},
		Payload: q400Payload,
	})
}

// q400Payload prints the error counter, sent as error flags during error,
// and the status: the TPL status byte's texts (the meter sends no
// instantaneous error flags).
func q400Payload(recs []mbus.Record, apl []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "error_flags", Function: mbus.DuringError}); r != nil && r.Valid {
		out.Set("error_code_counter", float64(r.Int))
	}
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
