package mbus

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// display maps a base unit to the unit users expect in field names and
// values, with the factor and offset to convert: display = v*factor + offset.
type display struct {
	suffix string
	factor float64
	offset float64
}

var displayUnits = map[string]display{
	"Wh":      {"kwh", 1e-3, 0},
	"J":       {"kwh", 1 / 3.6e6, 0},
	"cal":     {"kwh", 4.1868 / 3.6e6, 0},
	"W":       {"kw", 1e-3, 0},
	"J/h":     {"kw", 1 / 3.6e6, 0},
	"m3":      {"m3", 1, 0},
	"ft3":     {"m3", 0.028316846592, 0},
	"gal":     {"m3", 0.003785411784, 0},
	"m3/h":    {"m3h", 1, 0},
	"m3/min":  {"m3h", 60, 0},
	"m3/s":    {"m3h", 3600, 0},
	"gal/min": {"m3h", 0.003785411784 * 60, 0},
	"gal/h":   {"m3h", 0.003785411784, 0},
	"kg":      {"kg", 1, 0},
	"kg/h":    {"kgh", 1, 0},
	"C":       {"c", 1, 0},
	"F":       {"c", 5.0 / 9, -32 * 5.0 / 9},
	"K":       {"k", 1, 0},
	"bar":     {"bar", 1, 0},
	"V":       {"v", 1, 0},
	"A":       {"a", 1, 0},
	"Hz":      {"hz", 1, 0},
	"%":       {"pct", 1, 0},
	"deg":     {"deg", 1, 0},
	"VARh":    {"kvarh", 1e-3, 0},
	"VAh":     {"kvah", 1e-3, 0},
	"VAR":     {"kvar", 1e-3, 0},
	"VA":      {"kva", 1e-3, 0},
	"dBm":     {"dbm", 1, 0},
	"s":       {"s", 1, 0},
	"min":     {"min", 1, 0},
	"h":       {"h", 1, 0},
	"d":       {"d", 1, 0},
	"month":   {"month", 1, 0},
	"year":    {"year", 1, 0},
}

// DisplayValue returns the record's value in the unit users expect (kWh,
// m³, °C, m³/h, kW, bar, ...) and that unit's name suffix ("kwh", "m3",
// "c", ...). Units without a conversion are returned unchanged with a
// lower-case suffix; dimensionless values have an empty suffix.
func (r *Record) DisplayValue() (float64, string) {
	if r.Info.Unit == "F" && r.Info.Quantity == "temperature_difference" {
		return r.Value * 5 / 9, "k" // a difference has no offset
	}
	if d, ok := displayUnits[r.Info.Unit]; ok {
		return r.Value*d.factor + d.offset, d.suffix
	}
	if r.Info.Quantity == "hca" {
		return r.Value, "hca"
	}
	return r.Value, strings.ToLower(r.Info.Unit)
}

// extNames are the VIFE modifiers that change what a value means, with the
// name part they add.
var extNames = []struct {
	e    Ext
	name string
}{
	{ExtLowerLimit, "lower_limit"}, {ExtUpperLimit, "upper_limit"},
	{ExtForwardFlow, "forward"}, {ExtBackwardFlow, "backward"},
	{ExtAbsolute, "absolute"}, {ExtDelta, "delta"},
	{ExtPhaseL1, "l1"}, {ExtPhaseL2, "l2"}, {ExtPhaseL3, "l3"}, {ExtNeutral, "n"},
	{ExtPhaseL1L2, "l1_l2"}, {ExtPhaseL2L3, "l2_l3"}, {ExtPhaseL3L1, "l3_l1"},
	{ExtPerHour, "per_hour"}, {ExtPerDay, "per_day"}, {ExtPerMonth, "per_month"},
	{ExtBaseCondition, "base"}, {ExtUncorrected, "uncorrected"},
	{ExtNumExceedsLower, "exceeds_lower"}, {ExtNumExceedsUpper, "exceeds_upper"},
	{ExtDurationLower, "duration_lower"}, {ExtDurationUpper, "duration_upper"},
	{ExtStartDateTimeOf, "start"},
}

