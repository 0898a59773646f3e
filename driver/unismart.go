package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// unismart: Apator (AMX) Unismart gas meters. The volumes are in
// uncorrected meter units; the first date-time record dates the total,
// the second is when the telegram was sent (printed to the minute).
func init() {
	Register(&Driver{
		Name:   "unismart",
		Media:  "gas",
		Detect: []Detect{{"AMX", 0x01, 0x03}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "status", Match: Match{Key: "02FD74"}, Status: &Status{Default: "OK"}},
			{Name: "total_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target_datetime", Match: Match{Quantity: "date_time", Storage: 1}, Text: true},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "version", Match: Match{Quantity: "model_version"}, Text: true},
		},
		Payload: unismartPayload,
	})
}

func unismartPayload(recs []mbus.Record, _ []byte, out *Output) error {
	// Status and other: bits without names, printed as one hex value.
	if r := keyRecord(recs, "02FD74"); r != nil && r.Valid && r.Int&0xFFFF != 0 {
		out.Set("status", refBitsHex("STATUS_FLAGS", uint64(r.Int)&0xFFFF))
	}
	if r := keyRecord(recs, "017F"); r != nil && r.Valid {
		other := ""
		if v := uint64(r.Int) & 0xFF; v != 0 {
			other = refBitsHex("OTHER_FLAGS", v)
		}
		out.Set("other", other)
	}
	if r := refFirst(recs, Match{Quantity: "special_supplier_info"}); r != nil {
		out.Set("supplier_info", refHexMSBFirst(r.Data))
	}
	if r := refFirst(recs, Match{Quantity: "parameter_set_id"}); r != nil {
		out.Set("parameter_set", refHexMSBFirst(r.Data))
	}
	if r := refFirst(recs, Match{Quantity: "date_time", Index: 1}); r != nil && r.Valid {
		t := r.Time
		t.HasSeconds = false
		out.Set("meter_datetime", t.String())
	}
	return nil
}
