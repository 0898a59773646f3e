package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// evo868: Maddalena EVO 868 radio modules on water meters. Storage 8 to
// 19 hold twelve monthly history volumes; storage 8 also holds the date
// of the newest, and each older one is a month before the previous.
func init() {
	Register(&Driver{
		Name:   "evo868",
		Media:  "water",
		Detect: []Detect{{"MAD", 0x50, 0x06}, {"MAD", 0x50, 0x07}, {"MAD", 0x50, 0x16}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "consumption_at_set_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "consumption_at_set_date_2", Unit: "m3", Match: Match{Quantity: "volume", Storage: 2}},
			{Name: "set_date_2", Match: Match{Quantity: "date", Storage: 2}, Text: true},
			{Name: "max_flow_since_datetime", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum, Storage: 3}},
			{Name: "max_flow_datetime", Match: Match{Quantity: "date_time", Storage: 3}, Text: true},
			{Name: "history_reference_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: evo868Payload,
	})
}

func evo868Payload(recs []mbus.Record, _ []byte, out *Output) error {
	ref := refFirst(recs, Match{Quantity: "date", Storage: 8})
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "volume" || r.Function != mbus.Instantaneous || r.Storage < 8 || r.Storage > 19 || r.Tariff != 0 || r.Subunit != 0 {
			continue
		}
		n := int(r.Storage) - 7
		name := "consumption_at_history_" + refItoa(n)
		if _, ok := out.Values[name+"_m3"]; ok {
			continue
		}
		if r.Valid {
			v, _ := r.DisplayValue()
			out.Set(name+"_m3", v)
		}
		if ref != nil && ref.Valid && ref.Time.HasDate {
			out.Set("history_"+refItoa(n)+"_date", evo868MonthsBefore(ref.Time, n-1))
		}
	}
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("current_status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	return nil
}

// evo868MonthsBefore is the date n months before t (after it, for a
// negative n): a month's last day stays the last day, other days are kept
// (or cut to the month's length).
func evo868MonthsBefore(t mbus.DateTime, n int) string {
	if t.Month < 1 || t.Month > 12 || t.Year < 0 || t.Year > 9999 || n < -1200 || n > 1200 {
		return ""
	}
	last := t.Day >= evo868DaysIn(t.Year, t.Month)
	m := t.Year*12 + t.Month - 1 - n
	d := mbus.DateTime{Year: m / 12, Month: m%12 + 1, Day: t.Day, HasDate: true}
	if dl := evo868DaysIn(d.Year, d.Month); last || d.Day > dl {
		d.Day = dl
	}
	return d.String()
}

func evo868DaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
