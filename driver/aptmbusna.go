package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// aptmbusna: Apator APT-MBUS-NA-1 water meter modules (wired M-Bus).
// Error flags: the first byte says what was detected in the past (P_),
// the second holds resets and battery, the third what is detected now.
// The status adds the TPL status byte's texts.
func init() {
	Register(&Driver{
		Name:   "aptmbusna",
		Media:  "water",
		Detect: []Detect{{"APA", 0x15, 0x07}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK", Bits: aptmbusnaBits}},
		},
		Payload: aptmbusnaStatus,
	})
}

// aptmbusnaStatus joins the error flags' texts with the TPL status byte's.
func aptmbusnaStatus(_ []mbus.Record, _ []byte, out *Output) error {
	s, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{s}, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}

// aptmbusnaTPLStatus is TPLStatus with the manufacturer bits that named
// does not name printed together, as one UNKNOWN_<hex of those bits>
// ("UNKNOWN_E0" for all three), which is how the reference prints them.
// The other drivers of this set that add the TPL status use it too.
func aptmbusnaTPLStatus(t *wmbus.Telegram, named map[byte]string) []string {
	if t == nil {
		return nil
	}
	unknown := t.TPL.STS & 0xE0
	for bit := range named {
		unknown &^= bit
	}
	c := *t
	c.TPL.STS &^= unknown
	texts := TPLStatus(&c, named)
	if unknown != 0 && TPLStatus(t, nil) != nil {
		texts = append(texts, fmt.Sprintf("UNKNOWN_%X", unknown))
	}
	return texts
}

// aptmbusnaBits, in the order the reference prints them (sorted). The
// reference lists the past leak at 0x800 (not 0x80), so it is here too.
var aptmbusnaBits = []Bit{
	{Mask: 0x000400, Value: 0x000400, Text: "BATTERY_LOW"},
	{Mask: 0x080000, Value: 0x080000, Text: "DETECTION_WITHOUT_CHANGES"},
	{Mask: 0x010000, Value: 0x010000, Text: "MAGNETIC_FIELD"},
	{Mask: 0x200000, Value: 0x200000, Text: "MAXIMUM_FLOW"},
	{Mask: 0x040000, Value: 0x040000, Text: "MBUS_DISCONNECTED"},
	{Mask: 0x100000, Value: 0x100000, Text: "MINIMUM_FLOW"},
	{Mask: 0x800000, Value: 0x800000, Text: "PROCESSOR_RESET"},
	{Mask: 0x400000, Value: 0x400000, Text: "REVERSE_FLOW"},
	{Mask: 0x020000, Value: 0x020000, Text: "STRONG_LIGHT"},
	{Mask: 0x000200, Value: 0x000200, Text: "P_CLOCK_HAND_ERROR"},
	{Mask: 0x000008, Value: 0x000008, Text: "P_DETECTION_WITHOUT_CHANGES"},
	{Mask: 0x000800, Value: 0x000800, Text: "P_LEAK"},
	{Mask: 0x000001, Value: 0x000001, Text: "P_MAGNETIC_FIELD"},
	{Mask: 0x000020, Value: 0x000020, Text: "P_MAXIMUM_FLOW"},
	{Mask: 0x000004, Value: 0x000004, Text: "P_MBUS_DISCONNECTED"},
	{Mask: 0x000010, Value: 0x000010, Text: "P_MINIMUM_FLOW"},
	{Mask: 0x000100, Value: 0x000100, Text: "P_PROCESSOR_RESET"},
	{Mask: 0x000040, Value: 0x000040, Text: "P_REVERSE_FLOW"},
	{Mask: 0x000002, Value: 0x000002, Text: "P_STRONG_LIGHT"},
}
