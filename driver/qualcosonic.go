package driver

import "github.com/meterwire/meterwire/mbus"

// qualcosonic: Axioma Qualcosonic E3/E4 heat and cooling meters. Heat is
// the energy with the forward-flow VIFE (sent first), cooling the one with
// the backward-flow VIFE (sent second).
func init() {
	Register(&Driver{
		Name:   "qualcosonic",
		Media:  "heat/cooling load",
		Detect: []Detect{{"AXI", 0x0B, 0x0D}, {"AXI", 0x0C, 0x0D}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "meter_datetime_at_error", Match: Match{Quantity: "date_time", Function: mbus.DuringError}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			// A kelvin record printed as °C.
			{Name: "flow_return_temperature_difference_c", Match: Match{Quantity: "temperature_difference"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "status", Match: Match{Quantity: "error_flags", Function: mbus.DuringError}, Status: &Status{Default: "OK"}},
			{Name: "total_heat_energy", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_cooling_energy", Unit: "kwh", Match: Match{Quantity: "energy", Index: 1}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 16}, Text: true},
			{Name: "target_heat_energy", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 16}},
			{Name: "target_cooling_energy", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 16, Index: 1}},
		},
	})
}
