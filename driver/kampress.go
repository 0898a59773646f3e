package driver

import (
	"math"

	"github.com/meterwire/meterwire/mbus"
)

// kampress: Kamstrup pressure sensors: the pressure now, its maximum and
// minimum, two manufacturer values of unknown meaning (real numbers under
// VIF FF09 and FF0A, printed as counters), and the error flags.
func init() {
	Register(&Driver{
		Name:   "kampress",
		Media:  "pressure",
		Detect: []Detect{{"KAM", 0x01, 0x18}},
		Fields: []Field{
			{Name: "pressure", Unit: "bar", Match: Match{Quantity: "pressure"}},
			{Name: "max_pressure", Unit: "bar", Match: Match{Quantity: "pressure", Function: mbus.Maximum}},
			{Name: "min_pressure", Unit: "bar", Match: Match{Quantity: "pressure", Function: mbus.Minimum}},
		},
		Payload: kampressPayload,
	})
}

// kampressErrorBits are the error flag bits the reference names.
var kampressErrorBits = map[int]string{0: "DROP", 1: "SURGE", 2: "HIGH", 3: "LOW", 4: "TRANSIENT", 5: "COMM_ERROR"}

func kampressPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if flags, ok := em24Flags(recs, kampressErrorBits, 0xFFFF); ok {
		out.Set("status", JoinStatus(flags))
	}
	for _, k := range []struct{ key, name string }{{"05FF09", "alfa_counter"}, {"05FF0A", "beta_counter"}} {
		if r := keyRecord(recs, k.key); r != nil && r.Valid {
			out.Set(k.name, math.Round(r.Value*1e6)/1e6)
		}
	}
	return nil
}
