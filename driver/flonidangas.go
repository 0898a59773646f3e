package driver

import "github.com/meterwire/meterwire/mbus"

// flonidangas: Flonidan gas meters. The reference prints only the status,
// from the TPL status byte, which is readable even when the application
// data is not.
func init() {
	Register(&Driver{
		Name:    "flonidangas",
		Media:   "gas",
		Detect:  []Detect{{"FLO", 0x50, 0x03}},
		Payload: flonidangasPayload,
	})
}

func flonidangasPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
