package driver

import (
	"strings"

	"github.com/meterwire/meterwire/mbus"
)

// lse_07_17: Qundis QWater 5.5 water meters that identify as LSE.
func init() {
	Register(&Driver{
		Name:  "lse_07_17",
		Media: "water",
		Detect: []Detect{
			{"LSE", 0x18, 0x06}, {"LSE", 0x18, 0x07}, {"LSE", 0x16, 0x07}, {"LSE", 0x17, 0x07}, {"LSE", 0xD8, 0x07},
		},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "due", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "due_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "consumption_at_set_date_8", Unit: "m3", Match: Match{Quantity: "volume", Storage: 8}},
			{Name: "set_date_8", Match: Match{Quantity: "date", Storage: 8}, Text: true},
			{Name: "error_code", Match: Match{Key: "02BB56"}, Status: &Status{Default: "OK"}},
			{Name: "error_date", Match: Match{Quantity: "date", Function: mbus.DuringError}, Text: true},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: func(recs []mbus.Record, _ []byte, out *Output) error {
			// The model version prints as the hex digits of its byte(s).
			for i := range recs {
				if recs[i].Info.Quantity == "model_version" {
					out.Set("model_version", strings.ToUpper(hexOf(lse0717Reversed(recs[i].Data))))
					break
				}
			}
			return nil
		},
	})
}

func lse0717Reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}
