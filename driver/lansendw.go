package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// lansendw: Lansen door/window detectors: the input state (0x11 closed,
// 0x55 open), the opening counter and the error flags with the TPL status.
func init() {
	Register(&Driver{
		Name:   "lansendw",
		Media:  "reserved",
		Detect: []Detect{{"LAS", 0x07, 0x1D}},
		Fields: []Field{
			{Name: "a_counter", Match: Match{Quantity: "dimensionless"}},
			{Name: "b_counter", Match: Match{Quantity: "dimensionless", Subunit: 1}},
		},
		Payload: lansendwPayload,
	})
}

func lansendwPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "digital_input"}); r != nil && r.Valid {
		switch v := uint64(r.Int) & 0xFFFF; v {
		case 0x11:
			out.Set("status", "CLOSED")
		case 0x55:
			out.Set("status", "OPEN")
		default:
			out.Set("status", fmt.Sprintf("INPUT_BITS_%X", v))
		}
	}
	out.Set("error_flags", JoinStatus(dme173ErrorTexts(recs, Match{Quantity: "error_flags"}, 0xFFFF), aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
