package driver

import "github.com/meterwire/meterwire/mbus"

// qwater: the older driver of Qundis Q water 5.5 meters, with its own field
// names (due_date for the year's set day, due_17_date for the last
// month's). qwaterv2 detects these meters; qwater is used when named.
func init() {
	Register(&Driver{
		Name:  "qwater",
		Media: "water",
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: qdsWaterErrors},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "due_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "due_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "due_17_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 17}},
			{Name: "due_17_date", Match: Match{Quantity: "date", Storage: 17}, Text: true},
			{Name: "error_date", Match: Match{Quantity: "date", Function: mbus.DuringError}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: qwaterPayload,
	})
}

func qwaterPayload(recs []mbus.Record, apl []byte, out *Output) error {
	flowWithDurationExt(recs, out)
	for i := range recs {
		if hexOf(recs[i].DIB, recs[i].VIB) == "0DFF5F" {
			qdsWalkBy(recs[i].Data, &qdsWalkByNames{[]byte{0x13}, "total_m3", "due_date", "due_date_m3", "due_17_date", "due_17_date_m3", ""}, out)
			break
		}
	}
	if _, ok := out.Values["status"]; !ok {
		out.Set("status", "OK")
	}
	return nil
}
