package driver

import "github.com/meterwire/meterwire/mbus"

// kadenwater: Ecomess/Kaden type 07 water meters (manufacturer KDN or
// VIP). The leak alarm is in the TPL status byte, which a driver does
// not see; the error flags print OK when no bit is set.
func init() {
	Register(&Driver{
		Name:   "kadenwater",
		Media:  "water",
		Detect: []Detect{{"KDN", 0x01, 0x07}, {"VIP", 0x01, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
			{Name: "max_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum}},
			// A second volume and duration follow the first; their
			// purpose is not documented.
			{Name: "volume_b", Unit: "m3", Match: Match{Quantity: "volume", Index: 1}},
			{Name: "duration_b", Unit: "s", Match: Match{Quantity: "actuality_duration", Index: 1}},
		},
	})
}
