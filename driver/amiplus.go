package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// amiplus: Apator AMI Plus, Otus 1/3, Devolo, NES and Elgama Gama 350
// electricity meters: active energy both ways (total and per tariff),
// power both ways, phase voltages, the maximum demand, the absolute
// power limit, the meter's time, and reactive energy and power (raw
// registers in thousandths).
func init() {
	Register(&Driver{
		Name:  "amiplus",
		Media: "electricity",
		Detect: []Detect{
			{"APA", 0x02, 0x02}, {"DEV", 0x02, 0x37}, {"DEV", 0x00, 0x02}, {"DEV", 0x01, 0x02},
			{"NES", 0x03, 0x02}, {"APA", 0x01, 0x02}, {"APT", 0x01, 0x02}, {"EGM", 0x01, 0x02},
		},
		Payload: amiplusPayload,
	})
}

// amiplusValue is one field the payload reads: quantity, function, tariff
// and the exact set of VIFE modifiers of its record.
type amiplusValue struct {
	name     string
	quantity string
	unit     string // the record's base unit, when only one will do
	function mbus.Function
	tariff   uint32
	ext      mbus.Ext
}

var amiplusValues = func() []amiplusValue {
	v := []amiplusValue{
		{name: "total_energy_consumption_kwh", quantity: "energy"},
		{name: "current_power_consumption_kw", quantity: "power", unit: "W"},
		{name: "total_energy_production_kwh", quantity: "energy", ext: mbus.ExtBackwardFlow},
		{name: "current_power_production_kw", quantity: "power", unit: "W", ext: mbus.ExtBackwardFlow},
		{name: "voltage_at_phase_1_v", quantity: "voltage", ext: mbus.ExtPhaseL1},
		{name: "voltage_at_phase_2_v", quantity: "voltage", ext: mbus.ExtPhaseL2},
		{name: "voltage_at_phase_3_v", quantity: "voltage", ext: mbus.ExtPhaseL3},
		{name: "max_power_consumption_kw", quantity: "power", function: mbus.Maximum},
		{name: "absolute_max_power_consumption_kw", quantity: "power", ext: mbus.ExtUpperLimit | mbus.ExtAbsolute},
	}
	for t := uint32(1); t <= 4; t++ {
		n := refItoa(int(t))
		v = append(v,
			amiplusValue{name: "total_energy_consumption_tariff_" + n + "_kwh", quantity: "energy", tariff: t},
			amiplusValue{name: "total_energy_production_tariff_" + n + "_kwh", quantity: "energy", tariff: t, ext: mbus.ExtBackwardFlow})
	}
	return v
}()

// amiplusReactive are the reactive registers, printed raw in thousandths.
var amiplusReactive = []struct{ name, key string }{
	{"total_reactive_energy_inductive_kvarh", "0EFB8273"},
	{"total_reactive_energy_capacitive_kvarh", "0EFB82F33C"},
	{"reactive_power_inductive_kvar", "0BFB14"},
	{"reactive_power_capacitive_kvar", "0BFB943C"},
}

func amiplusPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, f := range amiplusValues {
		r := amiplusRecord(recs, f.quantity, f.unit, f.function, f.tariff, f.ext)
		if r == nil {
			continue
		}
		if !r.Valid {
			out.Set(f.name, nil)
			continue
		}
		v, _ := r.DisplayValue()
		out.Set(f.name, v)
	}
	if r := amiplusRecord(recs, "date_time", "", mbus.Instantaneous, 0, 0); r != nil {
		out.Set("device_datetime", amiplusMinutes(r))
	}
	for _, f := range amiplusReactive {
		if r := keyRecord(recs, f.key); r != nil && r.Valid {
			out.Set(f.name, float64(r.Int)*0.001)
		}
	}
	return nil
}

// amiplusRecord is the first record of storage 0 and subunit 0 with the
// quantity, function, tariff and exactly the VIFE modifiers ext (and the
// base unit, when unit is not empty).
func amiplusRecord(recs []mbus.Record, quantity, unit string, fn mbus.Function, tariff uint32, ext mbus.Ext) *mbus.Record {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == quantity && (unit == "" || r.Info.Unit == unit) && r.Function == fn &&
			r.Storage == 0 && r.Tariff == tariff && r.Subunit == 0 && r.Info.Ext == ext {
			return r
		}
	}
	return nil
}

// amiplusMinutes prints a date-time record to the minute, as the
// reference prints date-times ("2021-10-12 08:07"); nil when invalid.
func amiplusMinutes(r *mbus.Record) any {
	if !r.Valid {
		return nil
	}
	t := r.Time
	t.HasSeconds = false
	return t.String()
}
