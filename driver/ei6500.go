package driver

import (
	"math"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/mbus"
)

// ei6500: Ei Electronics Ei6500-OMS smoke alarms. The alarm, removal and
// test-button events are counters and dates in subunit 1 (tariffs 1, 2, 3);
// the head's state (dust, battery, obstacle distance and faults) is one
// manufacturer word (DIF/VIF 8440FF2C).
func init() {
	Register(&Driver{
		Name:   "ei6500",
		Media:  "smoke detector",
		Detect: []Detect{{"EIE", 0x0C, 0x1A}},
		Fields: []Field{
			{Name: "last_alarm_date", Match: Match{Quantity: "date", Tariff: 1, Subunit: 1}, Text: true},
			{Name: "alarm_counter", Match: Match{Quantity: "cumulation_counter", Tariff: 1, Subunit: 1}},
			{Name: "software_version", Match: Match{Quantity: "software_version"}, Text: true},
			{Name: "message_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "last_remove_date", Match: Match{Quantity: "date", Tariff: 2, Subunit: 1}, Text: true},
			{Name: "removed_counter", Match: Match{Quantity: "cumulation_counter", Tariff: 2, Subunit: 1}},
			{Name: "test_button_last_date", Match: Match{Quantity: "date", Tariff: 3, Subunit: 1}, Text: true},
			{Name: "test_button_counter", Match: Match{Quantity: "cumulation_counter", Tariff: 3, Subunit: 1}},
			{Name: "installation_date", Match: Match{Quantity: "date", Tariff: 2}, Text: true},
			{Name: "last_sound_check_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: ei6500Payload,
	})
}

// ei6500Head are the fault bits of the head word; they are printed in the
// status.
var ei6500Head = []Bit{
	{0x00000020, 0x00000020, "SOUNDER_FAULT"},
	{0x00000040, 0x00000040, "TAMPER_WHILE_REMOVED"},
	{0x00000080, 0x00000080, "EOL_REACHED"},
	{0x00001000, 0x00001000, "LOW_BATTERY_FAULT"},
	{0x00002000, 0x00002000, "ALARM_SENSOR_FAULT"},
	{0x00004000, 0x00004000, "OBSTACLE_DETECTOR_FAULT"},
	{0x00008000, 0x00008000, "EOL_WITHIN_12_MONTH"},
	{0x00020000, 0x00020000, "ENV_CHANGED_SINCE_INSTALLATION"},
	{0x00040000, 0x00040000, "COMM_TO_HEAD_FAULT"},
	{0x00080000, 0x00080000, "INTERFERENCE_PREVENTING_OBSTACLE_DETECTION"},
	{0x01000000, 0x01000000, "OBSTACLE_DETECTED"},
	{0x02000000, 0x02000000, "SMOKE_DETECTOR_FULLY_COVERED"},
}

// ei6500Obstacle are the distances of bits 20-22 of the head word.
var ei6500Obstacle = map[uint64]string{
	0x000000: "SEODS_NOT_COMPLETED", 0x200000: "45_TO_60_CM", 0x300000: "38_TO_53_CM",
	0x400000: "33_TO_48_CM", 0x500000: "28_TO_40_CM", 0x600000: "20_TO_33_CM", 0x700000: "0_TO_25_CM",
}

// ei6500CleaningDust is the dust level from which the reference reports
// CLEANING_RECOMMENDED (inferred from its output: level 0x1C does, 0x1B
// does not).
const ei6500CleaningDust = 0x1C

func ei6500Payload(recs []mbus.Record, apl []byte, out *Output) error {
	// The removal duration in hours, as the reference prints it (6
	// decimals).
	if r := refFirst(recs, Match{Quantity: "tariff_duration", Tariff: 2, Subunit: 1}); r != nil && r.Valid {
		if v, unit := r.DisplayValue(); unit == "min" {
			out.Set("duration_removed_h", math.Round(v/60*1e6)/1e6)
		}
	}
	var status []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid && r.Int != 0 {
		status = append(status, "ERROR_FLAGS_"+strings.ToUpper(strconv.FormatInt(r.Int, 16)))
	}
	if r := refFirst(recs, Match{Key: "8440FF2C", Subunit: Any}); r != nil && r.Valid {
		v := uint64(r.Int)
		dust := v & 0x1F
		out.Set("dust_level", "DUST_"+strings.ToUpper(strconv.FormatUint(dust, 16)))
		out.Set("dust_level_counter", float64(dust))
		out.Set("battery_level", strconv.FormatFloat(2.25+0.05*float64(v>>8&0x0F), 'f', 2, 64)+"V")
		out.Set("obstacle_distance", ei6500Obstacle[v&0x700000])
		if s := (&Status{Bits: ei6500Head}).Text(v); s != "" {
			status = append(status, s)
		}
		if dust >= ei6500CleaningDust {
			status = append(status, "CLEANING_RECOMMENDED")
		}
	}
	if len(status) == 0 {
		out.Set("status", "OK")
	} else {
		out.Set("status", strings.Join(status, " "))
	}
	return nil
}
