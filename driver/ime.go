package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
)

// ime: IME Nemo electricity meters. Every value is in a manufacturer
// specific VIF (FF xx), identified by its exact DIF/VIF bytes, with a
// fixed scale to the printed unit.
func init() {
	Register(&Driver{
		Name:    "ime",
		Media:   "electricity",
		Detect:  []Detect{{"IME", 0x66, 0x02}},
		Payload: imePayload,
	})
}

var imeValues = []struct {
	key, name string
	scale     float64
}{
	{"849010FF80843B", "positive_total_active_energy_kwh", 0.01},
	{"849010FF80843C", "negative_total_active_energy_kwh", 0.01},
	{"849010FF81843B", "positive_total_reactive_energy_kvarh", 0.01},
	{"849010FF81843C", "negative_total_reactive_energy_kvarh", 0.01},
	{"8410FF80843B", "positive_tariff1_active_energy_kwh", 0.01},
	{"8420FF80843B", "positive_tariff2_active_energy_kwh", 0.01},
	{"8410FF80843C", "negative_tariff1_active_energy_kwh", 0.01},
	{"8420FF80843C", "negative_tariff2_active_energy_kwh", 0.01},
	{"8410FF81843B", "positive_tariff1_reactive_energy_kvarh", 0.01},
	{"8420FF81843B", "positive_tariff2_reactive_energy_kvarh", 0.01},
	{"8410FF81843C", "negative_tariff1_reactive_energy_kvarh", 0.01},
	{"8420FF81843C", "negative_tariff2_reactive_energy_kvarh", 0.01},
	{"84A010FF80843B", "partial_positive_active_energy_kwh", 0.01},
	{"84A010FF80843C", "partial_negative_active_energy_kwh", 0.01},
	{"84A010FF81843B", "partial_positive_reactive_energy_kvarh", 0.01},
	{"84A010FF81843C", "partial_negative_reactive_energy_kvarh", 0.01},
	{"04FF9029", "pulse_input_counter", 0.01},
	{"84B010FF842B", "three_phase_total_active_power_kw", 0.001},
	{"848020FF842B", "active_power_l1_kw", 0.001},
	{"849020FF842B", "active_power_l2_kw", 0.001},
	{"84A020FF842B", "active_power_l3_kw", 0.001},
	{"84B010FF852B", "three_phase_total_reactive_power_kvar", 0.001},
	{"848020FF852B", "reactive_power_l1_kvar", 0.001},
	{"849020FF852B", "reactive_power_l2_kvar", 0.001},
	{"84A020FF852B", "reactive_power_l3_kvar", 0.001},
	{"84B010FF862B", "three_phase_total_apparent_power_kva", 0.001},
	{"848020FF862B", "apparent_power_l1_kva", 0.001},
	{"849020FF862B", "apparent_power_l2_kva", 0.001},
	{"84A020FF862B", "apparent_power_l3_kva", 0.001},
	{"848020FF8748", "voltage_1_n_v", 0.1},
	{"849020FF8748", "voltage_2_n_v", 0.1},
	{"84A020FF8748", "voltage_3_n_v", 0.1},
	{"848020FF8848", "voltage_1_2_v", 0.1},
	{"849020FF8848", "voltage_2_3_v", 0.1},
	{"84A020FF8848", "voltage_3_1_v", 0.1},
	{"848020FF8959", "current_l1_a", 0.001},
	{"849020FF8959", "current_l2_a", 0.001},
	{"84A020FF8959", "current_l3_a", 0.001},
	{"02FF8A48", "frequency_hz", 0.1},
	{"82B010FF8B28", "three_phase_power_factor", 0.001},
	{"8410FF8D2B", "total_active_power_requirement_kw", 0.001},
	{"8410FF8E2B", "max_total_active_power_tariff1_kw", 0.001},
	{"8420FF8E2B", "max_total_active_power_tariff2_kw", 0.001},
	{"84B010FF8F21", "run_meter_total_h", 1.0 / 60},
	{"8410FF8F21", "run_meter_tariff1_h", 1.0 / 60},
	{"8420FF8F21", "run_meter_tariff2_h", 1.0 / 60},
}

// imePulseUnits are the units the pulse input counts (record 02FF912B),
// by their index.
var imePulseUnits = []string{
	"WH", "KWH", "MWH", "VARH", "KVARH", "MVARH", "VAH", "KVAH", "MVAH",
	"M3", "KM3", "WOOT", "NM3", "KNM3", "MNM3", "J", "KJ", "MJ", "cal",
	"KCAL", "G", "KG",
}

// imePowerFactorSectors are the sectors of the power factor (record
// 82B010FF8C2B), by their index.
var imePowerFactorSectors = []string{"RESISTIVE", "INDUCTIVE", "CAPACITIVE"}

// imePayload prints the values by their keys and scales, the pulse unit
// and power factor sector by their index, and the status: the TPL status
// byte's texts.
func imePayload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, v := range imeValues {
		if r := keyRecord(recs, v.key); r != nil && r.Valid {
			out.Set(v.name, float64(r.Int)*v.scale)
		}
	}
	for _, ix := range []struct {
		key, name string
		texts     []string
	}{
		{"02FF912B", "pulse_unit", imePulseUnits},
		{"82B010FF8C2B", "power_factor_sector", imePowerFactorSectors},
	} {
		if r := keyRecord(recs, ix.key); r != nil && r.Valid {
			out.Set(ix.name, imeIndexText(ix.texts, r.Int&0xFFFF))
		}
	}
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}

// imeIndexText is texts[i], or UNKNOWN_<hex> for an index it lacks.
func imeIndexText(texts []string, i int64) string {
	if i >= 0 && i < int64(len(texts)) {
		return texts[i]
	}
	return fmt.Sprintf("UNKNOWN_%X", i)
}
