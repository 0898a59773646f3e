package dlms

import (
	"strconv"

	"github.com/meterwire/meterwire/obis"
)

// unitNames are the physical units of a COSEM scaler_unit (IEC 62056-62,
// DLMS Blue Book 4.3.2, enum "unit"), by code.
var unitNames = [...]string{
	1: "a", 2: "mo", 3: "wk", 4: "d", 5: "h", 6: "min", 7: "s", 8: "°", 9: "°C",
	10: "currency", 11: "m", 12: "m/s", 13: "m3", 14: "m3", 15: "m3/h", 16: "m3/h",
	17: "m3/d", 18: "m3/d", 19: "l", 20: "kg", 21: "N", 22: "Nm", 23: "Pa", 24: "bar",
	25: "J", 26: "J/h", 27: "W", 28: "VA", 29: "var", 30: "Wh", 31: "VAh", 32: "varh",
	33: "A", 34: "C", 35: "V", 36: "V/m", 37: "F", 38: "Ω", 39: "Ωm2/m", 40: "Wb",
	41: "T", 42: "A/m", 43: "H", 44: "Hz", 45: "1/(Wh)", 46: "1/(varh)", 47: "1/(VAh)",
	48: "V2h", 49: "A2h", 50: "kg/s", 51: "S", 52: "K", 53: "1/(V2h)", 54: "1/(A2h)",
	55: "1/m3", 56: "%", 57: "Ah", 60: "Wh/m3", 61: "J/m3", 62: "mol%", 63: "g/m3",
	64: "Pa s", 65: "J/kg", 66: "g/cm2", 67: "atm", 70: "dBm", 71: "dBµV", 72: "dB",
}

// UnitName returns the unit of a COSEM unit enum (27 "W", 30 "Wh", 33
// "A", 35 "V", 44 "Hz", 9 "°C" ...): "" for 255 (count, no unit), 254
// (other) and 0, "unit-N" for codes the table does not know.
func UnitName(enum uint8) string {
	if int(enum) < len(unitNames) && unitNames[enum] != "" {
		return unitNames[enum]
	}
	switch enum {
	case 0, 253, 254, 255:
		return ""
	}
	return "unit-" + strconv.Itoa(int(enum))
}

// Measure classifies an electricity OBIS code (A = 1) by what it
// measures, from its C group (the quantity; L1, L2, L3 repeat the totals
// at C+20, C+40, C+60) and D group (7 instantaneous, 4 to 6 demand
// averages and maxima: power-like; 8 an energy register). Layouts give
// scalers and units by measure for meters that send values without a
// scaler-unit structure.
type Measure uint8

// Measures.
const (
	MeasureNone    Measure = iota
	ActivePower            // C 1, 2, 15, 16 (+20n), D 4-7
	ReactivePower          // C 3-8 (+20n), D 4-7
	ApparentPower          // C 9, 10 (+20n), D 4-7
	ActiveEnergy           // C 1, 2, 15, 16 (+20n), D 8
	ReactiveEnergy         // C 3-8 (+20n), D 8
	ApparentEnergy         // C 9, 10 (+20n), D 8
	Current                // C 11, 31, 51, 71, 90, 91, D 4-7
	Voltage                // C 12, 32, 52, 72, D 4-7
	PowerFactor            // C 13, 33, 53, 73, D 4-7
	Frequency              // C 14, 34, 54, 74, D 4-7
)

var measureNames = [...]string{"none", "active power", "reactive power", "apparent power", "active energy",
	"reactive energy", "apparent energy", "current", "voltage", "power factor", "frequency"}

// String names the measure.
func (m Measure) String() string {
	if int(m) < len(measureNames) {
		return measureNames[m]
	}
	return "measure-" + strconv.Itoa(int(m))
}

// MeasureOf classifies c; MeasureNone for codes that are not electricity
// measurements (identifiers, clocks, counters).
func MeasureOf(c obis.Code) Measure {
	if c[0] != 1 {
		return MeasureNone
	}
	q, d := c[2], c[3]
	register := d == 8
	if !register && (d < 4 || d > 7) {
		return MeasureNone
	}
	if q == 90 || q == 91 {
		if register {
			return MeasureNone
		}
		return Current
	}
	if q >= 21 && q <= 80 {
		q = (q-1)%20 + 1
	}
	var power, energy Measure
	switch {
	case q == 1 || q == 2 || q == 15 || q == 16:
		power, energy = ActivePower, ActiveEnergy
	case q >= 3 && q <= 8:
		power, energy = ReactivePower, ReactiveEnergy
	case q == 9 || q == 10:
		power, energy = ApparentPower, ApparentEnergy
	case q == 11:
		power = Current
	case q == 12:
		power = Voltage
	case q == 13:
		power = PowerFactor
	case q == 14:
		power = Frequency
	}
	if register {
		return energy
	}
	return power
}

// Scale is the scaler and unit a layout gives the values of one measure
// that a meter sends without a scaler-unit structure.
type Scale struct {
	Measure Measure
	Scaler  int    // power of ten the register is multiplied by
	Unit    string // unit after scaling, as the meter would state it ("W", "Wh", "A")
}

// DefaultScales are the scales every layout falls back on: the COSEM base
// units with scaler 0, which is what meters that send bare registers
// (Landis+Gyr E450, Sagemcom XT211, EG.D) mean.
var DefaultScales = []Scale{
	{ActivePower, 0, "W"}, {ReactivePower, 0, "var"}, {ApparentPower, 0, "VA"},
	{ActiveEnergy, 0, "Wh"}, {ReactiveEnergy, 0, "varh"}, {ApparentEnergy, 0, "VAh"},
	{Current, 0, "A"}, {Voltage, 0, "V"}, {PowerFactor, 0, ""}, {Frequency, 0, "Hz"},
}
