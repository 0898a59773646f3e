package driver

import "github.com/meterwire/meterwire/mbus"

// aquastream: Itron Aquastream water meters: volume, the backward volume
// (sent as tariff 1), the meter's clock, the set date and its volume, the
// battery's remaining life in years, and the error flags.
func init() {
	Register(&Driver{
		Name:   "aquastream",
		Media:  "water",
		Detect: []Detect{{"IMT", 0x01, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_backwards", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 1}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: aquastreamPayload,
	})
}

var aquastreamBits = map[int]string{2: "LOW_BATTERY", 4: "TEMPORARY_ALARM", 5: "LEAKAGE"}

func aquastreamPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, aquastreamBits, 0xFFFF)
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid && r.Int&0x30 == 0x30 {
		flags = append(flags, "BURST")
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	if d := em24Raw(recs, "02FD74"); d != nil {
		out.Set("battery_y", *d/365)
	}
	return nil
}
