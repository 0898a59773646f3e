package mbus

// ValueType says how a record's data is to be read.
type ValueType uint8

// Value types.
const (
	TypeNumber   ValueType = iota // a number in Unit × 10^Exp
	TypeDate                      // EN 13757-3 type G (2 bytes) date
	TypeDateTime                  // type F (4 bytes) or I (6 bytes) date and time
	TypeTime                      // type J (3 bytes) time of day
	TypeText                      // a string (LVAR text, fabrication numbers as BCD keep TypeNumber)
	TypeBinary                    // bit fields shown as hex (error flags, digital inputs)
	TypeID                        // an identification number (fabrication no, enhanced id, customer, ...): digits, not a quantity
)

// Ext is a set of VIFE modifiers from the orthogonal VIFE table
// (EN 13757-3 Table 15, OMS Annex B): limits, per-time units, accumulation
// direction, correction conditions, phases.
type Ext uint64

// VIFE modifiers.
const (
	ExtPerSecond Ext = 1 << iota
	ExtPerMinute
	ExtPerHour
	ExtPerDay
	ExtPerWeek
	ExtPerMonth
	ExtPerYear
	ExtPerRevolution
	ExtIncrPerInputPulse0
	ExtIncrPerInputPulse1
	ExtIncrPerOutputPulse0
	ExtIncrPerOutputPulse1
	ExtPerLitre
	ExtPerM3
	ExtPerKg
	ExtPerK
	ExtPerKWh
	ExtPerGJ
	ExtPerKW
	ExtPerKL // per (K*l)
	ExtPerV
	ExtPerA
	ExtMultS  // multiplied by s
	ExtMultSV // multiplied by s/V
	ExtMultSA // multiplied by s/A
	ExtStartDateTimeOf
	ExtUncorrected
	ExtForwardFlow   // accumulation only if positive contributions
	ExtBackwardFlow  // accumulation of abs value only if negative contributions
	ExtNonMetric     // non-metric unit (e.g. BTU instead of Wh, 0x3D)
	ExtBaseCondition // value at base conditions
	ExtLowerLimit
	ExtUpperLimit
	ExtNumExceedsLower
	ExtNumExceedsUpper
	ExtDateBeginFirstLower
	ExtDateEndFirstLower
	ExtDateBeginLastLower
	ExtDateEndLastLower
	ExtDateBeginFirstUpper
	ExtDateEndFirstUpper
	ExtDateBeginLastUpper
	ExtDateEndLastUpper
	ExtDurationLower
	ExtDurationUpper
	ExtDurationFirst
	ExtDurationLast
	ExtValueDuringLowerLimitExceed
	ExtValueDuringUpperLimitExceed
	ExtLeakageValues
	ExtOverflowValues
	ExtPhaseL1
	ExtPhaseL2
	ExtPhaseL3
	ExtNeutral
	ExtPhaseL1L2
	ExtPhaseL2L3
	ExtPhaseL3L1
	ExtAbsolute
	ExtDelta
	ExtRecordError    // VIFE 0x00-0x1F: record error codes (see Record.ErrorCode)
	ExtAdditiveOffset // an additive correction constant was applied (VIFE 0x78-0x7B)
	ExtUnknown        // reserved or unknown VIFE present (kept raw in Record.VIB)
)

// VIFInfo describes a value information block (VIF and its VIFEs).
type VIFInfo struct {
	// Quantity is a snake_case name for what is measured: "energy",
	// "volume", "mass", "on_time", "operating_time", "power",
	// "volume_flow", "mass_flow", "flow_temperature", "return_temperature",
	// "temperature_difference", "external_temperature", "pressure",
	// "date", "date_time", "hca", "averaging_duration",
	// "actuality_duration", "fabrication_no", "enhanced_id", "bus_address",
	// "error_flags", "voltage", "current", ... ; "manufacturer_specific"
	// for VIF 0x7F/0xFF, "plain_text" for 0x7C/0xFC (the unit is in
	// Record.PlainUnit), "unknown" for codes not in the tables.
	Quantity string
	// Description is for people, e.g. "Volume", "Flow temperature".
	Description string
	// Unit is the base unit of the value after applying Exp: "Wh", "J",
	// "m3", "kg", "s", "min", "h", "d", "month", "year", "W", "J/h",
	// "m3/h", "m3/min", "m3/s", "kg/h", "C", "K", "F", "bar", "V", "A",
	// "Hz", "%", "deg", "VARh", "VAh", "VAR", "VA", "cal", "ft3", "gal",
	// "gal/min", "gal/h", "dBm", "" (dimensionless).
	Unit string
	// Exp is the power of ten: value in Unit = raw × 10^Exp.
	Exp int
	// Type says how to read the data field.
	Type ValueType
	// Ext are the orthogonal VIFE modifiers.
	Ext Ext
	// Known is false when the VIF or a VIFE is not in the tables (the raw
	// bytes stay in Record.VIB; nothing is dropped).
	Known bool
}

// vifInfo describes the VIF and VIFEs in vib (VIF first, then every VIFE;
// for plain-text VIFs the string is not part of vib). It must not allocate.
// Tables: EN 13757-3:2018 Tables 10 (primary), 12 (0xFD), 14 (0xFB), 15
// (orthogonal VIFE), OMS Vol.2 Annex B.
func vifInfo(vib []byte) VIFInfo {
	return VIFInfo{Quantity: "unknown", Description: "unknown VIF", Known: false}
}
