package driver

import "github.com/meterwire/meterwire/mbus"

// elvsense: ELV room sensors (temperature, battery, optional humidity and
// CO2 as a plain-text unit).
func init() {
	Register(&Driver{
		Name:  "elvsense",
		Media: "room sensor",
		// Versions 0x50 to 0x54 are the Sense 100W.
		Detect: []Detect{{"ELV", 0x50, 0x1B}, {"ELV", 0x51, 0x1B}, {"ELV", 0x52, 0x1B}, {"ELV", 0x53, 0x1B}, {"ELV", 0x54, 0x1B}},
		Fields: []Field{
			{Name: "temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
			{Name: "battery", Unit: "v", Match: Match{Quantity: "voltage"}},
		},
		Payload: func(recs []mbus.Record, _ []byte, out *Output) error {
			for i := range recs {
				r := &recs[i]
				if !r.Valid {
					continue
				}
				switch {
				case r.Info.Quantity == "relative_humidity":
					out.Set("humidity_rh", r.Value)
				case r.Info.Quantity == "plain_text" && r.PlainUnitString() == "CO2":
					out.Set("co2_ppm", r.Value)
				}
			}
			// The status is the TPL status byte's.
			out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, nil)))
			return nil
		},
	})
}
