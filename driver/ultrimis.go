package driver

import "github.com/meterwire/meterwire/mbus"

// ultrimis: Apator Ultrimis water meters, the reference's first driver
// for them: total and month-start volume, the backward volume and the
// error flags (bits unnamed). ultrimisv2 detects the same meters (APA
// version 0x01 type 0x16), so this one is chosen by name only.
func init() {
	Register(&Driver{
		Name:  "ultrimis",
		Media: "cold water",
		Fields: []Field{
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "total_backward_flow", Unit: "m3", Match: Match{Key: "04933C"}},
		},
		Payload: ultrimisPayload,
	})
}

// ultrimisPayload prints the total (the volume record without the
// backward-flow extension) and the status from the 24-bit flags record.
func ultrimisPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := relhcaPlain(recs, Match{Quantity: "volume"}); r != nil {
		if r.Valid {
			v, unit := r.DisplayValue()
			if unit == "m3" {
				out.Set("total_m3", v)
			}
		} else {
			out.Set("total_m3", nil)
		}
	}
	if r := keyRecord(recs, "03FD17"); r != nil {
		status := "OK"
		if r.Valid {
			status = JoinStatus(bitTexts(uint64(r.Int)&0xFFFFFF, nil, "ERROR_FLAGS"))
		}
		out.Set("current_status", status)
	}
	return nil
}
