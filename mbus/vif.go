package mbus

// ValueType says how a record's data is to be read.
type ValueType uint8

// Value types.
const (
	TypeNumber   ValueType = iota // a number in Unit × 10^Exp
	TypeDate                      // EN 13757-3 type G (2 bytes) date
	TypeDateTime                  // type F (4 bytes), I (6 bytes) or J (3 bytes); for "date (/time) of" VIFEs also G (2 bytes): the data field's length says which
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
	ExtRecordError    // VIFE 0x00-0x11, 0x15-0x1C: record error codes (see Record.ErrorCode); 0x12-0x14, 0x1D-0x1F have EN 13757-3:2018 meanings and set ExtUnknown
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
	// "error_flags", "voltage", "current", "reactive_energy",
	// "max_power", "remaining_battery_lifetime", "rssi", ... (see
	// vif_tables.go); "any" for VIF 0x7E/0xFE, "manufacturer_specific"
	// for VIF 0x7F/0xFF, "plain_text" for 0x7C/0xFC (the unit is in
	// Record.PlainUnit), "unknown" for codes not in the tables.
	Quantity string
	// Description is for people, e.g. "Volume", "Flow temperature".
	Description string
	// Unit is the base unit of the value after applying Exp: "Wh", "J",
	// "m3", "kg", "s", "min", "h", "d", "month", "year", "W", "J/h",
	// "m3/h", "m3/min", "m3/s", "kg/h", "C", "K", "F", "bar", "V", "A",
	// "Hz", "%", "deg", "VARh", "VAh", "VAR", "VA", "cal", "ft3", "gal",
	// "gal/min", "gal/h", "dBm", "currency" (local legal currency units),
	// "baud", "bit_times", "" (dimensionless, counts, dates, IDs).
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
// Tables: EN 13757-3:2018 Tables 10 (primary), 12 (0xFD), 13 (0xFD 0xFD),
// 14 (0xFB), 15 and 16 (orthogonal VIFE and its 0x7C extension), OMS Vol.2
// Annex B; see vif_tables.go for the codes and where sources disagree.
//
// Rules:
//   - VIF 0x7B/0xFB and 0x7D/0xFD take their quantity from the next byte
//     (0xFD 0xFD from the byte after that); orthogonal VIFEs follow it.
//   - VIF 0x7C/0xFC: Quantity "plain_text", Unit "" (the text is in
//     Record.PlainUnit); the VIFEs after it are applied as usual.
//   - VIF 0x7F/0xFF: Quantity "manufacturer_specific", Known; the VIFEs
//     after it are manufacturer specific and not interpreted.
//   - VIFE 0x7F ends the interpretation: the rest is manufacturer specific
//     (Known stays true; the bytes stay in Record.VIB).
//   - A VIFE that makes the value a date, a count or a duration (start
//     date of, number of exceeds, duration of limit exceed, ...) changes
//     Unit, Exp and Type accordingly; per-unit VIFEs (per hour, per kWh,
//     ...) only set their Ext bit.
//   - Correction factors (0x70-0x77, 0x7D) change Exp; one that would take
//     Exp outside -20..+20 is not applied and counts as unknown.
//   - A reserved VIF or table code, an empty vib and a VIF 0xFB/0xFD
//     without the byte it announces give Quantity "unknown", Known false.
//   - A reserved VIFE, a VIFE without an Ext bit (see vif_tables.go) and a
//     chain whose last byte still has bit 7 set keep the quantity, set
//     ExtUnknown and clear Known.
func vifInfo(vib []byte) VIFInfo {
	if len(vib) == 1 && vib[0] < 0x7B {
		return primaryInfos[vib[0]] // the common case: one primary VIF
	}
	if len(vib) == 0 {
		return VIFInfo{Quantity: "unknown", Description: "missing VIF"}
	}
	vif := vib[0]
	var info VIFInfo
	i := 1 // next byte
	var more bool
	switch vif & 0x7F {
	case 0x7B, 0x7D:
		if vif&0x80 == 0 || len(vib) < 2 {
			return VIFInfo{Quantity: "unknown", Description: "VIF extension code without its VIFE"}
		}
		e := vib[1]
		i = 2
		switch {
		case vif&0x7F == 0x7B:
			info = fbTab[e&0x7F].info("reserved VIF code (0xFB table)")
		case e&0x7F == 0x7D:
			if e&0x80 == 0 || len(vib) < 3 {
				return VIFInfo{Quantity: "unknown", Description: "second VIF extension without its code"}
			}
			e = vib[2]
			i = 3
			info = fd2Tab[e&0x7F].info("reserved VIF code (0xFD 0xFD table)")
		default:
			info = fdTab[e&0x7F].info("reserved VIF code (0xFD table)")
		}
		more = e&0x80 != 0
	case 0x7C:
		info = VIFInfo{Quantity: "plain_text", Description: "Plain text unit", Known: true}
		more = vif&0x80 != 0
	case 0x7F:
		return VIFInfo{Quantity: "manufacturer_specific", Description: "Manufacturer specific", Known: true}
	default:
		info = primaryTab[vif&0x7F].info("reserved VIF code")
		more = vif&0x80 != 0
	}
	for more {
		if i >= len(vib) {
			info.Ext |= ExtUnknown // the chain ends with bit 7 set
			break
		}
		c := vib[i]
		i++
		more = c&0x80 != 0
		o := &orthoTab[c&0x7F]
		switch o.op {
		case oFlag:
			info.Ext |= o.ext
		case oError:
			info.Ext |= ExtRecordError
		case oUnknown:
			info.Ext |= ExtUnknown
		case oExp:
			if e := info.Exp + int(o.exp); e >= -20 && e <= 20 {
				info.Exp = e
			} else {
				info.Ext |= ExtUnknown
			}
		case oDate:
			info.Ext |= o.ext
			info.Type, info.Unit, info.Exp = TypeDateTime, "", 0
		case oCount:
			info.Ext |= o.ext
			info.Type, info.Unit, info.Exp = TypeNumber, "", 0
		case oDuration:
			info.Ext |= o.ext
			info.Type, info.Unit, info.Exp = TypeNumber, timeUnits[c&3], 0
		case oCombinable:
			if !more || i >= len(vib) {
				info.Ext |= ExtUnknown // 0x7C without the byte it announces
				more = false
				break
			}
			c = vib[i]
			i++
			more = c&0x80 != 0
			if x := combinableExt[c&0x7F]; x != 0 {
				info.Ext |= x
			} else {
				info.Ext |= ExtUnknown
			}
		case oManufacturer:
			more = false
		}
	}
	if info.Ext&ExtUnknown != 0 {
		info.Known = false
	}
	return info
}

// info returns the entry as a VIFInfo; reserved entries give Quantity
// "unknown" with the description reserved.
func (e *vifEntry) info(reserved string) VIFInfo {
	if !e.ok {
		return VIFInfo{Quantity: "unknown", Description: reserved}
	}
	return VIFInfo{Quantity: e.q, Description: e.desc, Unit: e.unit, Exp: int(e.exp), Type: e.typ, Known: true}
}

// primaryInfos holds the finished VIFInfo of every primary VIF without
// VIFEs (0x00-0x7A), so the common record costs one copy. Filled by init in
// vif_tables.go after the tables.
var primaryInfos [0x7B]VIFInfo
