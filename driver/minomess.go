package driver

import "github.com/meterwire/meterwire/mbus"

// minomess: Zenner Minomess water meters (wireless and wired M-Bus).
// Storage 8 holds the value at the start of the month (storage 1 on some
// versions).
func init() {
	Register(&Driver{
		Name:   "minomess",
		Media:  "water",
		Detect: []Detect{{"ZRI", 0x00, 0x07}, {"ZRI", 0x01, 0x16}, {"ZRI", 0x01, 0x06}},
		Fields: []Field{
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "on_time_at_error", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_backward", Unit: "m3", Match: Match{Key: "0C933C"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 8}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
			{Name: "status", Match: Match{Key: "02FD17"}, Status: &Status{Default: "OK", Bits: minomessBits}},
		},
		Payload: minomessPayload,
	})
}

// minomessBits are the error flags (02FD17), sorted by text as the
// reference prints several.
var minomessBits = []Bit{
	{Mask: 0x0200, Value: 0x0200, Text: "ABNORMAL_ERROR"},
	{Mask: 0x0008, Value: 0x0008, Text: "BACKFLOWING"},
	{Mask: 0x0400, Value: 0x0400, Text: "BATTERY_EOL"},
	{Mask: 0x0080, Value: 0x0080, Text: "BURSTING"},
	{Mask: 0x0020, Value: 0x0020, Text: "LEAKING"},
	{Mask: 0x0001, Value: 0x0001, Text: "OVERSIZED"},
	{Mask: 0x0800, Value: 0x0800, Text: "PERMANENT_ERROR"},
	{Mask: 0x0040, Value: 0x0040, Text: "REMOVED"},
	{Mask: 0x1000, Value: 0x1000, Text: "TEMPORARY_ERROR"},
	{Mask: 0x0002, Value: 0x0002, Text: "UNDERSIZED"},
	{Mask: 0x0010, Value: 0x0010, Text: "WAS_BACKFLOWING"},
	{Mask: 0x0004, Value: 0x0004, Text: "WAS_BLOCKED"},
	{Mask: 0x2000, Value: 0x2000, Text: "WAS_LEAKING"},
	{Mask: 0x8000, Value: 0x8000, Text: "WAS_REMOVED"},
	{Mask: 0x4000, Value: 0x4000, Text: "WAS_TAMPERED"},
}

// minomessPayload takes the billing value and date from storage 1 when
// the meter has none in storage 8.
func minomessPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if _, ok := out.Values["target_m3"]; !ok {
		if r := refFirst(recs, Match{Quantity: "volume", Storage: 1}); r != nil && r.Valid {
			v, _ := r.DisplayValue()
			out.Set("target_m3", v)
		}
	}
	if _, ok := out.Values["target_date"]; !ok {
		if r := refFirst(recs, Match{Quantity: "date", Storage: 1}); r != nil {
			out.Set("target_date", r.FieldValue())
		}
	}
	return nil
}
