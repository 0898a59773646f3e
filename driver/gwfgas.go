package driver

import "github.com/meterwire/meterwire/mbus"

// gwfgas: GWF gas meters: the total, the value and date at the billing
// date (storage 1), the actuality duration, and the TPL status.
func init() {
	Register(&Driver{
		Name:   "gwfgas",
		Media:  "gas",
		Detect: []Detect{{"GWF", 0x3C, 0x03}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
		},
		Payload: gwfgasPayload,
	})
}

// gwfgasPayload prints the status and the billing date, a zero date
// printed as the reference's calendar arithmetic makes it.
func gwfgasPayload(recs []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	if r := refFirst(recs, Match{Quantity: "date", Storage: 1}); r != nil {
		out.Set("target_date", em24Date(r))
	}
	return nil
}
