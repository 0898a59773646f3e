package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// lse_08: Leistungselektronik (LSE) heat cost allocators. Its status is the
// TPL status byte's texts and those of the error flags record 01FD73,
// whose bits have no known meaning (they print as UNKNOWN_<hex>).
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

// lse08Payload prints the status and the model version as the hex of its
// byte.
func lse08Payload(recs []mbus.Record, _ []byte, out *Output) error {
	var flags []string
	if r := refFirst(recs, Match{Key: "01FD73"}); r != nil && r.Valid && r.Int&0xFF != 0 {
		flags = append(flags, fmt.Sprintf("UNKNOWN_%X", r.Int&0xFF))
	}
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "model_version" && len(r.Data) > 0 {
			out.Set("model_version", fmt.Sprintf("%X", reversedBytes(r.Data)))
			break
		}
	}
	return nil
}
