package obis

import "testing"

func TestFieldName(t *testing.T) {
	for _, tc := range []struct {
		code, name, unit string
		ok               bool
	}{
		{"1-0:1.8.0", "energy_import_kwh", "kWh", true},
		{"1-1:1.8.0", "energy_import_kwh", "kWh", true}, // Kamstrup, Aidon channel 1
		{"1-0:1.8.1", "energy_import_t1_kwh", "kWh", true},
		{"1-0:1.7.0", "power_import_kw", "kW", true},
		{"1-0:32.7.0", "voltage_l1_v", "V", true},
		{"1-0:31.7.0", "current_l1_a", "A", true},
		{"1-0:21.7.0", "power_import_l1_kw", "kW", true},
		{"1-0:3.8.0", "reactive_energy_import_kvarh", "kvarh", true},
		{"1-0:14.7.0", "frequency_hz", "Hz", true},
		{"1-0:13.7.0", "power_factor", "", true},
		{"1-3:0.2.8", "p1_version", "", true}, // named exactly, not as 1-0:0.2.8
		{"0-0:1.0.0", "timestamp", "", true},
		{"0-0:96.14.0", "tariff", "", true},
		{"0-0:17.0.0", "limiter_threshold", "", true},
		{"0-1:24.2.1", "", "", false},
		{"1-0:99.97.0", "", "", false},
		{"1-0:21.8.0", "", "", false},
	} {
		c, err := Parse(tc.code)
		if err != nil {
			t.Fatal(err)
		}
		name, unit, ok := FieldName(c)
		if name != tc.name || unit != tc.unit || ok != tc.ok {
			t.Errorf("FieldName(%s) = %q %q %v, want %q %q %v", tc.code, name, unit, ok, tc.name, tc.unit, tc.ok)
		}
	}
	if f, ok := Field(New(0, 0, 17, 0, 0, 255)); !ok || f.Quantity != QuantityByUnit {
		t.Error("limiter")
	}
}

func TestUnitExp(t *testing.T) {
	for _, tc := range []struct {
		q    Quantity
		unit string
		exp  int
		ok   bool
	}{
		{Energy, "Wh", -3, true}, {Energy, "kWh", 0, true}, {Energy, "kwh", 0, true}, {Energy, "MWh", 3, true},
		{Power, "W", -3, true}, {ReactiveEnergy, "varh", -3, true}, {ReactivePower, "var", -3, true},
		{ApparentPower, "VA", -3, true}, {Voltage, "kV", 3, true}, {Current, "mA", -3, true}, {Frequency, "Hz", 0, true},
		{Energy, "", 0, true}, {Energy, "W", 0, false}, {Factor, "%", 0, false}, {QuantityByUnit, "W", 0, false},
		{Quantity(200), "W", 0, false},
	} {
		exp, ok := UnitExp(tc.q, tc.unit)
		if exp != tc.exp || ok != tc.ok {
			t.Errorf("UnitExp(%d, %q) = %d %v", tc.q, tc.unit, exp, ok)
		}
	}
	if Energy.Unit() != "kWh" || Count.Unit() != "" || Quantity(200).Unit() != "" {
		t.Error("Quantity.Unit")
	}
}
