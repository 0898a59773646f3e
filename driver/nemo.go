package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// nemo: IME Nemo D4 three-phase electricity meters (wired M-Bus). Tariff
// 1 holds the positive and tariff 2 the partial/negative registers;
// subunit 1 is active and subunit 2 reactive. Per-phase values carry a
// manufacturer VIF extension 0xFF0n naming the phase (4: between phases
// or neutral).
func init() {
	Register(&Driver{
		Name:   "nemo",
		Media:  "electricity",
		Detect: []Detect{{"IME", 0x1D, 0x02}},
		Fields: []Field{
			{Name: "total_active_positive_3phase", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1, Subunit: 1}},
			{Name: "active_positive_3phase", Unit: "kw", Match: Match{Quantity: "power", Tariff: 1, Subunit: 1}},
			{Name: "total_reactive_positive_3phase", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1, Subunit: 2}},
			{Name: "reactive_positive_3phase", Unit: "kw", Match: Match{Quantity: "power", Tariff: 1, Subunit: 2}},
			{Name: "total_active_partial_3phase", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2, Subunit: 1}},
			{Name: "active_negative_3phase", Unit: "kw", Match: Match{Quantity: "power", Tariff: 2, Subunit: 1}},
			{Name: "total_reactive_partial_3phase", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2, Subunit: 2}},
			{Name: "reactive_negative_3phase", Unit: "kw", Match: Match{Quantity: "power", Tariff: 2, Subunit: 2}},
			{Name: "current_at_phase_1", Unit: "a", Match: Match{Key: "05FDD9FF01"}},
			{Name: "current_at_phase_2", Unit: "a", Match: Match{Key: "05FDD9FF02"}},
			{Name: "current_at_phase_3", Unit: "a", Match: Match{Key: "05FDD9FF03"}},
			{Name: "voltage_at_phase_1", Unit: "v", Match: Match{Key: "05FDC8FF01"}},
			{Name: "voltage_at_phase_2", Unit: "v", Match: Match{Key: "05FDC8FF02"}},
			{Name: "voltage_at_phase_3", Unit: "v", Match: Match{Key: "05FDC8FF03"}},
			{Name: "active_power_at_phase_1", Unit: "kw", Match: Match{Key: "8540ABFF01"}},
			{Name: "active_power_at_phase_2", Unit: "kw", Match: Match{Key: "8540ABFF02"}},
			{Name: "active_power_at_phase_3", Unit: "kw", Match: Match{Key: "8540ABFF03"}},
			{Name: "reactive_power_at_phase_1", Unit: "kw", Match: Match{Key: "858040ABFF01"}},
			{Name: "reactive_power_at_phase_2", Unit: "kw", Match: Match{Key: "858040ABFF02"}},
			{Name: "reactive_power_at_phase_3", Unit: "kw", Match: Match{Key: "858040ABFF03"}},
			{Name: "at_phase_1_power_factor", Match: Match{Key: "05FDBAFF01"}},
			{Name: "at_phase_2_power_factor", Match: Match{Key: "05FDBAFF02"}},
			{Name: "at_phase_3_power_factor", Match: Match{Key: "05FDBAFF03"}},
			{Name: "voltage_l1_l2", Unit: "v", Match: Match{Key: "05FDC8FF04"}},
			{Name: "voltage_l2_l3", Unit: "v", Match: Match{Key: "05FDC8FF05"}},
			{Name: "voltage_l3_l1", Unit: "v", Match: Match{Key: "05FDC8FF06"}},
			{Name: "current_in_neutral", Unit: "a", Match: Match{Key: "05FDD9FF04"}},
		},
		Payload: nemoPayload,
	})
}

// nemoPayload adds the power factor (the first dimensionless record
// without a phase extension), the frequency (manufacturer VIF 0x5A, in
// tenths of a hertz; null when not sent) and the status (error flags and
// the TPL status byte).
func nemoPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for i := range recs {
		r := &recs[i]
		if r.Function == mbus.Instantaneous && len(r.VIB) == 2 && r.VIB[0] == 0xFD && r.VIB[1] == 0x3A && r.Valid {
			v, _ := r.DisplayValue()
			out.Set("power_factor", v)
			break
		}
	}
	var freq any
	if r := keyRecord(recs, "05FF5A"); r != nil && r.Valid {
		freq = r.Value / 10
	}
	out.Set("frequency_hz", freq)
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	return nil
}