// FieldName returns the flat name of a record in the `<quantity>_<unit>`
// style wmbusmeters users know: "total_m3" (volume), "target_m3" (volume at
// storage 1, the set date), "total_energy_kwh", "flow_temperature_c",
// "max_power_kw", "meter_datetime", "total_m3_tariff_2",
// "total_m3_storage_5". Function, VIFE modifiers, tariff, subunit and
// storage qualify the name when they are not the default.
func (r *Record) FieldName() string {
	q := r.Info.Quantity
	base := q
	switch q {
	case "volume":
		base = "total"
	case "energy":
		base = "total_energy"
	case "date_time":
		base = "meter_datetime"
	case "date":
		base = "meter_date"
	case "unknown", "":
		base = "unknown_" + strings.ToLower(hex.EncodeToString(r.DIB)+"_"+hex.EncodeToString(r.VIB))
	case "manufacturer_data", "reserved_special_function":
		return q
	case "plain_text":
		base = "plain_" + sanitize(r.PlainUnitString())
	}
	if r.Storage == 1 {
		switch {
		case strings.HasPrefix(base, "total"):
			base = "target" + base[len("total"):]
		case strings.HasPrefix(base, "meter_"):
			base = "target_" + base[len("meter_"):]
		default:
			base = "target_" + base
		}
	}
	var b strings.Builder
	switch r.Function {
	case Maximum:
		b.WriteString("max_")
	case Minimum:
		b.WriteString("min_")
	case DuringError:
		b.WriteString("error_")
	}
	b.WriteString(base)
	for _, x := range extNames {
		if r.Info.Ext&x.e != 0 {
			b.WriteByte('_')
			b.WriteString(x.name)
		}
	}
	if r.Tariff != 0 {
		b.WriteString("_tariff_")
		b.WriteString(strconv.FormatUint(uint64(r.Tariff), 10))
	}
	if r.Subunit != 0 {
		b.WriteString("_subunit_")
		b.WriteString(strconv.FormatUint(uint64(r.Subunit), 10))
	}
	if r.Storage > 1 {
		b.WriteString("_storage_")
		b.WriteString(strconv.FormatUint(r.Storage, 10))
	}
	if r.Info.Type == TypeNumber {
		if _, suffix := r.DisplayValue(); suffix != "" {
			b.WriteByte('_')
			b.WriteString(suffix)
		}
	}
	return b.String()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}

// FieldValue returns the record's value for the flat fields: a float64 in
// the display unit for numbers, a string for dates, times, text, IDs and
// bit fields, nil when the record has no valid value.
func (r *Record) FieldValue() any {
	switch {
	case r.Manufacturer, r.Coding == Special:
		return strings.ToUpper(hex.EncodeToString(r.Data))
	case !r.Valid:
		return nil
	case r.IsText:
		return r.Text()
	case r.Long:
		return strings.ToUpper(hex.EncodeToString(reversed(r.Data)))
	}
	switch r.Info.Type {
	case TypeDate, TypeDateTime, TypeTime:
		return r.Time.String()
	case TypeBinary:
		return strings.ToUpper(hex.EncodeToString(reversed(r.Data)))
	case TypeID:
		s := strconv.FormatInt(r.Int, 10)
		if r.Coding >= BCD2 && r.Coding <= BCD12 || r.Coding == Variable && r.LVAR >= 0xC0 {
			// BCD identifiers keep their leading zeros: "03162296".
			for len(s) < 2*len(r.Data) {
				s = "0" + s
			}
		}
		return s
	}
	v, _ := r.DisplayValue()
	return v
}

func reversed(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// Fields returns the records as flat named fields; a repeated name gets a
// suffix "_2", "_3", ... in record order, so nothing is lost.
func Fields(recs []Record) map[string]any {
	out := make(map[string]any, len(recs))
	for i := range recs {
		name := recs[i].FieldName()
		if _, dup := out[name]; dup {
			for n := 2; ; n++ {
				alt := name + "_" + strconv.Itoa(n)
				if _, dup := out[alt]; !dup {
					name = alt
					break
				}
			}
		}
		out[name] = recs[i].FieldValue()
	}
	return out
}
