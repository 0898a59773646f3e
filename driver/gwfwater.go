package driver

import (
	"math"

	"github.com/meterwire/meterwire/mbus"
)

// gwfwater: GWF water meters (and their radio module). The manufacturer
// block after DIF 0x0F starts with a type byte; type 0x01 carries a flags
// byte and a byte whose low bit is the power mode and whose upper bits
// count the remaining battery life in half years.
func init() {
	Register(&Driver{
		Name:   "gwfwater",
		Media:  "water",
		Detect: []Detect{{"GWF", 0x01, 0x0E}, {"GWF", 0x3C, 0x07}},
		Fields: []Field{
			{Name: "actuality_duration", Unit: "s", Match: Match{Quantity: "actuality_duration"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: gwfwaterPayload,
	})
}

// gwfwaterFlags are the bits of the type 0x01 block's flags byte.
var gwfwaterFlags = map[int]string{1: "CONTINUOUS_FLOW", 3: "BROKEN_PIPE", 5: "BATTERY_LOW", 6: "BACKFLOW"}

func gwfwaterPayload(recs []mbus.Record, _ []byte, out *Output) error {
	var texts []string
	var battery any
	for i := range recs {
		r := &recs[i]
		if !r.Manufacturer || len(r.Data) == 0 {
			continue
		}
		d := r.Data
		if d[0] != 0x01 {
			texts = append(texts, refBitsHex("UNKNOWN_MFCT_STATUS", uint64(d[0])))
			break
		}
		if len(d) >= 2 {
			texts = append(texts, bitTexts(uint64(d[1]), gwfwaterFlags, "MFCT_FLAGS")...)
		}
		if len(d) >= 3 {
			b := d[2]
			if b&1 != 0 {
				out.Set("power_mode", "SAVING")
			} else {
				out.Set("power_mode", "NORMAL")
			}
			battery = math.Floor(float64(b)/8) * 0.5
		}
		break
	}
	out.Set("battery_y", battery)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), texts))
	return nil
}
