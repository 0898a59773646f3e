package driver

import "github.com/meterwire/meterwire/mbus"

// hydrocalm4: BMETERS Hydrocal M4 heating and cooling meters: heating
// totals without tariff, cooling totals in tariff 1, the two extra volume
// inputs as subunits 1 and 2.
func init() {
	Register(&Driver{
		Name:   "hydrocalm4",
		Media:  "heat/cooling load",
		Detect: []Detect{{"BMT", 0x1A, 0x0D}},
		Fields: []Field{
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total_heating", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_cooling", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_heating", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_cooling", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 1}},
			{Name: "c1_volume", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 1}},
			{Name: "c2_volume", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 2}},
			{Name: "supply_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
		},
		// The status comes from the TPL status byte, which drivers do not
		// see yet: OK unless told otherwise.
		Payload: func(_ []mbus.Record, _ []byte, out *Output) error {
			out.Set("status", "OK")
			return nil
		},
	})
}
