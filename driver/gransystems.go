package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// gransystems: Gran-System-S CC101 (one phase) and CC301 (three phases)
// electricity meters: energy and its tariffs now and at the last day
// (storage 2), phase voltages and currents, frequency (register in 0.01
// Hz), and the error flags, whose high bytes say the meter's phases.
func init() {
	Register(&Driver{
		Name:   "gransystems",
		Media:  "electricity",
		Detect: []Detect{{"GSS", 0x01, 0x02}},
		Fields: []Field{
			{Name: "info", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "SINGLE_PHASE_METER", Bits: []Bit{
				{Mask: 0x01030000, Value: 0x01020000, Text: "SINGLE_PHASE_METER"},
				{Mask: 0x01030000, Value: 0x01010000, Text: "THREE_PHASE_METER"},
			}}},
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_energy_consumption_tariff_1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_energy_consumption_tariff_2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2}},
			{Name: "total_energy_consumption_tariff_3", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 3}},
			{Name: "total_energy_consumption_tariff_4", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 4}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 2}, Text: true},
			{Name: "target_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2}},
			{Name: "target_energy_consumption_tariff_1", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2, Tariff: 1}},
			{Name: "target_energy_consumption_tariff_2", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2, Tariff: 2}},
			{Name: "target_energy_consumption_tariff_3", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2, Tariff: 3}},
			{Name: "target_energy_consumption_tariff_4", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 2, Tariff: 4}},
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: gransystemsPayload,
	})
}

var gransystemsBits = map[int]string{
	0: "METER_HARDWARE_ERROR", 1: "RTC_ERROR", 3: "DEVICE_NOT_CONFIGURED", 4: "INTERNAL_ERROR",
	5: "BATTERY_LOW", 6: "MAGNETIC_FRAUD_PRESENT", 7: "MAGNETIC_FRAUD_PAST",
	8: "DSP_COMMUNICATION_ERROR", 9: "DSP_HARDWARE_ERROR", 11: "CALIBRATION_EEPROM_ERROR",
	12: "EEPROM1_ERROR", 14: "RAM_ERROR", 15: "ROM_ERROR",
}

// gransystemsPayload adds the status, the phase voltages and currents
// (subunit 0 for a one-phase meter, 1-3 for the phases of a three-phase
// one) and the frequency.
func gransystemsPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, gransystemsBits, 0xFFFF)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	for _, q := range [][3]string{{"voltage", "voltage_at_phase_", "_v"}, {"current", "current_at_phase_", "_a"}} {
		for su := 0; su <= 3; su++ {
			r := refFirst(recs, Match{Quantity: q[0], Subunit: su})
			if r == nil || !r.Valid {
				continue
			}
			v, _ := r.DisplayValue()
			out.Set(q[1]+strconv.Itoa(max(su, 1))+q[2], v)
		}
	}
	if f := em24Raw(recs, "02FB2D"); f != nil {
		out.Set("frequency_hz", *f/100)
	}
	return nil
}
