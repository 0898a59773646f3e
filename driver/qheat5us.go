package driver

import "github.com/meterwire/meterwire/mbus"

// qheat5us: Qundis Q heat 5.5 US heat meters (manufacturer LSE).
func init() {
	Register(&Driver{
		Name:   "qheat5us",
		Media:  "heat",
		Detect: []Detect{{"LSE", 0x23, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
		},
		Payload: qheat5usPayload,
	})
}

// qheat5usPayload prints the error date, empty when the meter sends none
// (FFFF), as the reference does.
func qheat5usPayload(recs []mbus.Record, apl []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "date" && r.Function == mbus.DuringError {
			if v, ok := r.FieldValue().(string); ok {
				out.Set("meter_date_at_error", v)
			} else {
				out.Set("meter_date_at_error", "")
			}
			break
		}
	}
	return statusOK(recs, apl, out)
}
