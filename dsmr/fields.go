package dsmr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meterwire/meterwire/obis"
)

// PowerFailure is one entry of the power failure event log 1-0:99.97.0.
type PowerFailure struct {
	// End is when the failure ended; zero when the meter printed an
	// invalid timestamp.
	End time.Time
	// Seconds is the duration as printed (unit s).
	Seconds int64
}

// Duration returns the duration of the failure.
func (p PowerFailure) Duration() time.Duration {
	if p.Seconds > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(p.Seconds) * time.Second
}

// PowerFailures returns the entries of the long power failure event log
// 1-0:99.97.0(count)(0-0:96.7.19)(end)(duration*s)..., or nil. The count
// the meter prints is the object's first value; entries are what follows,
// so a log whose count disagrees with its entries returns the entries.
func (t *Telegram) PowerFailures() []PowerFailure {
	o := t.Find(codePowerFailureLog)
	if o == nil || len(o.Values) < 2 {
		return nil
	}
	vs := o.Values[1:]
	for len(vs) > 0 && vs[0].kind == kindPlain && !vs[0].IsNumber { // the 0-0:96.7.19 reference
		vs = vs[1:]
	}
	var out []PowerFailure
	for ; len(vs) >= 2; vs = vs[2:] {
		if !vs[1].IsNumber {
			continue
		}
		out = append(out, PowerFailure{End: vs[0].Time, Seconds: int64(vs[1].Number)})
	}
	return out
}

// MaxDemand is one month of the Belgian maximum demand history 0-0:98.1.0.
type MaxDemand struct {
	// Captured is when the month was closed (the first timestamp of the
	// entry, e.g. 2020-05-01 00:00 for April).
	Captured time.Time
	// Time is when the maximum quarter-hour average occurred.
	Time time.Time
	// Value is the maximum average demand in Unit.
	Value float64
	// Unit is the unit as printed, normally "kW".
	Unit string
}

// MaxDemandHistory returns the entries of the e-MUCS buffer
// 0-0:98.1.0(count)(1-0:1.6.0)(1-0:1.6.0)(captured)(time)(value*kW)...,
// or nil.
func (t *Telegram) MaxDemandHistory() []MaxDemand {
	o := t.Find(codeMaxDemandHistory)
	if o == nil || len(o.Values) < 2 {
		return nil
	}
	vs := o.Values[1:]
	for len(vs) > 0 && vs[0].kind == kindPlain && !vs[0].IsNumber { // the 1-0:1.6.0 references
		vs = vs[1:]
	}
	var out []MaxDemand
	for ; len(vs) >= 3; vs = vs[3:] {
		if !vs[2].IsNumber {
			continue
		}
		out = append(out, MaxDemand{Captured: vs[0].Time, Time: vs[1].Time, Value: vs[2].Number, Unit: vs[2].Unit})
	}
	return out
}

// MBusDevice is a device on one of the meter's M-Bus channels (the B group
// of 0-n:24.x codes): a gas, water or heat meter.
type MBusDevice struct {
	// Channel is the M-Bus channel, the B group of the codes (1..4).
	Channel int
	// Type is the M-Bus device type printed by 0-n:24.1.0 (3 gas, 4 and
	// 12 heat, 6 and 21 warm water, 7 and 22 water, 10 and 11 cooling), -1
	// when the telegram does not print one.
	Type int
	// ID is the equipment identifier 0-n:96.1.0 or 0-n:96.1.1, hex-decoded
	// when it is printable text.
	ID string
	// Reading is the last reading (0-n:24.2.1, else 0-n:24.2.3, else the
	// DSMR 2.2 value of 0-n:24.3.0), nil when none is printed.
	Reading *Value
	// Time is the reading's capture time; zero when invalid or missing.
	Time time.Time

	rank int // which code the reading came from: 1 24.2.1, 2 24.2.3, 3 24.3.0
}

// Medium names what the device measures: "gas", "water", "hot_water",
// "heat", "cooling", or "" when unknown. Without a device type a reading in
// m3 counts as gas and one in GJ as heat.
func (d *MBusDevice) Medium() string {
	switch d.Type {
	case 3:
		return "gas"
	case 7, 22:
		return "water"
	case 6, 21:
		return "hot_water"
	case 4, 12, 13:
		return "heat"
	case 10, 11:
		return "cooling"
	case -1:
		if d.Reading != nil {
			switch strings.ToLower(d.Reading.Unit) {
			case "m3":
				return "gas"
			case "gj":
				return "heat"
			}
		}
	}
	return ""
}

