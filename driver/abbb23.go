package driver

import "github.com/meterwire/meterwire/mbus"

// abbb23: ABB B23 electricity meters: imported and exported energy per
// tariff, transformer ratios, the error, warning, information and alarm
// flags (the first, second and fourth make the status), firmware and
// product number.
func init() {
	Register(&Driver{
		Name:   "abbb23",
		Media:  "electricity",
		Detect: []Detect{{"ABB", 0x20, 0x02}},
		Fields: []Field{
			{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_energy_consumption_tariff_1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_energy_consumption_tariff_2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2}},
			{Name: "total_energy_consumption_tariff_3", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 3}},
			{Name: "total_energy_consumption_tariff_4", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 4}},
			{Name: "total_energy_production", Unit: "kwh", Match: Match{Quantity: "energy", Subunit: 1}},
			{Name: "total_energy_production_tariff_1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1, Subunit: 1}},
			{Name: "total_energy_production_tariff_2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2, Subunit: 1}},
			{Name: "total_energy_production_tariff_3", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 3, Subunit: 1}},
			{Name: "total_energy_production_tariff_4", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 4, Subunit: 1}},
			{Name: "firmware_version", Match: Match{Quantity: "firmware_version"}, Text: true},
		},
		Payload: abbb23Payload,
	})
}

// abbb23Payload prints the registers of manufacturer VIFs: counts, flags
// (unnamed bits as <NAME>_FLAGS_<hex>) and the product number (sent in
// reading order).
func abbb23Payload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, c := range [][2]string{{"01FF9300", "active_tariff_counter"}, {"04FFA015", "ct_numerator_factor"}, {"04FFA115", "vt_numerator_factor"}, {"04FFA215", "ct_denominator_factor"}, {"04FFA315", "vt_denominator_factor"}, {"04FF9800", "power_fail_counter"}} {
		if v := em24Raw(recs, c[0]); v != nil {
			out.Set(c[1], *v)
		}
	}
	var status []string
	for _, f := range []struct {
		key, name, prefix string
		inStatus          bool
	}{{"07FFA600", "error_flags", "ERROR_FLAGS", true}, {"07FFA700", "warning_flags", "WARNING_FLAGS", true}, {"07FFA800", "information_flags", "INFORMATION_FLAGS", false}, {"07FFA900", "alarm_flags", "ALARM_FLAGS", true}} {
		r := keyRecord(recs, f.key)
		if r == nil {
			continue
		}
		var texts []string
		if r.Valid {
			texts = bitTexts(uint64(r.Int), nil, f.prefix)
		}
		if f.inStatus {
			out.Set(f.name, JoinStatus(texts))
			status = append(status, texts...)
		} else {
			out.Set(f.name, em24NoneEmpty(texts))
		}
	}
	if r := keyRecord(recs, "0DFFAA00"); r != nil {
		out.Set("product_no", string(r.Data))
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), status))
	return nil
}
