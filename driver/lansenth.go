package driver

import "github.com/meterwire/meterwire/mbus"

// lansenth: Lansen temperature and humidity room sensors: current values
// and the averages over the last hour (storage 1) and day (storage 2).
func init() {
	Register(&Driver{
		Name:   "lansenth",
		Media:  "room sensor",
		Detect: []Detect{{"LAS", 0x07, 0x1B}, {"LAS", 0x09, 0x1B}},
		Fields: []Field{
			{Name: "current_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "average_temperature_1h", Unit: "c", Match: Match{Quantity: "external_temperature", Storage: 1}},
			{Name: "average_temperature_24h", Unit: "c", Match: Match{Quantity: "external_temperature", Storage: 2}},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
		},
		Payload: lansenthPayload,
	})
}

// lansenthTPL names the manufacturer bit of the TPL status byte.
var lansenthTPL = map[byte]string{0x40: "SABOTAGE_ENCLOSURE"}

func lansenthPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, h := range []struct {
		name    string
		storage int
	}{{"current_relative_humidity_rh", 0}, {"average_relative_humidity_1h_rh", 1}, {"average_relative_humidity_24h_rh", 2}} {
		if r := refFirst(recs, Match{Quantity: "relative_humidity", Storage: h.storage}); r != nil && r.Valid {
			v, _ := r.DisplayValue()
			out.Set(h.name, v)
		}
	}
	flags, _ := em24Flags(recs, nil, 0xFFFFFFFF)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, lansenthTPL), flags))
	return nil
}
