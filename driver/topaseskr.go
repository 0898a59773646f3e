package driver

import "github.com/meterwire/meterwire/mbus"

// topaseskr: Amt Topas ES KR water meters: the year period in storage 1
// (tariff 1 the reverse volume), the month period in storage 3.
func init() {
	Register(&Driver{
		Name:   "topaseskr",
		Media:  "water",
		Detect: []Detect{{"AMT", 0xF1, 0x06}, {"AMT", 0xF1, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "current_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "volume_year_period", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "reverse_volume_year_period", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Tariff: 1}},
			{Name: "meter_year_period_end_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "volume_month_period", Unit: "m3", Match: Match{Quantity: "volume", Storage: 3}},
			{Name: "meter_month_period_end_datetime", Match: Match{Quantity: "date_time", Storage: 3}, Text: true},
		},
		Payload: topaseskrPayload,
	})
}

// topaseskrPayload adds the access counter (an unsigned byte) and the
// remaining battery life in years (of 365.2425 days).
func topaseskrPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "access_number"}); r != nil && len(r.Data) > 0 {
		var v uint64
		for i := len(r.Data) - 1; i >= 0; i-- {
			v = v<<8 | uint64(r.Data[i])
		}
		out.Set("access_counter", float64(v))
	}
	if r := refFirst(recs, Match{Quantity: "remaining_battery_lifetime"}); r != nil && r.Valid {
		if v, unit := r.DisplayValue(); unit == "d" {
			out.Set("battery_y", v/365.2425)
		} else if unit == "year" {
			out.Set("battery_y", v)
		}
	}
	return nil
}
