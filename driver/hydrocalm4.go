package driver

import (
	"math"

	"github.com/meterwire/meterwire/mbus"
)

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
		Payload: hydrocalm4Payload,
	})
}

// hydrocalm4TPLBits name the TPL status byte's manufacturer bits.
var hydrocalm4TPLBits = map[byte]string{0x80: "SABOTAGE_ENCLOSURE"}

// hydrocalm4Payload prints the status, the TPL status byte's texts, and
// the power as the reference prints it: to six decimals (the meter sends
// it in J/h, so small powers are a few millionths of a kW).
func hydrocalm4Payload(_ []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, hydrocalm4TPLBits)))
	if p, ok := out.Values["power_kw"].(float64); ok {
		out.Set("power_kw", math.Round(p*1e6)/1e6)
	}
	return nil
}
