package driver

import (
	"fmt"
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// qcaloric: Qundis Q caloric heat cost allocators (also sold as WHE 5x and
// WHE 46x, the names kept as aliases) and a Zenner one: the current units,
// the last billing date and the units at it (storage 1), older billing
// dates and units at storage 2 to 17, the date the meter entered an error
// state (printed as its raw digits, an all-ones date gives "2127-15-31"),
// the meter's time, the radiator temperature and the model version. The
// status joins the TPL status byte with the bits of the 01FD73 record.
func init() {
	Register(&Driver{
		Name:    "qcaloric",
		Aliases: []string{"whe5x", "whe46x"},
		Media:   "heat cost allocation",
		Detect: []Detect{
			{"LSE", 0x34, 0x08}, {"LSE", 0x35, 0x08}, {"QDS", 0x35, 0x08}, {"QDS", 0x34, 0x08},
			{"QDS", 0x36, 0x08}, {"LSE", 0x18, 0x08}, {"ZRI", 0xFD, 0x08},
		},
		Fields: []Field{
			{Name: "device_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
		},
		Payload: qcaloricPayload,
	})
}

func qcaloricPayload(recs []mbus.Record, _ []byte, out *Output) error {
	var flags []string
	if r := keyRecord(recs, "01FD73"); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	if r := refFirst(recs, Match{Quantity: "hca"}); r != nil && r.Valid {
		out.Set("current_consumption_hca", r.Value)
	}
	date := refFirst(recs, Match{Quantity: "date", Storage: 1})
	hca := refFirst(recs, Match{Quantity: "hca", Storage: 1})
	if date != nil {
		out.Set("set_date", date.FieldValue())
	}
	if hca != nil && hca.Valid {
		out.Set("consumption_at_set_date_hca", hca.Value)
	}
	for n := 1; n <= 17; n++ {
		s := strconv.Itoa(n)
		if r := refFirst(recs, Match{Quantity: "date", Storage: n}); r != nil {
			out.Set("set_date_"+s, r.FieldValue())
		}
		if r := refFirst(recs, Match{Quantity: "hca", Storage: n}); r != nil && r.Valid {
			out.Set("consumption_at_set_date_"+s+"_hca", r.Value)
		}
	}
	if r := refFirst(recs, Match{Quantity: "date", Function: mbus.DuringError}); r != nil {
		if d, ok := qcaloricRawDate(r.Data); ok {
			out.Set("error_date", d)
		}
	}
	if r := refFirst(recs, Match{Quantity: "model_version"}); r != nil {
		out.Set("model_version", refHexMSBFirst(r.Data))
	}
	return nil
}

// qcaloricRawDate prints a type G date's fields as they are, without
// checking them (the reference prints an all-ones date as 2127-15-31).
func qcaloricRawDate(d []byte) (string, bool) {
	if len(d) < 2 {
		return "", false
	}
	day, month := int(d[0]&0x1F), int(d[1]&0x0F)
	year := 2000 + int(d[0]>>5) + int(d[1]&0xF0)>>1
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day), true
}
