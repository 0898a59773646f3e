package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// lansenrp: Lansen wM-Bus repeaters. Their counters and parameters are
// dimensionless records told apart by subunit and storage number.
func init() {
	Register(&Driver{
		Name:   "lansenrp",
		Media:  "reserved",
		Detect: []Detect{{"LAS", 0x0B, 0x32}},
		Fields: []Field{
			{Name: "is_repeater_listening", Match: Match{Quantity: "dimensionless", Subunit: 2},
				Status: &Status{Bits: []Bit{{Mask: 1, Value: 1, Text: "YES"}}, Default: "NO"}},
			{Name: "repeater_listening_on_weekdays", Match: Match{Quantity: "dimensionless", Storage: 3},
				Status: &Status{Bits: bitsOf([]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"})}},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "battery", Unit: "v", Match: Match{Quantity: "voltage"}},
		},
		Payload: lansenrpPayload,
	})
}

// lansenrpCounters are the dimensionless records printed as counters.
var lansenrpCounters = []struct {
	name string
	m    Match
}{
	{"total_routed_messages_counter", Match{Quantity: "dimensionless"}},
	{"used_router_slots_counter", Match{Quantity: "dimensionless", Subunit: 1}},
	{"seconds_to_mode_change_counter", Match{Quantity: "dimensionless", Subunit: 3}},
	{"listen_timer_value_counter", Match{Quantity: "dimensionless", Storage: 1}},
	{"pause_timer_value_counter", Match{Quantity: "dimensionless", Storage: 2}},
	{"start_time_value_counter", Match{Quantity: "dimensionless", Storage: 4}},
}

func lansenrpPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, c := range lansenrpCounters {
		if r := refFirst(recs, c.m); r != nil && r.Valid {
			out.Set(c.name, float64(r.Int))
		}
	}
	if r := refFirst(recs, Match{Quantity: "software_version"}); r != nil {
		out.Set("software_version", refHexMSBFirst(r.Data))
	}
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFFFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	return nil
}
