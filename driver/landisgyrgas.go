package driver

import "github.com/meterwire/meterwire/mbus"

// landisgyrgas: Landis+Gyr gas meters. Their data is encrypted with AES-GCM
// (security mode 9); the reference prints only the status, from the TPL
// status byte.
func init() {
	Register(&Driver{
		Name:    "landisgyrgas",
		Media:   "gas",
		Detect:  []Detect{{"LGB", 0x50, 0x03}},
		Payload: landisgyrgasPayload,
	})
}

func landisgyrgasPayload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
