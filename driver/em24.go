package driver

import (
	"math"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// em24: Carlo Gavazzi EM24 electricity meters (three phases): active
// energy both ways, reactive energy both ways (printed as the raw register,
// as the reference does), apparent energies computed from them, power,
// phase voltages and currents, and the frequency (register in 0.1 Hz).
func init() {
	Register(&Driver{
		Name:   "em24",
		Media:  "electricity",
		Detect: []Detect{{"KAM", 0x33, 0x02}, {"GAV", 0x00, 0x02}},
		Fields: []Field{
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "amperage_at_phase_1", Unit: "a", Match: Match{Key: "04FDD9FC01"}},
			{Name: "amperage_at_phase_2", Unit: "a", Match: Match{Key: "04FDD9FC02"}},
			{Name: "amperage_at_phase_3", Unit: "a", Match: Match{Key: "04FDD9FC03"}},
			{Name: "voltage_at_phase_1", Unit: "v", Match: Match{Key: "04FDC8FC01"}},
			{Name: "voltage_at_phase_2", Unit: "v", Match: Match{Key: "04FDC8FC02"}},
			{Name: "voltage_at_phase_3", Unit: "v", Match: Match{Key: "04FDC8FC03"}},
		},
		Payload: em24Payload,
	})
}

// em24ErrorBits are the bits of the error flags record; both 0x02 and
// 0x04 are named for phase 2's voltage by the reference.
var em24ErrorBits = map[int]string{0: "V_1_OVERFLOW", 1: "V_2_OVERFLOW", 2: "V_2_OVERFLOW", 3: "I_1_OVERFLOW", 4: "I_2_OVERFLOW", 5: "I_3_OVERFLOW", 6: "FREQUENCY"}

func em24Payload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, ok := em24Flags(recs, em24ErrorBits, 0xFF)
	out.Set("status", JoinStatus(flags))
	if ok {
		out.Set("error", em24NoneEmpty(flags))
	}
	cons := em24Energy(recs, false)
	prod := em24Energy(recs, true)
	if cons != nil {
		out.Set("total_energy_consumption_kwh", *cons)
	}
	if prod != nil {
		out.Set("total_energy_production_kwh", *prod)
	}
	rcons := em24Raw(recs, "04FB8275")
	rprod := em24Raw(recs, "04FB82F53C")
	if rcons != nil {
		out.Set("total_reactive_energy_consumption_kvarh", *rcons)
	}
	if rprod != nil {
		out.Set("total_reactive_energy_production_kvarh", *rprod)
	}
	out.Set("total_apparent_energy_consumption_kvah", em24Hypot(cons, rcons))
	out.Set("total_apparent_energy_production_kvah", em24Hypot(prod, rprod))
	if f := em24Raw(recs, "02FB2E"); f != nil {
		out.Set("frequency_hz", *f/10)
	} else {
		out.Set("frequency_hz", nil)
	}
	return nil
}

// em24Hypot is sqrt(a²+b²), nil when either is missing.
func em24Hypot(a, b *float64) any {
	if a == nil || b == nil {
		return nil
	}
	return math.Sqrt(*a**a + *b**b)
}

// em24Energy is the first instantaneous energy record in kWh, with the
// backward-flow VIFE (0x3C) or without it.
func em24Energy(recs []mbus.Record, backward bool) *float64 {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "energy" || r.Function != mbus.Instantaneous || r.Storage != 0 || r.Tariff != 0 || r.Subunit != 0 || !r.Valid {
			continue
		}
		b := false
		for _, c := range r.VIB[min(1, len(r.VIB)):] {
			if c&0x7F == 0x3C {
				b = true
			}
		}
		if b != backward {
			continue
		}
		v, unit := r.DisplayValue()
		switch unit {
		case "kwh":
		case "mwh":
			v *= 1000
		case "gj":
			v /= 3.6e-3
		default:
			continue
		}
		return &v
	}
	return nil
}

// em24Raw is the integer register (unscaled) of the record with key.
func em24Raw(recs []mbus.Record, key string) *float64 {
	r := keyRecord(recs, key)
	if r == nil || !r.Valid {
		return nil
	}
	v := float64(r.Int)
	return &v
}

// em24Flags returns the texts of the first instantaneous error flags
// record under mask (unnamed bits as ERROR_FLAGS_<hex>), and whether the
// record is there.
func em24Flags(recs []mbus.Record, names map[int]string, mask uint64) ([]string, bool) {
	r := refFirst(recs, Match{Quantity: "error_flags"})
	if r == nil {
		return nil, false
	}
	if !r.Valid {
		return nil, true
	}
	return bitTexts(uint64(r.Int)&mask, names, "ERROR_FLAGS"), true
}

// em24Date prints a date record, a month or day 0 normalised the way a
// calendar does (2000-00-00 is 1999-11-30), as the reference prints it.
func em24Date(r *mbus.Record) any {
	t := r.Time
	if r.Valid && t.HasDate && !t.HasTime && (t.Month == 0 || t.Day == 0) {
		return time.Date(t.Year, time.Month(t.Month), t.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	return r.FieldValue()
}

// em24NoneEmpty joins texts like JoinStatus, but prints "" for none (the
// reference's deprecated error fields).
func em24NoneEmpty(texts []string) string {
	if e := JoinStatus(texts); e != "OK" {
		return e
	}
	return ""
}
