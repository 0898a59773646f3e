package driver

import "github.com/meterwire/meterwire/mbus"

// elvsense: ELV room sensors (temperature, battery, optional humidity and
// CO2 as a plain-text unit).
func init() {
	Register(&Driver{
		Name:   "elvsense",
		Media:  "room sensor",
		Detect: []Detect{{"ELV", 0x50, 0x1B}},
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
			out.Set("status", "OK")
			return nil
		},
	})
}
