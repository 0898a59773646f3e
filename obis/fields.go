package obis

import "strings"

// Flat field names: the one naming table behind dsmr.Telegram.Fields (P1
// telegrams) and dlms.Fields (DLMS push meters), so that a reading has the
// same name whichever interface a meter publishes it on.

// Quantity says what kind of reading a field holds and so which unit its
// value is given in.
type Quantity uint8

// Quantities. The comment gives the unit of the field's value.
const (
	// QuantityByUnit: the unit the meter states decides the name (the
	// limiter threshold 0-0:17.0.0, in kW, kVA or A depending on the
	// country).
	QuantityByUnit Quantity = iota
	Energy                  // kWh
	Power                   // kW
	ReactiveEnergy          // kvarh
	ReactivePower           // kvar
	ApparentPower           // kVA
	Voltage                 // V
	Current                 // A
	Frequency               // Hz
	Factor                  // no unit (power factor)
	Count                   // integer (counts, states, tariff number)
	Text                    // string (identifiers, messages)
	Time                    // timestamp (RFC 3339)
)

var quantityUnits = [...]string{
	Energy:         "kWh",
	Power:          "kW",
	ReactiveEnergy: "kvarh",
	ReactivePower:  "kvar",
	ApparentPower:  "kVA",
	Voltage:        "V",
	Current:        "A",
	Frequency:      "Hz",
	Time:           "",
}

// Unit returns the unit a field of quantity q is given in ("kWh", "kW",
// "V"...), "" for quantities without one.
func (q Quantity) Unit() string {
	if int(q) < len(quantityUnits) {
		return quantityUnits[q]
	}
	return ""
}

// FieldSpec is the flat field of a code: its name in the
// <quantity>_<unit> style and its quantity.
type FieldSpec struct {
	Name     string
	Quantity Quantity
}

// Field returns the flat field of c. Electricity codes with a channel B
// other than 0 (1-1:1.8.0 of Kamstrup and Aidon, 1-1:31.4.0 of smarty)
// have the field of their channel-0 code, unless the table names them
// exactly (1-3:0.2.8, the P1 version).
func Field(c Code) (FieldSpec, bool) {
	if f, ok := fieldSpecs[c]; ok {
		return f, true
	}
	if c[0] == 1 && c[1] != 0 {
		f, ok := fieldSpecs[c.WithChannel(0)]
		return f, ok
	}
	return FieldSpec{}, false
}

// FieldName returns the flat field name of c ("energy_import_kwh",
// "voltage_l1_v"...) and the unit its value is given in (see Field).
func FieldName(c Code) (name string, unit string, ok bool) {
	f, ok := Field(c)
	return f.Name, f.Quantity.Unit(), ok
}

func fel(c, d, e byte) Code { return Code{1, 0, c, d, e, 255} }
func fab(c, d, e byte) Code { return Code{0, 0, c, d, e, 255} }

