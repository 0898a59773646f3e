package driver

import (
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/mbus"
)

// itron: Itron water meters and radio modules (Cyble, Allmess with an Itron
// module).
func init() {
	Register(&Driver{
		Name:  "itron",
		Media: "water",
		// The reference lists these as (ITW, 07, 00), (ITW, 07, 03), (ITW,
		// 07, 33) and (ITW, 16, 00): device type first, then version, as
		// its own test telegrams show (version 0x03, type 0x07 water).
		Detect: []Detect{
			{"ITW", 0x00, 0x07}, {"ITW", 0x03, 0x07}, {"ITW", 0x33, 0x07}, {"ITW", 0x00, 0x16},
		},
		Fields: []Field{
			{Name: "enhanced_id", Match: Match{Quantity: "enhanced_id"}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_backward", Unit: "m3", Match: Match{Key: "0C933C"}},
			{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		},
		Payload: itronPayload,
	})
}

// itronPayload prints the error flags (no bit is documented: a set bit
// prints the flags in hex) and the two manufacturer words whose meaning is
// unknown, in hex, as the reference does.
func itronPayload(recs []mbus.Record, apl []byte, out *Output) error {
	status := "OK"
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid && r.Int&0xFFFFFF != 0 {
		status = refBitsHex("ERROR_FLAGS", uint64(r.Int)&0xFFFFFF)
	}
	out.Set("status", status)
	if r := refFirst(recs, Match{Key: "047F"}); r != nil && r.Valid {
		out.Set("unknowna", refBitsHex("WOOTA", uint64(r.Int)&0xFFFFFFFF))
	}
	if r := refFirst(recs, Match{Key: "027F"}); r != nil && r.Valid {
		out.Set("unknownb", refBitsHex("WOOTB", uint64(r.Int)&0xFFFF))
	}
	return nil
}

// refBitsHex prints bits no table names the way the reference does: the
// lookup's name, "_" and the value in upper-case hex.
func refBitsHex(name string, v uint64) string {
	return name + "_" + strings.ToUpper(strconv.FormatUint(v, 16))
}
