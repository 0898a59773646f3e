package driver

import (
	"math"

	"github.com/meterwire/meterwire/mbus"
)

// hydrus: Diehl Hydrus (and IZAR RS) water meters: totals now and at the
// billing date (storage 1), per tariff, the end of last month (storage
// 3), the flow and temperatures, the battery's remaining life in years.
func init() {
	Register(&Driver{
		Name:  "hydrus",
		Media: "water",
		Detect: []Detect{
			{"DME", 0x70, 0x07}, {"DME", 0x76, 0x07}, {"HYD", 0x24, 0x07}, {"HYD", 0x8B, 0x07},
			{"HYD", 0x8B, 0x06}, {"DME", 0x70, 0x06}, {"DME", 0x70, 0x16},
		},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_tariff1", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 1}},
			{Name: "total_tariff2", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 2}},
			{Name: "total_tariff1_at_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Tariff: 1}},
			{Name: "total_tariff2_at_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Tariff: 2}},
			{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "total_at_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "at_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 3}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 3}, Text: true},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "customer", Match: Match{Quantity: "customer"}, Text: true},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "external_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
		},
		Payload: hydrusPayload,
	})
}

// hydrusDaysPerYear is the mean Gregorian year the reference divides the
// remaining battery days by.
const hydrusDaysPerYear = 365.2425

// hydrusPayload prints the status (the TPL status byte and the error
// flags, whose bits have no names) and the remaining battery life in
// years.
func hydrusPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, nil, 0xFFFF)
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil), flags))
	if r := refFirst(recs, Match{Quantity: "remaining_battery_lifetime"}); r != nil && r.Valid {
		if y, ok := hydrusYears(r); ok {
			out.Set("remaining_battery_life_y", y)
		}
	}
	return nil
}

// hydrusYears converts a time record to years, rounded to six decimals as
// the reference prints them.
func hydrusYears(r *mbus.Record) (float64, bool) {
	v, unit := r.DisplayValue()
	switch unit {
	case "d":
	case "h":
		v /= 24
	case "min":
		v /= 24 * 60
	case "s":
		v /= 24 * 3600
	case "year":
		v *= hydrusDaysPerYear
	default:
		return 0, false
	}
	return math.Round(v/hydrusDaysPerYear*1e6) / 1e6, true
}