// fieldSpecs is the naming table. The package documentation of dsmr shows
// it as a table of names, codes and notes.
var fieldSpecs = map[Code]FieldSpec{
	fab(1, 0, 0):           {"timestamp", Time},
	{1, 3, 0, 2, 8, 255}:   {"p1_version", Text},
	fab(96, 1, 4):          {"p1_version", Text},
	fab(96, 1, 1):          {"equipment_id", Text},
	fab(42, 0, 0):          {"equipment_id", Text},
	fab(96, 1, 255):        {"equipment_id", Text},
	fab(96, 1, 0):          {"meter_serial", Text},
	fab(0, 0, 0):           {"meter_id", Text},
	{1, 0, 0, 0, 0, 255}:   {"meter_id", Text},
	fab(96, 1, 2):          {"ean", Text},
	fel(1, 8, 0):           {"energy_import_kwh", Energy},
	fel(1, 8, 1):           {"energy_import_t1_kwh", Energy},
	fel(1, 8, 2):           {"energy_import_t2_kwh", Energy},
	fel(1, 8, 3):           {"energy_import_t3_kwh", Energy},
	fel(1, 8, 4):           {"energy_import_t4_kwh", Energy},
	fel(2, 8, 0):           {"energy_export_kwh", Energy},
	fel(2, 8, 1):           {"energy_export_t1_kwh", Energy},
	fel(2, 8, 2):           {"energy_export_t2_kwh", Energy},
	fel(2, 8, 3):           {"energy_export_t3_kwh", Energy},
	fel(2, 8, 4):           {"energy_export_t4_kwh", Energy},
	fel(3, 8, 0):           {"reactive_energy_import_kvarh", ReactiveEnergy},
	fel(3, 8, 1):           {"reactive_energy_import_t1_kvarh", ReactiveEnergy},
	fel(3, 8, 2):           {"reactive_energy_import_t2_kvarh", ReactiveEnergy},
	fel(4, 8, 0):           {"reactive_energy_export_kvarh", ReactiveEnergy},
	fel(4, 8, 1):           {"reactive_energy_export_t1_kvarh", ReactiveEnergy},
	fel(4, 8, 2):           {"reactive_energy_export_t2_kvarh", ReactiveEnergy},
	fel(5, 8, 0):           {"reactive_energy_q1_kvarh", ReactiveEnergy},
	fel(6, 8, 0):           {"reactive_energy_q2_kvarh", ReactiveEnergy},
	fel(7, 8, 0):           {"reactive_energy_q3_kvarh", ReactiveEnergy},
	fel(8, 8, 0):           {"reactive_energy_q4_kvarh", ReactiveEnergy},
	fel(15, 8, 0):          {"energy_absolute_kwh", Energy},
	fel(1, 7, 0):           {"power_import_kw", Power},
	fel(2, 7, 0):           {"power_export_kw", Power},
	fel(3, 7, 0):           {"reactive_power_import_kvar", ReactivePower},
	fel(4, 7, 0):           {"reactive_power_export_kvar", ReactivePower},
	fel(5, 7, 0):           {"reactive_power_q1_kvar", ReactivePower},
	fel(6, 7, 0):           {"reactive_power_q2_kvar", ReactivePower},
	fel(7, 7, 0):           {"reactive_power_q3_kvar", ReactivePower},
	fel(8, 7, 0):           {"reactive_power_q4_kvar", ReactivePower},
	fel(9, 7, 0):           {"apparent_power_import_kva", ApparentPower},
	fel(10, 7, 0):          {"apparent_power_export_kva", ApparentPower},
	fel(13, 7, 0):          {"power_factor", Factor},
	fel(33, 7, 0):          {"power_factor_l1", Factor},
	fel(53, 7, 0):          {"power_factor_l2", Factor},
	fel(73, 7, 0):          {"power_factor_l3", Factor},
	fel(14, 7, 0):          {"frequency_hz", Frequency},
	fel(21, 7, 0):          {"power_import_l1_kw", Power},
	fel(41, 7, 0):          {"power_import_l2_kw", Power},
	fel(61, 7, 0):          {"power_import_l3_kw", Power},
	fel(22, 7, 0):          {"power_export_l1_kw", Power},
	fel(42, 7, 0):          {"power_export_l2_kw", Power},
	fel(62, 7, 0):          {"power_export_l3_kw", Power},
	fel(23, 7, 0):          {"reactive_power_import_l1_kvar", ReactivePower},
	fel(43, 7, 0):          {"reactive_power_import_l2_kvar", ReactivePower},
	fel(63, 7, 0):          {"reactive_power_import_l3_kvar", ReactivePower},
	fel(24, 7, 0):          {"reactive_power_export_l1_kvar", ReactivePower},
	fel(44, 7, 0):          {"reactive_power_export_l2_kvar", ReactivePower},
	fel(64, 7, 0):          {"reactive_power_export_l3_kvar", ReactivePower},
	fel(32, 7, 0):          {"voltage_l1_v", Voltage},
	fel(52, 7, 0):          {"voltage_l2_v", Voltage},
	fel(72, 7, 0):          {"voltage_l3_v", Voltage},
	fel(31, 7, 0):          {"current_l1_a", Current},
	fel(51, 7, 0):          {"current_l2_a", Current},
	fel(71, 7, 0):          {"current_l3_a", Current},
	fab(96, 14, 0):         {"tariff", Count},
	fab(96, 3, 10):         {"breaker_state", Count},
	fab(96, 7, 21):         {"power_failures", Count},
	fab(96, 7, 9):          {"long_power_failures", Count},
	fel(32, 32, 0):         {"voltage_sags_l1", Count},
	fel(52, 32, 0):         {"voltage_sags_l2", Count},
	fel(72, 32, 0):         {"voltage_sags_l3", Count},
	fel(32, 36, 0):         {"voltage_swells_l1", Count},
	fel(52, 36, 0):         {"voltage_swells_l2", Count},
	fel(72, 36, 0):         {"voltage_swells_l3", Count},
	fab(96, 13, 0):         {"text_message", Text},
	fab(96, 13, 1):         {"message_code", Text},
	fab(96, 13, 2):         {"text_message_2", Text},
	fab(96, 13, 3):         {"text_message_3", Text},
	fab(96, 13, 4):         {"text_message_4", Text},
	fab(96, 13, 5):         {"text_message_5", Text},
	fel(1, 4, 0):           {"power_average_import_kw", Power},
	fel(31, 4, 0):          {"current_limit_l1_a", Current},
	fel(51, 4, 0):          {"current_limit_l2_a", Current},
	fel(71, 4, 0):          {"current_limit_l3_a", Current},
	fab(17, 0, 0):          {"limiter_threshold", QuantityByUnit},
	fel(1, 6, 0):           {"power_max_import_month_kw", Power},
	fel(96, 5, 5):          {"meter_status", Text},
	{1, 0, 94, 32, 1, 255}: {"network_type", Text},
}

// unitScale is a unit a meter states and the power of ten that turns a
// value in it into the quantity's unit.
type unitScale struct {
	unit string
	exp  int
}

var unitScales = [...][]unitScale{
	Energy:         {{"kWh", 0}, {"Wh", -3}, {"MWh", 3}},
	Power:          {{"kW", 0}, {"W", -3}, {"MW", 3}},
	ReactiveEnergy: {{"kvarh", 0}, {"varh", -3}, {"Mvarh", 3}},
	ReactivePower:  {{"kvar", 0}, {"var", -3}, {"Mvar", 3}},
	ApparentPower:  {{"kVA", 0}, {"VA", -3}, {"MVA", 3}},
	Voltage:        {{"V", 0}, {"kV", 3}},
	Current:        {{"A", 0}, {"mA", -3}},
	Frequency:      {{"Hz", 0}},
	Time:           nil,
}

// UnitExp returns the power of ten that turns a value stated in unit into
// quantity q's unit (Wh -> kWh: -3), or false when unit is not a unit of
// q. Units compare exactly first, then without case (meters print "kwh"
// and "KW"). An empty unit gives 0: P1 meters that print no unit mean the
// quantity's unit.
func UnitExp(q Quantity, unit string) (int, bool) {
	if unit == "" {
		return 0, true
	}
	if int(q) >= len(unitScales) {
		return 0, false
	}
	us := unitScales[q]
	for _, x := range us {
		if x.unit == unit {
			return x.exp, true
		}
	}
	for _, x := range us {
		if strings.EqualFold(x.unit, unit) {
			return x.exp, true
		}
	}
	return 0, false
}
