package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// dme173: Diehl Metering water meters sending version 0x63 telegrams.
// Storage 8 holds the end of the last billing period, storage 1 an
// earlier set date.
func init() {
	Register(&Driver{
		Name:   "dme173",
		Media:  "water",
		Detect: []Detect{{"DME", 0x63, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "total_backward", Unit: "m3", Match: Match{Key: "0C933C"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 8}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 8}, Text: true},
			{Name: "total_at_set_date", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: func(recs []mbus.Record, _ []byte, out *Output) error {
			dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFFFFFF, out)
			return nil
		},
	})
}

// dme173SetStatus prints "status" as the reference does for meters whose
// error flags have no named bits: the TPL status byte's texts and, for
// the flags record m finds (masked), ERROR_FLAGS_<hex of the set bits>.
// The other drivers of this set with such a status use it too.
func dme173SetStatus(recs []mbus.Record, m Match, mask uint64, out *Output) {
	out.Set("status", JoinStatus(dme173ErrorTexts(recs, m, mask), aptmbusnaTPLStatus(out.Telegram, nil)))
}

func dme173ErrorTexts(recs []mbus.Record, m Match, mask uint64) []string {
	r := refFirst(recs, m)
	if r == nil || !r.Valid {
		return nil
	}
	if v := uint64(r.Int) & mask; v != 0 {
		return []string{fmt.Sprintf("ERROR_FLAGS_%X", v)}
	}
	return nil
}
