package driver

import "github.com/meterwire/meterwire/mbus"

// munia: Weptech Munia (and Robin) room temperature and humidity sensors.
func init() {
	Register(&Driver{
		Name:   "munia",
		Media:  "room sensor",
		Detect: []Detect{{"WEP", 0x02, 0x1B}, {"WEP", 0x04, 0x1B}},
		Fields: []Field{
			{Name: "current_temperature", Unit: "c", Match: Match{Quantity: "external_temperature"}},
		},
		Payload: muniaPayload,
	})
}

// muniaPayload adds the status (error flags 02FD971D and the TPL status)
// and the humidity, a percentage the reference prints as "rh".
func muniaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	dme173SetStatus(recs, Match{Key: "02FD971D"}, 0xFFFF, out)
	if r := refFirst(recs, Match{Quantity: "relative_humidity"}); r != nil && r.Valid {
		v, _ := r.DisplayValue()
		out.Set("current_relative_humidity_rh", v)
	}
	return nil
}
