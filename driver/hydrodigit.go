package driver

import (
	"fmt"
	"sort"
	"strings"

	"github.com/meterwire/meterwire/mbus"
)

// hydrodigit: Bmeters Hydrodigit water meters. Besides the volume and the
// clock, the meter sends its own block (DIF 0F) whose first byte says
// which parts follow: battery, fraud, leak, backflow, monthly totals.
func init() {
	Register(&Driver{
		Name:  "hydrodigit",
		Media: "water",
		Detect: []Detect{
			{"BMT", 0x13, 0x06}, {"BMT", 0x17, 0x06},
			{"BMT", 0x13, 0x07}, {"BMT", 0x15, 0x07}, {"BMT", 0x17, 0x07},
		},
		Fields: []Field{
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: hydrodigitPayload,
	})
}

// hydrodigitMonths name the twelve monthly totals, in the order sent.
var hydrodigitMonths = [12]string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// hydrodigitVolts maps the low nibble of the battery byte to volts.
var hydrodigitVolts = [16]float64{3.7, 1.9, 2.1, 2.2, 2.3, 2.4, 2.5, 2.65, 2.8, 2.9, 3.05, 3.2, 3.35, 3.5, 3.7, 3.7}

func hydrodigitPayload(recs []mbus.Record, _ []byte, out *Output) error {
	var d []byte
	for i := range recs {
		if recs[i].Manufacturer {
			d = recs[i].Data
			break
		}
	}
	if len(d) == 0 {
		return nil
	}
	c := d[0]
	d = d[1:]
	var texts []string
	for _, b := range []struct {
		bit  byte
		text string
	}{{0x01, "BATTERY_VOLTAGE"}, {0x02, "FRAUD_DATE"}, {0x04, "BACKFLOW"}, {0x10, "MONTHLY_DATA"}, {0x80, "LEAK_DATE"}} {
		if c&b.bit != 0 {
			texts = append(texts, b.text)
		}
	}
	sort.Strings(texts)
	out.Set("contents", strings.Join(texts, " "))
	take := func(n int) ([]byte, bool) {
		if len(d) < n {
			return nil, false
		}
		p := d[:n]
		d = d[n:]
		return p, true
	}
	if c&0x01 != 0 {
		p, ok := take(1)
		if !ok {
			return nil
		}
		out.Set("voltage_v", hydrodigitVolts[p[0]&15])
	}
	if c&0x02 != 0 {
		p, ok := take(4)
		if !ok {
			return nil
		}
		ft := []string{}
		for _, b := range []struct {
			bit  byte
			text string
		}{{0x40, "SENSOR_FRAUD_ATTEMPT"}, {0x80, "MAGNETIC_FRAUD_ATTEMPT"}, {0x20, "MODULE_REMOVED"}} {
			if p[0]&b.bit != 0 {
				ft = append(ft, b.text)
			}
		}
		sort.Strings(ft)
		if len(ft) == 0 {
			out.Set("fraud_type", "NO_TYPE_INFO")
		} else {
			out.Set("fraud_type", strings.Join(ft, " "))
		}
		out.Set("fraud_date", hydrodigitDate(p[1], p[2]&15, p[3]))
	}
	if c&0x80 != 0 {
		p, ok := take(3)
		if !ok {
			return nil
		}
		out.Set("leak_date", hydrodigitDate(p[0], p[1], p[2]))
	}
	if c&0x04 != 0 {
		p, ok := take(4)
		if !ok {
			return nil
		}
		raw := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
		out.Set("backflow_m3", float64(raw)/1000)
	}
	if c&0x10 != 0 {
		for _, m := range hydrodigitMonths {
			p, ok := take(3)
			if !ok {
				return nil
			}
			raw := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16
			v := 0.0
			if raw < 10000000 { // FFFFFF: no total yet
				v = float64(raw) / 100
			}
			out.Set(m+"_total_m3", v)
		}
	}
	return nil
}

// hydrodigitDate reads a date sent as year, month and day bytes in BCD
// (year from 2000); no date (month or day 0) is nil.
func hydrodigitDate(y, m, d byte) any {
	bcd := func(b byte) int { return int(b>>4)*10 + int(b&15) }
	if bcd(m) == 0 || bcd(d) == 0 {
		return nil
	}
	return fmt.Sprintf("%04d-%02d-%02d", 2000+bcd(y), bcd(m), bcd(d))
}

// bitsOf gives texts[i] to bit i, ordered by text (the reference prints
// several texts sorted).
func bitsOf(texts []string) []Bit {
	bits := make([]Bit, len(texts))
	for i, t := range texts {
		bits[i] = Bit{Mask: 1 << i, Value: 1 << i, Text: t}
	}
	sort.Slice(bits, func(i, j int) bool { return bits[i].Text < bits[j].Text })
	return bits
}

func reversedBytes(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// sortStrings sorts status texts the way the reference prints them.
func sortStrings(s []string) { sort.Strings(s) }

// statusOK prints status "OK" for meters whose status the reference
// prints even when no error flags record was sent (it adds the TPL
// status, which a driver does not see).
func statusOK(_ []mbus.Record, _ []byte, out *Output) error {
	if _, ok := out.Values["status"]; !ok {
		out.Set("status", "OK")
	}
	return nil
}
