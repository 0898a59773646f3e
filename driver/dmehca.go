package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// dmehca: Diehl (DME) heat cost allocators: the current and the previous
// period's allocation, and the error flags (no named bits) with the TPL
// status.
func init() {
	Register(&Driver{
		Name:   "dmehca",
		Media:  "heat cost allocation",
		Detect: []Detect{{"DME", 0x80, 0x08}, {"DME", 0x81, 0x08}},
		Fields: []Field{
			{Name: "current_hca", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "previous_hca", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
		},
		Payload: dmehcaPayload,
	})
}

func dmehcaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFF, out)
	return nil
}
