package driver

import (
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// waterstarm: Deltameter/Diehl (DWZ) and Efe (EFE) WaterStar M water
// meters, with fifteen months of history.
func init() {
	fields := []Field{
		{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK", Bits: []Bit{
			{0x01, 0x01, "SW_ERROR"},
			{0x02, 0x02, "CRC_ERROR"},
			{0x04, 0x04, "SENSOR_ERROR"},
			{0x08, 0x08, "MEASUREMENT_ERROR"},
			{0x10, 0x10, "BATTERY_VOLTAGE_ERROR"},
			{0x20, 0x20, "MANIPULATION"},
			{0x40, 0x40, "LEAKAGE_OR_NO_USAGE"},
			{0x80, 0x80, "REVERSE_FLOW"},
			{0x100, 0x100, "OVERLOAD"},
		}}},
		{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		{Name: "total_backwards", Unit: "m3", Match: Match{Key: "04933C"}},
		{Name: "battery", Unit: "v", Match: Match{Quantity: "voltage"}},
		{Name: "set_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		{Name: "consumption_at_set_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
		{Name: "total_backwards_at_set_date", Unit: "m3", Match: Match{Key: "44933C", Storage: 1}},
	}
	for n := 1; n <= 15; n++ {
		fields = append(fields, Field{Name: "consumption_at_history_" + refItoa(n), Unit: "m3", Match: Match{Quantity: "volume", Storage: n + 1}})
	}
	Register(&Driver{
		Name:  "waterstarm",
		Media: "water",
		Detect: []Detect{
			{"DWZ", 0x00, 0x06}, {"DWZ", 0x02, 0x06}, {"DWZ", 0x02, 0x07},
			{"EFE", 0x03, 0x07}, {"EFE", 0x70, 0x07}, {"DWZ", 0x00, 0x07},
		},
		Fields:  fields,
		Payload: waterstarmPayload,
	})
}

// waterstarmPayload prints the meter's date and time (also with its
// invalid bit set), the model version and parameter set as hex, and the
// dates of the history values: the meter's date less n months.
func waterstarmPayload(recs []mbus.Record, apl []byte, out *Output) error {
	var now time.Time
	if r := refFirst(recs, Match{Quantity: "date_time"}); r != nil {
		if s := refTimeIgnoringIV(r); s != "" {
			out.Set("meter_datetime", s)
			t := r.Time
			now = time.Date(t.Year, time.Month(t.Month), t.Day, 0, 0, 0, 0, time.UTC)
		}
	}
	if r := refFirst(recs, Match{Quantity: "model_version"}); r != nil {
		out.Set("meter_version", refHexMSBFirst(r.Data))
	}
	if r := refFirst(recs, Match{Quantity: "parameter_set_id"}); r != nil {
		out.Set("parameter_set", refHexMSBFirst(r.Data))
	}
	// The status adds the TPL status byte's texts.
	st, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{st}, aptmbusnaTPLStatus(out.Telegram, nil)))
	if now.IsZero() {
		return nil
	}
	for n := 1; n <= 15; n++ {
		if _, ok := out.Values["consumption_at_history_"+refItoa(n)+"_m3"]; ok {
			out.Set("history_"+refItoa(n)+"_date", now.AddDate(0, -n, 0).Format("2006-01-02"))
		}
	}
	return nil
}
