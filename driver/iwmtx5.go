package driver

import "github.com/meterwire/meterwire/mbus"

// iwmtx5: BMETERS IWM-TX5 water meters: volume, the meter's clock, and
// the status from the TPL status byte and the error flags.
func init() {
	Register(&Driver{
		Name:   "iwmtx5",
		Media:  "water",
		Detect: []Detect{{"BMT", 0x18, 0x07}, {"BMT", 0x18, 0x06}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: iwmtx5Payload,
	})
}

// iwmtx5TPL names the manufacturer bit of the TPL status byte.
var iwmtx5TPL = map[byte]string{0x40: "TAMPER"}

func iwmtx5Payload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, nil, 0xFFFFFFFF)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, iwmtx5TPL), flags))
	return nil
}
