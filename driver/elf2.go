package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// elf2: Apator Elf 2 heat meters: energy, volume, flow, power, both
// temperatures, the meter's date, on times, and the error flags (sixteen
// named bits) with the TPL status.
func init() {
	Register(&Driver{
		Name:   "elf2",
		Media:  "heat",
		Detect: []Detect{{"APA", 0x42, 0x04}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "on_time_at_error", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
			{Name: "t2_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "t1_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "current_power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "current_volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_energy", Unit: "kwh", Match: Match{Quantity: "energy"}},
		},
		Payload: elf2Payload,
	})
}

// elf2ErrorBits name the error flags' bits (bit number to text).
var elf2ErrorBits = map[int]string{
	0: "MINIMUM_FLOW", 1: "FLOW_METER_FAILURE", 2: "RETURN_TEMPERATURE_ERROR", 3: "SUPPLY_TEMPERATURE_ERROR",
	4: "DIFFERENTIAL_TEMPERATURE_ERROR", 5: "MAXIMUM_FLOW", 6: "MEMORY_FAILURE", 7: "LOW_BATTERY_VOLTAGE",
	8: "DAILY_ABNORMAL_NOMINAL_FLOW", 9: "ANNUAL_ABNORMAL_NOMINAL_FLOW", 10: "DIFFERENTIAL_TEMPERATURE_TOO_LOW", 11: "CRC_ERROR",
	12: "FLASH_ERROR", 13: "CRITICAL_BATTERY_VOLTAGE", 14: "CPU_OVERTEMPERATURE", 15: "UART_LIMIT_OVERRUN",
}

func elf2Payload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, elf2ErrorBits, 0xFFFF)
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
