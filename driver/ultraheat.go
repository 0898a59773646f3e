package driver

import "github.com/meterwire/meterwire/mbus"

// ultraheat: Landis+Gyr Ultraheat heat meters. The status adds the TPL
// status byte's texts; the meter's own bits there are not named.
func init() {
	Register(&Driver{
		Name:   "ultraheat",
		Media:  "heat",
		Detect: []Detect{{"LUG", 0x04, 0x04}},
		Fields: []Field{
			{Name: "heat", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "flow", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
		},
		Payload: ultraheatStatus,
	})
}

// ultraheatStatus joins the error flags' texts (if any were sent) with
// the TPL status byte's; the status is printed either way.
func ultraheatStatus(_ []mbus.Record, _ []byte, out *Output) error {
	s, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{s}, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
