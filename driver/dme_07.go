package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// dme_07: DME (Diehl Metering) water meters of version 0x7B: the total
// volume and the error flags (no named bits), with the TPL status.
func init() {
	Register(&Driver{
		Name:   "dme_07",
		Media:  "water",
		Detect: []Detect{{"DME", 0x7B, 0x07}},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		},
		Payload: dme07Payload,
	})
}

func dme07Payload(recs []mbus.Record, _ []byte, out *Output) error {
	dme173SetStatus(recs, Match{Quantity: "error_flags"}, 0xFFFF, out)
	return nil
}
