package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// aventieswm: Aventies water meters: volume, the volumes at the last 14
// set dates (storage 1-14), and the error flags.
func init() {
	Register(&Driver{
		Name:   "aventieswm",
		Media:  "water",
		Detect: []Detect{{"AAA", 0x25, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		},
		Payload: aventieswmPayload,
	})
}

var aventieswmBits = map[int]string{0: "MEASUREMENT", 1: "SABOTAGE", 2: "BATTERY", 3: "CS", 4: "HF", 5: "RESET"}

func aventieswmPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for s := 1; s <= 14; s++ {
		if r := refFirst(recs, Match{Quantity: "volume", Storage: s}); r != nil && r.Valid {
			if v, unit := r.DisplayValue(); unit == "m3" {
				out.Set("consumption_at_set_date_"+strconv.Itoa(s)+"_m3", v)
			}
		}
	}
	flags, ok := em24Flags(recs, aventieswmBits, 0xFFFF)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	if ok {
		out.Set("error_flags", em24NoneEmpty(flags))
	}
	return nil
}
