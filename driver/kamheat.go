package driver

import (
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// kamheat: Kamstrup Multical 302, 303, 402, 403, 602, 603 and 803 heat
// (and cooling) meters.
func init() {
	var detect []Detect
	for _, vt := range [][2]byte{
		{0x30, 0x04}, {0x30, 0x0D}, {0x30, 0x0C}, // 302
		{0x40, 0x04}, {0x40, 0x0C}, // 303
		{0x19, 0x04},                                                         // 402
		{0x34, 0x04}, {0x34, 0x0A}, {0x34, 0x0B}, {0x34, 0x0C}, {0x34, 0x0D}, // 403
		{0x1C, 0x04},               // 602
		{0x35, 0x04}, {0x35, 0x0C}, // 603
		{0x39, 0x04}, // 803
	} {
		detect = append(detect, Detect{"KAM", vt[0], vt[1]})
	}
	Register(&Driver{
		Name:    "kamheat",
		Aliases: []string{"multical302", "multical303", "multical403", "multical602", "multical603", "multical803"},
		Media:   "heat",
		Detect:  detect,
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_energy_backward", Unit: "kwh", Match: Match{Key: "04863C"}},
			{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_volume_subunit1", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 1}},
			{Name: "total_volume_subunit2", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 2}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "max_power", Unit: "kw", Match: Match{Quantity: "power", Function: mbus.Maximum}},
			{Name: "t1_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "t2_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			// The difference is a kelvin record the reference prints as °C.
			{Name: "flow_return_temperature_difference_c", Match: Match{Quantity: "temperature_difference"}},
			{Name: "max_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum}},
			// Manufacturer records in m3·°C, printed as their integers.
			{Name: "forward_energy_m3c", Match: Match{Key: "04FF07"}},
			{Name: "return_energy_m3c", Match: Match{Key: "04FF08"}},
			{Name: "va_counter", Match: Match{Key: "04EEFF07"}},
			{Name: "vb_counter", Match: Match{Key: "04EEFF08"}},
			{Name: "meter_date", Match: Match{Quantity: "date"}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "target_energy", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target_energy_backward", Unit: "kwh", Match: Match{Key: "44863C"}},
			{Name: "target_volume", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_volume_subunit1", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 1}},
			{Name: "target_volume_subunit2", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 2}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "on_time_at_error", Unit: "h", Match: Match{Quantity: "on_time", Function: mbus.DuringError}},
			{Name: "operating_time", Unit: "h", Match: Match{Quantity: "operating_time"}},
		},
		Payload: kamheatPayload,
	})
}

// kamheatInfo are the bits of the Multical information code (manufacturer
// record FF22), as the meters' technical descriptions list them.
var kamheatInfo = &Status{Default: "OK", Bits: bitsOf([]string{
	"VOLTAGE_INTERRUPTED", "LOW_BATTERY_LEVEL", "SENSOR_ERROR",
	"SENSOR_T1_ABOVE_MEASURING_RANGE", "SENSOR_T2_ABOVE_MEASURING_RANGE",
	"SENSOR_T1_BELOW_MEASURING_RANGE", "SENSOR_T2_BELOW_MEASURING_RANGE",
	"TEMP_DIFF_WRONG_POLARITY", "FLOW_SENSOR_WEAK_OR_AIR", "WRONG_FLOW_DIRECTION",
	"RESERVED_BIT_10", "FLOW_INCREASED", "IN_A1_LEAKAGE_IN_THE_SYSTEM",
	"IN_B1_LEAKAGE_IN_THE_SYSTEM", "IN-A1_A2_EXTERNAL_ALARM", "IN-B1_B2_EXTERNAL_ALARM",
	"V1_COMMUNICATION_ERROR", "V1_WRONG_PULSE_FIGURE", "IN_A2_LEAKAGE_IN_THE_SYSTEM",
	"IN_B2_LEAKAGE_IN_THE_SYSTEM", "T3_ABOVE_MEASURING_RANGE_OR_SWITCHED_OFF",
	"T3_BELOW_MEASURING_RANGE_OR_SHORT_CIRCUITED", "V2_COMMUNICATION_ERROR",
	"V2_WRONG_PULSE_FIGURE", "V2_AIR", "V2_WRONG_FLOW_DIRECTION", "RESERVED_BIT_26",
	"V2_INCREASED_FLOW", "V1_V2_BURST_WATER_LOSS", "V1_V2_BURST_WATER_PENETRATION",
	"V1_V2_LEAKAGE_WATER_LOSS", "V1_V2_LEAKAGE_WATER_PENETRATION",
})}

// kamheatPayload prints the status from the information code record
// (VIF FF22, sent as 2 or 4 bytes), the enhanced identification as the
// reference does (its bytes in hex), and a target date of month 0 or day
// 0 the way a calendar normalises it (2000-00-00 is 1999-11-30).
func kamheatPayload(recs []mbus.Record, _ []byte, out *Output) error {
	status := kamheatInfo.Default
	for i := range recs {
		r := &recs[i]
		if r.Storage == 0 && hexOf(r.VIB) == "FF22" && r.Valid {
			status = kamheatInfo.Text(uint64(r.Int))
			break
		}
	}
	out.Set("status", status)
	for i := range recs {
		r := &recs[i]
		if hexOf(r.VIB) == "F9FF15" {
			out.Set("enhanced_id", hexOf(reversedBytes(r.Data)))
		}
		if r.Info.Quantity == "date" && r.Storage == 1 && r.Function == mbus.Instantaneous && r.Valid {
			t := r.Time
			if t.Month == 0 || t.Day == 0 {
				out.Set("target_date", time.Date(int(t.Year), time.Month(t.Month), int(t.Day), 0, 0, 0, 0, time.UTC).Format("2006-01-02"))
			}
			break
		}
	}
	return nil
}
