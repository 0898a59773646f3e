package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// lse_08: Leistungselektronik (LSE) heat cost allocators. Its status is the
// TPL status byte, which a driver does not see.
func init() {
	Register(&Driver{
		Name:   "lse_08",
		Media:  "heat cost allocation",
		Detect: []Detect{{"LSE", 0x01, 0x08}},
		Fields: []Field{
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
			{Name: "consumption_at_set_date", Unit: "hca", Match: Match{Quantity: "hca", Storage: 8}},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "duration_since_readout", Unit: "h", Match: Match{Quantity: "duration_since_readout"}},
		},
		Payload: lse08Payload,
	})
}

// lse08Payload prints the model version as the hex of its byte.
func lse08Payload(recs []mbus.Record, _ []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "model_version" && len(r.Data) > 0 {
			out.Set("model_version", fmt.Sprintf("%X", reversedBytes(r.Data)))
			break
		}
	}
	return nil
}
