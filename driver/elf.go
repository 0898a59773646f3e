package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// elf: Apator Elf heat meters. Their status is a manufacturer record
// (DIF/VIF 047F) whose bits have no known names.
func init() {
	Register(&Driver{
		Name:   "elf",
		Media:  "heat",
		Detect: []Detect{{"APA", 0x04, 0x40}},
		Fields: []Field{
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "current_power_consumption", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_energy_consumption_at_date", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "external_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "battery", Unit: "v", Match: Match{Quantity: "voltage"}},
		},
		Payload: elfPayload,
	})
}

func elfPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := refFirst(recs, Match{Quantity: "model_version"}); r != nil {
		out.Set("version", refHexMSBFirst(r.Data))
	}
	var flags []string
	if r := keyRecord(recs, "047F"); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFFFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	return nil
}
