package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// supercal: Sontex Supercal heat meters. Storage 20 holds the set date
// and the values at it.
func init() {
	Register(&Driver{
		Name:   "supercal",
		Media:  "heat",
		Detect: []Detect{{"SON", 0x1B, 0x04}},
		Fields: []Field{
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 20}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 20}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: supercalPayload,
	})
}

// supercalPayload prints the set date (type G, storage 20) with the year
// as all seven year bits after 2000, the way the reference reads it
// (E1F1 is 2127-01-01).
func supercalPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "date" || r.Storage != 20 || len(r.Data) != 2 {
			continue
		}
		lo, hi := r.Data[0], r.Data[1]
		day, month := int(lo&0x1F), int(hi&0x0F)
		year := 2000 + (int(lo>>5) | int(hi>>4)<<3)
		out.Set("target_date", fmt.Sprintf("%04d-%02d-%02d", year, month, day))
		break
	}
	return nil
}
