package driver

import (
	"strconv"

	"github.com/meterwire/meterwire/mbus"
)

// c5isf: Zenner C5 ISF heat (and cooling) meters. Storage 32 to 45 hold
// the last 14 month ends.
func init() {
	fields := []Field{
		{Name: "total_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy"}},
		{Name: "total_cooling_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Tariff: 1}},
		{Name: "total_volume", Unit: "m3", Match: Match{Quantity: "volume"}},
		{Name: "due_energy_consumption", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 8}},
		{Name: "due_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
		{Name: "volume_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
		{Name: "power", Unit: "kw", Match: Match{Quantity: "power"}},
		{Name: "total_energy_consumption_last_month", Unit: "kwh", Match: Match{Quantity: "energy", Storage: 32}},
		{Name: "last_month_date", Match: Match{Quantity: "date_time"}, Text: true},
		{Name: "max_power_last_month", Unit: "kw", Match: Match{Quantity: "power", Function: mbus.Maximum, Storage: 32}},
		{Name: "flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature"}},
		{Name: "return_temperature", Unit: "c", Match: Match{Quantity: "return_temperature"}},
	}
	for n := 1; n <= 14; n++ {
		p := "prev_" + strconv.Itoa(n) + "_month"
		fields = append(fields,
			Field{Name: p + "_date", Match: Match{Quantity: "date", Storage: 31 + n}, Text: true},
			Field{Name: p, Unit: "kwh", Match: Match{Quantity: "energy", Storage: 31 + n}},
			Field{Name: p, Unit: "m3", Match: Match{Quantity: "volume", Storage: 31 + n}},
		)
	}
	Register(&Driver{
		Name:    "c5isf",
		Media:   "heat",
		Detect:  []Detect{{"ZRI", 0x88, 0x0D}, {"ZRI", 0x88, 0x07}, {"ZRI", 0x88, 0x04}},
		Fields:  fields,
		Payload: c5isfPayload,
	})
}

// c5isfCodes: the error flags hold a sum of error codes written in
// decimal digits (BCD-like: 0x24 is codes 20 and 4); largest first.
var c5isfCodes = []struct {
	code uint64
	text string
}{
	{2000, "VERIFICATION_EXPIRED"}, {1000, "BATTERY_EXPIRED"}, {800, "WIRELESS_ERROR"},
	{100, "HARDWARE_ERROR3"}, {50, "VALUE_OVERLOAD"}, {40, "AIR_INSIDE"},
	{30, "REVERSE_FLOW"}, {20, "DRY"}, {10, "ERROR_MEASURING"}, {9, "HARDWARE_ERROR2"},
	{8, "HARDWARE_ERROR1"}, {7, "LOW_BATTERY"}, {6, "SUPPLY_SENSOR_INTERRUPTED"},
	{5, "SHORT_CIRCUIT_SUPPLY_SENSOR"}, {4, "RETURN_SENSOR_INTERRUPTED"},
	{3, "SHORT_CIRCUIT_RETURN_SENSOR"}, {2, "TEMP_ABOVE_RANGE"}, {1, "TEMP_BELOW_RANGE"},
}

// c5isfPayload prints the status: the error codes' texts and the TPL
// status byte's.
func c5isfPayload(recs []mbus.Record, _ []byte, out *Output) error {
	tpl := aptmbusnaTPLStatus(out.Telegram, nil)
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "error_flags" || r.Function != mbus.Instantaneous || !r.Valid {
			continue
		}
		// Read the hex digits of the flags as a decimal number.
		v, err := strconv.ParseUint(strconv.FormatUint(uint64(r.Int)&0xFFFF, 16), 10, 64)
		if err != nil {
			out.Set("status", JoinStatus(tpl))
			return nil
		}
		v %= 10000
		var texts []string
		for _, c := range c5isfCodes {
			if v >= c.code {
				v -= c.code
				texts = append(texts, c.text)
			}
		}
		out.Set("status", JoinStatus(texts, tpl))
		return nil
	}
	return nil
}
