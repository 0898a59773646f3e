package driver

import "github.com/meterwire/meterwire/mbus"

// fiowater: water meters of manufacturer FIO: the total volume, the
// meter's clock, its fabrication number and on times.
func init() {
	Register(&Driver{
		Name:   "fiowater",
		Media:  "water",
		Detect: []Detect{{"FIO", 0x01, 0x07}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "on_time_at_error", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
		},
	})
}
