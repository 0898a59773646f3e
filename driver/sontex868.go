package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// sontex868: Sontex 868 heat cost allocators.
func init() {
	Register(&Driver{
		Name:   "sontex868",
		Media:  "heat cost allocation",
		Detect: []Detect{{"SON", 0x16, 0x08}},
		Fields: []Field{
			{Name: "current_consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "consumption_at_set_date", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
			{Name: "current_temp", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "current_room_temp", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "max_temp", Unit: "c", Match: Match{Quantity: "flow_temperature", Function: mbus.Maximum}},
			{Name: "max_temp_previous_period", Unit: "c", Match: Match{Quantity: "flow_temperature", Function: mbus.Maximum, Storage: 1}},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: sontex868Payload,
	})
}

// sontex868Payload prints the set date (type G, storage 1) with all seven
// year bits after 2000, the way the reference reads them (E1F7 is
// 2127-07-01).
func sontex868Payload(recs []mbus.Record, _ []byte, out *Output) error {
	r := refFirst(recs, Match{Quantity: "date", Storage: 1})
	if r == nil || len(r.Data) != 2 {
		return nil
	}
	lo, hi := r.Data[0], r.Data[1]
	year := 2000 + (int(lo>>5) | int(hi>>4)<<3)
	out.Set("set_date", fmt.Sprintf("%04d-%02d-%02d", year, int(hi&0x0F), int(lo&0x1F)))
	return nil
}
