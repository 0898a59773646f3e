package driver

import "github.com/meterwire/meterwire/mbus"

// eltako: Eltako DSZ15DM three-phase electricity meters (wired M-Bus):
// energy per tariff (storage 0 active, storage 2 reactive), per-phase
// voltage, current, active and reactive power (manufacturer VIFEs FF01-
// FF03; FF00 for the totals), and the transformer ratio and tariff
// registers.
func init() {
	Register(&Driver{
		Name:   "eltako",
		Media:  "electricity",
		Detect: []Detect{{"ELT", 0x01, 0x02}},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: &Status{Default: "OK", Bits: []Bit{
				{Mask: 0x01, Value: 0x01, Text: "BUSY"}, {Mask: 0x04, Value: 0x04, Text: "CURRENT_LOW"},
				{Mask: 0x02, Value: 0x02, Text: "GENERIC_APP_ERROR"}, {Mask: 0x08, Value: 0x08, Text: "PERMANENT_ERROR"},
				{Mask: 0x10, Value: 0x10, Text: "TEMPORARY_ERROR"},
			}}},
			{Name: "total_tariff_1", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
			{Name: "total_tariff_2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2}},
			{Name: "voltage_l1_n", Unit: "v", Match: Match{Key: "02FDC9FF01"}},
			{Name: "current_l1", Unit: "a", Match: Match{Key: "02FDDBFF01"}},
			{Name: "power_l1", Unit: "kw", Match: Match{Key: "02ACFF01"}},
			{Name: "reactive_power_l1", Unit: "kw", Match: Match{Key: "8240ACFF01"}},
			{Name: "voltage_l2_n", Unit: "v", Match: Match{Key: "02FDC9FF02"}},
			{Name: "current_l2", Unit: "a", Match: Match{Key: "02FDDBFF02"}},
			{Name: "power_l2", Unit: "kw", Match: Match{Key: "02ACFF02"}},
			{Name: "reactive_power_l2", Unit: "kw", Match: Match{Key: "8240ACFF02"}},
			{Name: "voltage_l3_n", Unit: "v", Match: Match{Key: "02FDC9FF03"}},
			{Name: "current_l3", Unit: "a", Match: Match{Key: "02FDDBFF03"}},
			{Name: "power_l3", Unit: "kw", Match: Match{Key: "02ACFF03"}},
			{Name: "reactive_power_l3", Unit: "kw", Match: Match{Key: "8240ACFF03"}},
			{Name: "active_power_overall", Unit: "kw", Match: Match{Key: "02ACFF00"}},
			{Name: "reactive_power_overall", Unit: "kw", Match: Match{Key: "8240ACFF00"}},
		},
		Payload: eltakoPayload,
	})
}

// eltakoPayload adds the reactive energies per tariff, the registers
// printed as counts, and the total over both tariffs.
func eltakoPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for t := 1; t <= 10; t++ {
		if r := refFirst(recs, Match{Quantity: "energy", Storage: 2, Tariff: t}); r != nil && r.Valid {
			if v, unit := r.DisplayValue(); unit == "kwh" {
				out.Set("total_reactive_tariff_"+refItoa(t)+"_kwh", v)
			}
		}
	}
	if v := em24Raw(recs, "02FF68"); v != nil {
		out.Set("ct_numerator_counter", *v)
	}
	if v := em24Raw(recs, "01FF13"); v != nil {
		out.Set("active_tariff_counter", *v)
	}
	t1, ok1 := out.Values["total_tariff_1_kwh"].(float64)
	t2, ok2 := out.Values["total_tariff_2_kwh"].(float64)
	if ok1 && ok2 {
		out.Set("total_kwh", t1+t2)
	}
	return nil
}
