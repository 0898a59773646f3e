package driver

import "github.com/meterwire/meterwire/mbus"

// watertech: Watertech (WTT) water meters. The software version is two
// characters, sent last first.
func init() {
	Register(&Driver{
		Name:   "watertech",
		Media:  "water",
		Detect: []Detect{{"WTT", 0x59, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
		},
		Payload: watertechPayload,
	})
}

func watertechPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "software_version" {
			out.Set("software_version", string(reversedBytes(r.Data)))
			break
		}
	}
	return nil
}
