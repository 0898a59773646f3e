package driver

import (
	"fmt"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// rfmamb: Bmeters RFM-AMB room sensors: temperature and relative humidity
// now (storage 0), averaged over the last hour (storage 1) and day
// (storage 2), with minimum and maximum over the hour (storage 0) and the
// day (storage 1). Its status is the TPL status byte's, where the
// meter's 0x08 (elsewhere PERMANENT_ERROR) says the module was removed.
func init() {
	var fields []Field
	for _, q := range []struct{ quantity, name, unit string }{
		{"external_temperature", "temperature", "c"},
		{"relative_humidity", "relative_humidity", ""},
	} {
		n := func(s string) string {
			if q.unit == "" {
				return s + "_rh" // a percentage the reference prints as "rh"
			}
			return s
		}
		fields = append(fields,
			Field{Name: n("current_" + q.name), Unit: q.unit, Match: Match{Quantity: q.quantity}},
			Field{Name: n("average_" + q.name + "_1h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Storage: 1}},
			Field{Name: n("average_" + q.name + "_24h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Storage: 2}},
			Field{Name: n("maximum_" + q.name + "_1h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Function: mbus.Maximum}},
			Field{Name: n("minimum_" + q.name + "_1h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Function: mbus.Minimum}},
			Field{Name: n("maximum_" + q.name + "_24h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Function: mbus.Maximum, Storage: 1}},
			Field{Name: n("minimum_" + q.name + "_24h"), Unit: q.unit, Match: Match{Quantity: q.quantity, Function: mbus.Minimum, Storage: 1}},
		)
	}
	Register(&Driver{
		Name:    "rfmamb",
		Media:   "room sensor",
		Detect:  []Detect{{"BMT", 0x10, 0x1B}},
		Fields:  fields,
		Payload: rfmambPayload,
	})
}

// rfmambPayload prints the status and the device clock to the minute, as
// the reference.
func rfmambPayload(recs []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(rfmambTPLStatus(out.Telegram)))
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity == "date_time" && r.Storage == 0 && r.Function == mbus.Instantaneous {
			if !r.Valid {
				out.Set("device_datetime", nil)
				return nil
			}
			t := r.Time
			out.Set("device_datetime", fmt.Sprintf("%04d-%02d-%02d %02d:%02d", t.Year, t.Month, t.Day, t.Hour, t.Minute))
			return nil
		}
	}
	return nil
}

// rfmambTPLStatus is the TPL status byte's texts with bit 0x08 read as
// MODULE_REMOVED.
func rfmambTPLStatus(t *wmbus.Telegram) []string {
	if t == nil || t.TPL.STS&0x08 == 0 {
		return aptmbusnaTPLStatus(t, nil)
	}
	c := *t
	c.TPL.STS &^= 0x08
	return append(aptmbusnaTPLStatus(&c, nil), "MODULE_REMOVED")
}
