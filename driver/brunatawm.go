package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// brunatawm: Brunata (DWZ) warm water meters: total, the set-date volume
// and date, the meter's date, and the TPL status.
func init() {
	Register(&Driver{
		Name:   "brunatawm",
		Media:  "warm water",
		Detect: []Detect{{"DWZ", 0x01, 0x06}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
		},
		Payload: brunatawmPayload,
	})
}

func brunatawmPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
