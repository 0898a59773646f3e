package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// pollucomf: Sensus PolluCom F heat meters. The status is the TPL status
// byte only (the error flags record is not read).
func init() {
	Register(&Driver{
		Name:   "pollucomf",
		Media:  "heat",
		Detect: []Detect{{"SEN", 0x1D, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "forward", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "forward_max", Unit: "c", Match: Match{Quantity: "flow_temperature", Function: mbus.Maximum, Storage: 1}},
			{Name: "return_max", Unit: "c", Match: Match{Quantity: "return_temperature", Function: mbus.Maximum, Storage: 1}},
			{Name: "flow_max", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum, Storage: 1}},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "on_time_at_error", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: pollucomfPayload,
	})
}

func pollucomfPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil)))
	return nil
}
