package driver

import "github.com/meterwire/meterwire/mbus"

// qheatv2: Qundis Q heat 5.5 heat meters, which send either standard
// records or a walk-by telegram whose readings sit in one manufacturer
// record (0DFF5F), in the layout of the Q water meters.
func init() {
	Register(&Driver{
		Name:  "qheatv2",
		Media: "heat",
		Detect: []Detect{
			{"QDS", 0x23, 0x04}, {"QDS", 0x46, 0x04}, {"QDS", 0x23, 0x37}, {"QDS", 0x3E, 0x37},
			{"QDS", 0x47, 0x37}, {"QDS", 0x48, 0x04}, {"QDS", 0x48, 0x37},
		},
		Fields: []Field{
			// The error flags are not documented for certain; the reference
			// uses the Q water meters' F0..F9.
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: qdsWaterErrors},
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 17}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 17}, Text: true},
			{Name: "target_year", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target_year_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "device_error_date", Match: Match{Quantity: "date", Function: mbus.DuringError}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: qheatv2Payload,
	})
}

// qheatv2Payload adds the enhanced identification, the readings of the
// walk-by manufacturer record and the status (the error flags' texts, if
// any were sent, and the TPL status byte's).
func qheatv2Payload(recs []mbus.Record, apl []byte, out *Output) error {
	qdsEnhancedID(recs, out)
	for i := range recs {
		if hexOf(recs[i].DIB, recs[i].VIB) == "0DFF5F" {
			qdsWalkBy(recs[i].Data, &qdsWalkByNames{[]byte{0x05, 0x06, 0x0D, 0x0E}, "total_kwh", "target_year_date", "target_year_kwh", "target_date", "target_kwh", "energy_delta"}, out)
			break
		}
	}
	// The status adds the TPL status byte's texts (none for the walk-by
	// telegrams, which have no TPL header).
	st, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{st}, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}
