package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// sensostar: Engelmann SensoStar heat meters: energy and volume with
// their tariffs and subunits, power, flow, temperatures, the set date's
// values (storage 1) and the energies of older periods (storage 2-32).
func init() {
	Register(&Driver{
		Name:   "sensostar",
		Media:  "heat",
		Detect: []Detect{{"EFE", 0x00, 0x04}},
		Fields: []Field{
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
			{Name: "on_time", Unit: "h", Match: Match{Quantity: "on_time"}},
			{Name: "total", Unit: "kwh", Match: Match{Quantity: "energy"}},
			{Name: "total_tariff2", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 2}},
			{Name: "total_tariff3", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 3}},
			{Name: "total_subunit1", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 1}},
			{Name: "total_subunit2", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 2}},
			{Name: "total_subunit3", Unit: "m3", Match: Match{Quantity: "volume", Subunit: 3}},
			{Name: "total_water", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "total_water_tariff2", Unit: "m3", Match: Match{Quantity: "volume", Tariff: 2}},
			{Name: "target_water", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
			{Name: "power_max", Unit: "kw", Match: Match{Quantity: "power", Function: mbus.Maximum}},
			{Name: "flow_water", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
			{Name: "flow_water_max", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum}},
			{Name: "forward", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
			{Name: "return", Unit: "c", Match: Match{Quantity: "return_temperature"}},
			{Name: "target", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1}},
			{Name: "target_tariff2", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1, Tariff: 2}},
			{Name: "target_tariff3", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 1, Tariff: 3}},
			{Name: "target_subunit1", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 1}},
			{Name: "target_subunit2", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 2}},
			{Name: "target_subunit3", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1, Subunit: 3}},
		},
		Payload: sensostarPayload,
	})
}

var sensostarBits = map[int]string{
	0: "ERROR_TEMP_SENSOR_1_CABLE_BREAK", 1: "ERROR_TEMP_SENSOR_1_SHORT_CIRCUIT",
	2: "ERROR_TEMP_SENSOR_2_CABLE_BREAK", 3: "ERROR_TEMP_SENSOR_2_SHORT_CIRCUIT",
	4: "ERROR_FLOW_MEASUREMENT_SYSTEM_ERROR", 5: "ERROR_ELECTRONICS_DEFECT",
	6: "OK_INSTRUMENT_RESET", 7: "OK_BATTERY_LOW",
}

// sensostarPayload adds the status (error flags and TPL status byte), the
// temperature difference (in °C, as the reference names it), the set
// date, the energies of storage 2-32, and the identification registers
// printed in hex as the reference does.
func sensostarPayload(recs []mbus.Record, _ []byte, out *Output) error {
	flags, _ := em24Flags(recs, sensostarBits, 0xFF)
	out.Set("status", JoinStatus(TPLStatus(out.Telegram, nil), flags))
	if r := refFirst(recs, Match{Quantity: "temperature_difference"}); r != nil && r.Valid {
		v, _ := r.DisplayValue()
		out.Set("difference_c", v)
	}
	if r := refFirst(recs, Match{Quantity: "date", Storage: 1}); r != nil {
		out.Set("target_date", em24Date(r))
	}
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "energy" || r.Function != mbus.Instantaneous || r.Storage < 2 || r.Storage > 32 || r.Tariff != 0 || r.Subunit != 0 || !r.Valid {
			continue
		}
		if v, unit := r.DisplayValue(); unit == "kwh" {
			name := "target_" + strconv.FormatUint(r.Storage, 10) + "_kwh"
			if _, ok := out.Values[name]; !ok {
				out.Set(name, v)
			}
		}
	}
	for _, h := range [][2]string{{"fabrication_no", "fabrication_no"}, {"model_version", "model_version"}, {"parameter_set_id", "parameter_set"}} {
		if r := refFirst(recs, Match{Quantity: h[0]}); r != nil && len(r.Data) > 0 {
			out.Set(h[1], refHexMSBFirst(r.Data))
		}
	}
	return nil
}
