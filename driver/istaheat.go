package driver

import (
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// istaheat: ista heat meters: the total, the last set date (storage 2)
// and the year before it (storage 1).
func init() {
	Register(&Driver{
		Name:   "istaheat",
		Media:  "heat",
		Detect: []Detect{{"IST", 0xA9, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 2}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 2}, Text: true},
			{Name: "last_year", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "last_year_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: istaheatPayload,
	})
}

// istaheatPayload prints status OK (the reference adds only the TPL status
// bits) and a last-year date of month or day 0 the way a calendar
// normalises it (2000-00-00 is 1999-11-30), as the reference does.
func istaheatPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "date" && r.Storage == 1 && r.Function == mbus.Instantaneous && r.Valid {
			if t := r.Time; t.Month == 0 || t.Day == 0 {
				out.Set("last_year_date", time.Date(t.Year, time.Month(t.Month), t.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02"))
			}
			break
		}
	}
	return statusOK(recs, nil, out)
}
