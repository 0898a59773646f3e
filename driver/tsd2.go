package driver

import (
	"encoding/binary"
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// tsd2: Techem smoke detectors. They send no data records: after the CI
// byte (0xA0) come a status byte (0 OK, 1 SMOKE, 0x80 DEFECT) and the
// date of the previous billing period (16 bits: day, month, year since
// 2000 from the low bits up). A payload shorter than three bytes is a
// decoding error, which the status says.
func init() {
	Register(&Driver{
		Name:    "tsd2",
		Media:   "smoke detector",
		Detect:  []Detect{{"TCH", 0x76, 0xF0}},
		Payload: tsd2Payload,
	})
}

var tsd2States = map[byte]string{0x00: "OK", 0x01: "SMOKE", 0x80: "DEFECT"}

func tsd2Payload(_ []mbus.Record, apl []byte, out *Output) error {
	var tpl []string
	if out.Telegram != nil {
		tpl = TPLStatus(out.Telegram, nil)
	}
	if len(apl) < 3 {
		out.Set("status", JoinStatus(tpl, []string{"DECODING_ERROR_payload"}))
		out.Set("prev_date", nil)
		return nil
	}
	state, ok := tsd2States[apl[0]]
	if !ok {
		state = fmt.Sprintf("STATUS_%02X", apl[0])
	}
	out.Set("status", JoinStatus(tpl, []string{state}))
	d := int(binary.LittleEndian.Uint16(apl[1:]))
	out.Set("prev_date", mkradio3Date(d>>9, d>>5%16, d%32))
	return nil
}
