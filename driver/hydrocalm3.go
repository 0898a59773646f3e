package driver

import "github.com/meterwire/meterwire/mbus"

// hydrocalm3: BMETERS Hydrocal M3 heating and cooling meters. The meter
// sends its heating and cooling totals as records with the same DIF/VIF,
// heating first; the volumes likewise (heating, cooling, then the two
// extra inputs c1 and c2), so fields take them by position.
func init() {
	Register(&Driver{
		Name:   "hydrocalm3",
		Media:  "heat/cooling load",
		Detect: []Detect{{"BMT", 0x0B, 0x0D}},
		Fields: []Field{
			{Name: "total_heating", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total_cooling", Unit: "kwh", Match: Match{Quantity: "energy", Index: 1}},
			{Name: "total_heating", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_cooling", Unit: "m3", Match: Match{Quantity: "volume", Index: 1}},
			{Name: "c1_volume", Unit: "m3", Match: Match{Quantity: "volume", Index: 2}},
			{Name: "c2_volume", Unit: "m3", Match: Match{Quantity: "volume", Index: 3}},
			{Name: "supply_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
		},
		Payload: hydrocalm3Payload,
	})
}

// hydrocalm3Payload prints the status: the TPL status byte's texts, the
// enclosure bit named as for the Hydrocal M4.
func hydrocalm3Payload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, hydrocalm4TPLBits)))
	return nil
}
