package driver

import (
	"github.com/meterwire/meterwire/mbus"
)

// piigth: Pipersberg room temperature and humidity sensors (wired
// M-Bus). Storage 1 holds the averages over the last hour, storage 2
// over the last day.
func init() {
	Register(&Driver{
		Name:   "piigth",
		Media:  "room sensor",
		Detect: []Detect{{"PII", 0x01, 0x1B}},
		Fields: []Field{
			{Name: "fabrication_no", Match: Match{Quantity: "fabrication_no"}, Text: true},
			{Name: "temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "average_temperature_1h", Unit: "c", Match: Match{Quantity: "external_temperature", Storage: 1}},
			{Name: "average_temperature_24h", Unit: "c", Match: Match{Quantity: "external_temperature", Storage: 2}},
		},
		Payload: piigthPayload,
	})
}

func piigthPayload(recs []mbus.Record, _ []byte, out *Output) error {
	for _, h := range []struct {
		name    string
		storage int
	}{{"relative_humidity_rh", 0}, {"relative_humidity_1h_rh", 1}, {"relative_humidity_24h_rh", 2}} {
		if r := refFirst(recs, Match{Quantity: "relative_humidity", Storage: h.storage}); r != nil && r.Valid {
			v, _ := r.DisplayValue()
			out.Set(h.name, v) // a percentage the reference prints as "rh"
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
