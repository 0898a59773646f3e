package dlms

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meterwire/meterwire/obis"
)

// Fields gives the objects flat names, the same as P1 telegrams get from
// dsmr.Telegram.Fields (one naming table, obis.Field): energy_import_kwh,
// power_import_kw, voltage_l1_v, current_l1_a, ... Numbers are float64 in
// the unit the name ends with (Wh, W, varh, var and VA become kWh, kW,
// kvarh, kvar and kVA), rounded to the decimals the register has; counts
// and states are int; identifiers and texts string; timestamps RFC 3339
// (local time without offset when the meter states no deviation).
//
// As in P1, electricity codes of channel B other than 0 (Kamstrup's and
// Aidon's 1-1:) are named by their channel-0 code, the first object of a
// name wins, and energy_import_kwh and energy_export_kwh are the sums of
// the tariff registers when the meter sends no total. The clock of any
// channel (Kamstrup's 0-1:1.0.0) is the timestamp. A number without a
// unit is left out for quantities that have one: a DLMS register without
// a unit could be Wh as well as kWh. Objects without a name are only in
// the object list.
func Fields(objs []Object) map[string]any {
	m := make(map[string]any, len(objs)+2)
	type tariffSum struct {
		sum float64
		dec int
		n   int
	}
	var imp, exp tariffSum
	for i := range objs {
		o := &objs[i]
		c := o.Code
		if isClock(c) {
			c = codeClock
		}
		spec, ok := obis.Field(c)
		if !ok {
			continue
		}
		if c[0] == 1 && c[1] != 0 {
			c = c.WithChannel(0)
		}
		if _, dup := m[spec.Name]; dup {
			continue
		}
		switch spec.Quantity {
		case obis.Time:
			switch v := o.Value.(type) {
			case time.Time:
				m[spec.Name] = v.Format(time.RFC3339)
			case string:
				m[spec.Name] = v
			}
		case obis.Text:
			switch v := o.Value.(type) {
			case string:
				m[spec.Name] = v
			case float64:
				m[spec.Name] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		case obis.Count:
			switch v := o.Value.(type) {
			case float64:
				if v >= math.MinInt32 && v <= math.MaxInt32 {
					m[spec.Name] = int(v)
				}
			case string:
				// "T2" (Sagemcom XT211 tariff), "0002"
				if n, err := strconv.Atoi(strings.TrimLeft(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")); err == nil {
					m[spec.Name] = n
				}
			}
		case obis.QuantityByUnit: // 0-0:17.0.0 limiter: named after the unit
			v, ok := o.Value.(float64)
			if !ok {
				continue
			}
			switch {
			case o.Unit == "":
				m["limiter_threshold"] = v
			case o.Unit == "W" || o.Unit == "kW":
				f, _, _ := convert(o, v, obis.Power)
				m["limiter_threshold_kw"] = f
			case o.Unit == "VA" || o.Unit == "kVA":
				f, _, _ := convert(o, v, obis.ApparentPower)
				m["limiter_threshold_kva"] = f
			case o.Unit == "A":
				m["limiter_threshold_a"] = v
			}
		default:
			v, isNum := o.Value.(float64)
			if !isNum || (o.Unit == "" && spec.Quantity != obis.Factor) {
				continue
			}
			f, dec, ok := convert(o, v, spec.Quantity)
			if !ok {
				continue
			}
			m[spec.Name] = f
			switch c {
			case obis.New(1, 0, 1, 8, 1, 255), obis.New(1, 0, 1, 8, 2, 255), obis.New(1, 0, 1, 8, 3, 255), obis.New(1, 0, 1, 8, 4, 255):
				imp.sum += f
				imp.dec = max(imp.dec, dec)
				imp.n++
			case obis.New(1, 0, 2, 8, 1, 255), obis.New(1, 0, 2, 8, 2, 255), obis.New(1, 0, 2, 8, 3, 255), obis.New(1, 0, 2, 8, 4, 255):
				exp.sum += f
				exp.dec = max(exp.dec, dec)
				exp.n++
			}
		}
	}
	if _, ok := m["energy_import_kwh"]; !ok && imp.n > 0 {
		m["energy_import_kwh"] = roundTo(imp.sum, imp.dec)
	}
	if _, ok := m["energy_export_kwh"]; !ok && exp.n > 0 {
		m["energy_export_kwh"] = roundTo(exp.sum, exp.dec)
	}
	return m
}

// convert returns v in quantity q's unit and its number of exact decimals.
func convert(o *Object, v float64, q obis.Quantity) (float64, int, bool) {
	e, ok := obis.UnitExp(q, o.Unit)
	if !ok {
		return 0, 0, false
	}
	dec := max(0, -(o.Scaler + e))
	f := roundTo(scaleBy(v, e), dec)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, 0, false
	}
	return f, dec, true
}

func roundTo(f float64, dec int) float64 {
	if dec > 15 || dec >= len(pow10tab) {
		return f
	}
	p := pow10tab[dec]
	r := math.Round(f*p) / p
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return f
	}
	return r
}
