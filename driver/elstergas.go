package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// elstergas: Elster gas meters of version 0x50. Only the status is
// printed: the TPL status byte's texts (the records are encrypted with a
// mode meterwire does not decrypt).
func init() {
	Register(&Driver{
		Name:    "elstergas",
		Media:   "gas",
		Detect:  []Detect{{"ELS", 0x50, 0x03}},
		Payload: elstergasPayload,
	})
}

func elstergasPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
