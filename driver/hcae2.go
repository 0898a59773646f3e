package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// hcae2: EFE (Engelmann) HCA e2 heat cost allocators. The long telegram
// carries 30 half-month values, the oldest at storage 2.
func init() {
	fields := []Field{
		{Name: "current_consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
		{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
		{Name: "consumption_at_set_date_1", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
		{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
		{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		{Name: "meter_datetime_at_error", Match: Match{Quantity: "date_time", Function: mbus.DuringError}, Text: true},
		{Name: "half_month_history_start_date", Match: Match{Quantity: "date", Storage: 2}, Text: true},
	}
	for k := 1; k <= 30; k++ {
		fields = append(fields, Field{
			Name:  "delta_" + strconv.Itoa(k) + "_half_months_ago",
			Unit:  "hca",
			Match: Match{Quantity: "hca", Storage: 32 - k},
		})
	}
	Register(&Driver{
		Name:    "hcae2",
		Media:   "heat cost allocation",
		Detect:  []Detect{{"EFE", 0x31, 0x08}},
		Fields:  fields,
		Payload: hcae2Payload,
	})
}

// hcae2Errors are the bits of the error record (manufacturer VIF 7F,
// function "during error"). The meanings of the bits are inferred from
// the reference's test output; the status adds the TPL status byte's
// texts (the meter sets none of its manufacturer bits).
var hcae2Errors = &Status{Default: "OK", Bits: []Bit{
	{Mask: 0x02, Value: 0x02, Text: "OPEN_C"},
	{Mask: 0x08, Value: 0x08, Text: "SENSOR_BREAK"},
	{Mask: 0x10, Value: 0x10, Text: "UNEXPECTED_RST"},
}}

func hcae2Payload(recs []mbus.Record, _ []byte, out *Output) error {
	var errs []string
	for i := range recs {
		r := &recs[i]
		if r.Function == mbus.DuringError && hexOf(r.VIB) == "7F" && r.Valid {
			errs = append(errs, hcae2Errors.Text(uint64(r.Int)))
			break
		}
	}
	out.Set("status", JoinStatus(errs, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
