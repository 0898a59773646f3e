package driver

import "github.com/meterwire/meterwire/mbus"

// kadenwater: Ecomess/Kaden type 07 water meters (manufacturer KDN or
// VIP). The leak alarm is in the TPL status byte: the application state
// ALARM, with manufacturer bit 0x20 when the flow stayed below 100 l/h
// during the leak and 0x40 when it went above. The error flags' bits are
// not documented: they print OK when none is set.
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
		Payload: kadenwaterStatus,
	})
}

// kadenwaterTPLBits name the TPL status byte's manufacturer bits.
var kadenwaterTPLBits = map[byte]string{0x20: "LEAK_FLOW_LOW", 0x40: "LEAK_FLOW_HIGH"}

// kadenwaterStatus adds the TPL status byte's texts to the error flags'.
func kadenwaterStatus(_ []mbus.Record, _ []byte, out *Output) error {
	s, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{s}, aptmbusnaTPLStatus(out.Telegram, kadenwaterTPLBits)))
	return nil
}
