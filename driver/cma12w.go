package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// cma12w: Elvaco CMa12w room temperature sensors. The battery state is a
// digital input record (DIF/VIF 02FD1B), printed as its hex value.
func init() {
	Register(&Driver{
		Name:   "cma12w",
		Media:  "room sensor",
		Detect: []Detect{{"ELV", 0x20, 0x1B}},
		Fields: []Field{
			{Name: "current_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "average_temperature_1h", Unit: "c", Match: Match{Quantity: "external_temperature", Storage: 1}},
			{Name: "software_version", Match: Match{Quantity: "software_version"}, Text: true},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
		},
		Payload: cma12wPayload,
	})
}

func cma12wPayload(recs []mbus.Record, apl []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if hexOf(r.DIB, r.VIB) == "02FD1B" && r.Valid {
			out.Set("battery", fmt.Sprintf("BATTERY_%X", uint64(r.Int)&0xFFFF))
			break
		}
	}
	return statusOK(recs, apl, out)
}
