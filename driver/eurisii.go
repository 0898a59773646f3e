package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// eurisii: Innotas (INE, RAM) EurisII heat cost allocators: the current
// allocation, those at the seventeen set dates (storages 1 to 17), and
// the error flags with the TPL status (also printed as the deprecated
// error_flags).
func init() {
	fields := []Field{
		{Name: "current_consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
		{Name: "consumption_at_set_date", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
	}
	for s := 1; s <= 17; s++ {
		fields = append(fields, Field{Name: "consumption_at_set_date_" + refItoa(s), Unit: "hca", Match: Match{Quantity: "hca", Storage: s}})
	}
	Register(&Driver{
		Name:    "eurisii",
		Media:   "heat cost allocation",
		Detect:  []Detect{{"INE", 0x55, 0x08}, {"RAM", 0x55, 0x08}},
		Fields:  fields,
		Payload: eurisiiPayload,
	})
}

// eurisiiErrorBits name the error flags' bits (bit number to text).
var eurisiiErrorBits = map[int]string{0: "MEASUREMENT", 1: "SABOTAGE", 2: "BATTERY", 3: "CS", 4: "HF", 5: "RESET"}

func eurisiiPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, eurisiiErrorBits, 0xFFFF)
	status := JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil))
	out.Set("status", status)
	out.Set("error_flags", status)
	return nil
}