// MBus returns the devices on the meter's M-Bus channels in channel order.
func (t *Telegram) MBus() []MBusDevice {
	var devs []MBusDevice
	get := func(ch byte) *MBusDevice {
		for i := range devs {
			if devs[i].Channel == int(ch) {
				return &devs[i]
			}
		}
		devs = append(devs, MBusDevice{Channel: int(ch), Type: -1})
		return &devs[len(devs)-1]
	}
	for i := range t.Objects {
		o := &t.Objects[i]
		c := o.Code
		if c[0] != 0 || c[1] == 0 || c[5] != 255 || len(o.Values) == 0 {
			continue
		}
		switch {
		case c[2] == 24 && c[3] == 1 && c[4] == 0:
			if n, ok := o.Number(); ok {
				get(c[1]).Type = int(n)
			}
		case c[2] == 96 && c[3] == 1 && (c[4] == 0 || c[4] == 1):
			if d := get(c[1]); d.ID == "" {
				d.ID = o.Values[0].String()
			}
		case c[2] == 24 && (c[3] == 2 && (c[4] == 1 || c[4] == 3) || c[3] == 3 && c[4] == 0):
			r := 1
			switch {
			case c[3] == 2 && c[4] == 3:
				r = 2
			case c[3] == 3:
				r = 3
			}
			d := get(c[1])
			if d.rank != 0 && d.rank <= r {
				continue
			}
			d.rank = r
			d.Reading = o.Main()
			d.Time = o.Values[0].Time
		}
	}
	// channel order
	for i := 1; i < len(devs); i++ {
		for j := i; j > 0 && devs[j].Channel < devs[j-1].Channel; j-- {
			devs[j], devs[j-1] = devs[j-1], devs[j]
		}
	}
	return devs
}

// The naming table and the unit conversions are package obis's, shared
// with the DLMS push decoder (dlms.Fields).
type quantity = obis.Quantity

const (
	qEnergy         = obis.Energy         // kWh
	qPower          = obis.Power          // kW
	qReactiveEnergy = obis.ReactiveEnergy // kvarh
	qReactivePower  = obis.ReactivePower  // kvar
	qApparentPower  = obis.ApparentPower  // kVA
	qVoltage        = obis.Voltage        // V
	qCurrent        = obis.Current        // A
	qFrequency      = obis.Frequency      // Hz
	qFactor         = obis.Factor         // no unit
	qCount          = obis.Count          // int
	qText           = obis.Text           // decoded text, else as printed
	qTime           = obis.Time           // RFC 3339
)

func el(c, d, e byte) obis.Code { return obis.New(1, 0, c, d, e, 255) }

func unitExp(q quantity, unit string) (int, bool) { return obis.UnitExp(q, unit) }

// scaled returns v's number in the quantity's unit and the number of
// decimals that is exact, or false when v is not a number in a unit of q.
func scaled(v *Value, q quantity) (float64, int, bool) {
	if v == nil || !v.IsNumber {
		return 0, 0, false
	}
	exp, ok := unitExp(q, v.Unit)
	if !ok {
		return 0, 0, false
	}
	f, dec := v.Number, fracDigits(v.Raw)
	switch {
	case exp < 0:
		f /= pow10[-exp]
		dec -= exp
	case exp > 0:
		f *= pow10[exp]
		dec = max(0, dec-exp)
	}
	return f, dec, true
}

