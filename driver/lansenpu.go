package driver

import "github.com/meterwire/meterwire/mbus"

// lansenpu: Lansen pulse counters (two inputs, a and b). Their status is
// the TPL status byte's, where manufacturer bit 0x40 says the enclosure
// was opened.
func init() {
	Register(&Driver{
		Name:   "lansenpu",
		Media:  "other",
		Detect: []Detect{{"LAS", 0x14, 0x00}, {"LAS", 0x1B, 0x00}, {"LAS", 0x0B, 0x02}},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK"}},
			{Name: "a_counter", Match: Match{Key: "0EFD3A"}},
			{Name: "b_counter", Match: Match{Key: "8E40FD3A"}},
		},
		Payload: lansenpuStatus,
	})
}

// lansenpuTPLBits name the TPL status byte's manufacturer bits.
var lansenpuTPLBits = map[byte]string{0x40: "SABOTAGE_ENCLOSURE"}

// lansenpuStatus joins the error flags' texts (if any were sent) with the
// TPL status byte's; the status is printed either way.
func lansenpuStatus(_ []mbus.Record, _ []byte, out *Output) error {
	s, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{s}, aptmbusnaTPLStatus(out.Telegram, lansenpuTPLBits)))
	return nil
}
