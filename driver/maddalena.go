package driver

import "github.com/meterwire/meterwire/mbus"

// maddalena: Maddalena water meters.
func init() {
	Register(&Driver{
		Name:   "maddalena",
		Media:  "water",
		Detect: []Detect{{"MAD", 0x01, 0x07}, {"MAD", 0x01, 0x06}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		},
		Payload: maddalenaPayload,
	})
}

// maddalenaPayload adds the fabrication number, printed as its BCD
// digits even when they are not decimal ("FF0124018699"), and the status
// (error flags and TPL status).
func maddalenaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "fabrication_no"}); r != nil {
		if r.Valid {
			out.Set("fabrication_no", r.FieldValue())
		} else {
			out.Set("fabrication_no", refHexMSBFirst(r.Data))
		}
	}
	dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFF, out)
	return nil
}