func roundTo(f float64, dec int) float64 {
	if dec > 15 {
		return f
	}
	p := pow10[dec]
	return math.Round(f*p) / p
}

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// Fields returns the telegram's readings under flat names in the
// <quantity>_<unit> style (see the package documentation for the table).
// Numbers are float64 in the unit the name ends with, whatever unit the
// meter printed (Wh, W, var and varh of Austrian meters become kWh, kW,
// kvar and kvarh); counts and states are int; identifiers, texts and
// timestamps (RFC 3339 in the meter's time zone) are strings. Objects that
// have no name here are only in Objects. When a code occurs twice the first
// wins.
func (t *Telegram) Fields() map[string]any {
	m := make(map[string]any, len(t.Objects)+8)
	type tariffSum struct {
		sum float64
		dec int
		n   int
	}
	var imp, exp tariffSum
	for i := range t.Objects {
		o := &t.Objects[i]
		c := o.Code
		if c[0] == 1 && c[1] != 0 && c != codeVersion {
			c = c.WithChannel(0) // 1-1:1.8.1 (Sagemcom XT211), 1-1:31.4.0 (smarty)
		}
		spec, ok := obis.Field(c)
		if !ok {
			switch c {
			case codePowerFailureLog:
				if _, dup := m["power_failure_log"]; !dup {
					pf := t.PowerFailures()
					log := make([]map[string]any, 0, len(pf))
					for _, p := range pf {
						e := map[string]any{"duration_s": p.Seconds}
						if !p.End.IsZero() {
							e["timestamp"] = rfc3339(p.End)
						}
						log = append(log, e)
					}
					m["power_failure_log"] = log
				}
			case codeMaxDemandHistory:
				if _, dup := m["power_max_import_history"]; !dup {
					h := t.MaxDemandHistory()
					list := make([]map[string]any, 0, len(h))
					for _, d := range h {
						e := map[string]any{}
						if f, _, ok := scaled(&Value{IsNumber: true, Number: d.Value, Unit: d.Unit}, qPower); ok {
							e["power_kw"] = f
						}
						if !d.Captured.IsZero() {
							e["captured"] = rfc3339(d.Captured)
						}
						if !d.Time.IsZero() {
							e["timestamp"] = rfc3339(d.Time)
						}
						list = append(list, e)
					}
					m["power_max_import_history"] = list
				}
			}
			continue
		}
		if _, dup := m[spec.Name]; dup {
			continue
		}
		v := o.Main()
		if v == nil {
			continue
		}
		switch spec.Quantity {
		case qTime:
			if v.IsTime {
				m[spec.Name] = rfc3339(v.Time)
			}
		case qText:
			m[spec.Name] = v.String()
		case qCount:
			if v.IsNumber {
				m[spec.Name] = int(v.Number)
			}
		case obis.QuantityByUnit: // 0-0:17.0.0: named after the unit printed (kW NL/BE, A DSMR 3, kVA smarty)
			if !v.IsNumber {
				continue
			}
			switch {
			case v.Unit == "" && t.Profile == ProfileLU: // smarty prints 0-0:17.0.0(97.632), in kVA
				m["limiter_threshold_kva"] = v.Number
			case v.Unit == "":
				m["limiter_threshold"] = v.Number
			case strings.EqualFold(v.Unit, "kW"), strings.EqualFold(v.Unit, "W"):
				f, _, _ := scaled(v, qPower)
				m["limiter_threshold_kw"] = f
			case strings.EqualFold(v.Unit, "kVA"), strings.EqualFold(v.Unit, "VA"):
				f, _, _ := scaled(v, qApparentPower)
				m["limiter_threshold_kva"] = f
			case strings.EqualFold(v.Unit, "A"):
				m["limiter_threshold_a"] = v.Number
			}
		default:
			f, dec, ok := scaled(v, spec.Quantity)
			if !ok {
				continue
			}
			m[spec.Name] = f
			switch c {
			case codeMaxDemand:
				if ts, ok := o.Timestamp(); ok {
					m["power_max_import_month_timestamp"] = rfc3339(ts)
				}
			case el(1, 8, 1), el(1, 8, 2), el(1, 8, 3), el(1, 8, 4):
				imp.sum += f
				imp.dec = max(imp.dec, dec)
				imp.n++
			case el(2, 8, 1), el(2, 8, 2), el(2, 8, 3), el(2, 8, 4):
				exp.sum += f
				exp.dec = max(exp.dec, dec)
				exp.n++
			case el(31, 4, 0), el(51, 4, 0), el(71, 4, 0):
				// smarty prints two limits, 1-1:31.4.0(100*A)(-063*A) or
				// (100.0*A,-100.0*A): keep all of them as a list too
				var all []float64
				for _, g := range o.Values {
					items := g.Items
					if items == nil {
						items = []Value{g}
					}
					for j := range items {
						if f, _, ok := scaled(&items[j], qCurrent); ok {
							all = append(all, f)
						}
					}
				}
				if len(all) > 1 {
					m[strings.Replace(spec.Name, "limit_", "limits_", 1)] = all
				}
			}
		}
	}
	// energy_import_kwh is the meter's total register 1-0:1.8.0 when it
	// prints one; otherwise the sum of the tariff registers 1.8.1..1.8.4
	// (NL, BE), rounded to the registers' resolution. The same for export.
	if _, ok := m["energy_import_kwh"]; !ok && imp.n > 0 {
		m["energy_import_kwh"] = roundTo(imp.sum, imp.dec)
	}
	if _, ok := m["energy_export_kwh"]; !ok && exp.n > 0 {
		m["energy_export_kwh"] = roundTo(exp.sum, exp.dec)
	}
	t.mbusFields(m)
	return m
}

// mbusFields adds gas, water, heat... readings found by device type.
func (t *Telegram) mbusFields(m map[string]any) {
	devs := t.MBus()
	if len(devs) == 0 {
		return
	}
	seen := map[string]bool{}
	for i := range devs {
		d := &devs[i]
		med := d.Medium()
		r := d.Reading
		if med == "" || r == nil || !r.IsNumber || r.Unit == "" {
			continue // no device type, or a placeholder such as (00000000) without unit
		}
		var unit string
		var f float64
		switch {
		case strings.EqualFold(r.Unit, "m3"):
			unit, f = "m3", r.Number
		case strings.EqualFold(r.Unit, "GJ"):
			unit, f = "gj", r.Number
		case strings.EqualFold(r.Unit, "MJ"):
			unit, f = "gj", r.Number/1000
		default:
			var ok bool
			if f, _, ok = scaled(r, qEnergy); !ok {
				continue
			}
			unit = "kwh"
		}
		prefix := med
		if seen[med] {
			prefix = med + "_ch" + strconv.Itoa(d.Channel)
		}
		seen[med] = true
		m[prefix+"_"+unit] = f
		if !d.Time.IsZero() {
			m[prefix+"_timestamp"] = rfc3339(d.Time)
		}
		if prefix == med {
			m[med+"_channel"] = d.Channel
			if d.ID != "" {
				m[med+"_id"] = d.ID
			}
		}
	}
}
