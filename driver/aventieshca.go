package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// aventieshca: Aventies heat cost allocators: the current allocation,
// those at the set dates (storages 1 to 17), and the error flags with the
// TPL status; the deprecated error_flags prints the flag texts alone ("" for
// none, as the reference does).
func init() {
	fields := []Field{
		{Name: "current_consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
		{Name: "consumption_at_set_date", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
	}
	for s := 2; s <= 17; s++ {
		fields = append(fields, Field{Name: "consumption_at_set_date_" + refItoa(s), Unit: "hca", Match: Match{Quantity: "hca", Storage: s}})
	}
	Register(&Driver{
		Name:    "aventieshca",
		Media:   "heat cost allocation",
		Detect:  []Detect{{"AAA", 0x55, 0x08}},
		Fields:  fields,
		Payload: aventieshcaPayload,
	})
}

// aventieshcaErrorBits name the error flags' bits (bit number to text).
var aventieshcaErrorBits = map[int]string{1: "SABOTAGE", 2: "BATTERY", 3: "CS", 4: "HF", 5: "RESET"}

func aventieshcaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, ok := em24Flags(recs, aventieshcaErrorBits, 0xFFFF)
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	if ok {
		out.Set("error_flags", em24NoneEmpty(flags))
	}
	return nil
}
