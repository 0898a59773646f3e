package driver

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/mbus"
)

// fhkvdataiv: Techem FHKV data IV heat cost allocators. Besides the
// current and set-date values they send a compact profile (storage 8,
// VIFE 0x1F): a spacing control byte and a spacing value, then 16-bit
// monthly values, numbered from the end as the reference prints them: the
// last value is month 1 after the storage 8 date, the one before it month
// 2, and so on.
func init() {
	Register(&Driver{
		Name:   "fhkvdataiv",
		Media:  "heat cost allocation",
		Detect: []Detect{{"TCH", 0x69, 0x08}, {"TCH", 0x94, 0x08}},
		Fields: []Field{
			{Name: "current_consumption", Unit: "hca", Match: Match{Quantity: "hca", AnyFunction: true}},
			{Name: "set_date", Match: Match{Quantity: "date", Storage: 1, AnyFunction: true}, Text: true},
			{Name: "consumption_at_set_date", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1, AnyFunction: true}},
			{Name: "set_date_8", Match: Match{Quantity: "date", Storage: 8, AnyFunction: true}, Text: true},
		},
		Payload: fhkvdataivPayload,
	})
}

func fhkvdataivPayload(recs []mbus.Record, _ []byte, out *Output) error {
	base := refFirst(recs, Match{Quantity: "date", Storage: 8, AnyFunction: true})
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "hca" || len(r.VIB) < 2 || r.VIB[1]&0x7F != 0x1F {
			continue
		}
		fhkvdataivProfile(r.Data, base, out)
		break
	}
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFFFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	return nil
}

// fhkvdataivProfile prints a compact profile of 16-bit values spaced by
// months.
func fhkvdataivProfile(d []byte, base *mbus.Record, out *Output) {
	if len(d) < 2 || d[0]&0x0F != 2 || d[0]>>4&3 != 3 {
		return
	}
	step := int(d[1])
	if step == 0xFE || step == 0 || step == 0xFF {
		step = 1
	}
	vals := d[2:]
	n := len(vals) / 2
	for i := 1; i <= n; i++ {
		o := (n - i) * 2
		name := "consumption_at_set_date_" + refItoa(i)
		out.Set(name+"_hca", float64(binary.LittleEndian.Uint16(vals[o:])))
		if base != nil && base.Valid && base.Time.HasDate {
			out.Set(name, evo868MonthsBefore(base.Time, -i*step))
		}
	}
}
