package driver

import (
	"encoding/hex"
	"math"
	"slices"

	"github.com/meterwire/meterwire/mbus"
)

// qwaterv2: Qundis Q water 5.5 water meters (cold and warm), which send
// either standard records or a walk-by telegram whose readings sit in one
// manufacturer record (DIF/VIF 0DFF5F).
func init() {
	Register(&Driver{
		Name:  "qwaterv2",
		Media: "water",
		Detect: []Detect{
			{"QDS", 0x33, 0x37}, {"QDS", 0x35, 0x37},
			{"QDS", 0x16, 0x06}, {"QDS", 0x16, 0x07},
			{"QDS", 0x17, 0x06}, {"QDS", 0x17, 0x07},
			{"QDS", 0x18, 0x06}, {"QDS", 0x18, 0x07},
			{"QDS", 0x19, 0x07},
			{"QDS", 0x1A, 0x06}, {"QDS", 0x1A, 0x07},
			{"QDS", 0x1D, 0x06}, {"QDS", 0x1D, 0x07},
			{"QDS", 0x36, 0x06}, {"QDS", 0x36, 0x07},
		},
		Fields: []Field{
			{Name: "status", Match: Match{Quantity: "error_flags"}, Status: qdsWaterErrors},
			{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
			{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 17}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 17}, Text: true},
			{Name: "target_year", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
			{Name: "target_year_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "device_error_date", Match: Match{Quantity: "date", Function: mbus.DuringError}, Text: true},
			{Name: "meter_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: qwaterv2Payload,
	})
}

// qdsWaterErrors are the error flags F0..F9 of Qundis water meters.
var qdsWaterErrors = &Status{Default: "OK", Bits: []Bit{
	{0x0001, 0x0001, "NO_FLOW"},
	{0x0002, 0x0002, "SUPPLY_SENSOR_INTERRUPTED"},
	{0x0004, 0x0004, "RETURN_SENSOR_INTERRUPTED"},
	{0x0008, 0x0008, "TEMPERATURE_ELECTRONICS_ERROR"},
	{0x0010, 0x0010, "BATTERY_VOLTAGE_ERROR"},
	{0x0020, 0x0020, "SHORT_CIRCUIT_SUPPLY_SENSOR"},
	{0x0040, 0x0040, "SHORT_CIRCUIT_RETURN_SENSOR"},
	{0x0080, 0x0080, "MEMORY_ERROR"},
	{0x0100, 0x0100, "SABOTAGE"},
	{0x0200, 0x0200, "ELECTRONICS_ERROR"},
}}

// qwaterv2Payload adds what the table cannot say: the volume flow (sent
// with a "duration of limit exceeded" VIFE the table sees as a duration),
// the status (the error flags' texts, if any were sent, and the TPL
// status byte's) and the readings of the walk-by manufacturer record.
func qwaterv2Payload(recs []mbus.Record, apl []byte, out *Output) error {
	flowWithDurationExt(recs, out)
	qdsEnhancedID(recs, out)
	for i := range recs {
		if hexOf(recs[i].DIB, recs[i].VIB) == "0DFF5F" {
			qdsWalkBy(recs[i].Data, &qdsWalkByNames{[]byte{0x13}, "total_m3", "target_year_date", "target_year_m3", "target_date", "target_m3", "volume_delta"}, out)
			break
		}
	}
	// The status adds the TPL status byte's texts (none for the walk-by
	// telegrams, which have no TPL header).
	st, _ := out.Values["status"].(string)
	out.Set("status", JoinStatus([]string{st}, aptmbusnaTPLStatus(out.Telegram, nil)))
	return nil
}

// flowWithDurationExt prints volume_flow_m3h from a volume flow record
// whose VIF (0x38-0x3F, m3/h) carries extensions: its value is the flow
// in the VIF's own scale.
func flowWithDurationExt(recs []mbus.Record, out *Output) {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "volume_flow" || len(r.VIB) < 2 || !r.Valid || r.Function != mbus.Instantaneous {
			continue
		}
		if v := r.VIB[0] & 0x7F; v >= 0x38 && v <= 0x3F {
			out.Set("volume_flow_m3h", float64(r.Int)*math.Pow10(int(v&7)-6))
			return
		}
	}
}

// qdsWalkBy reads the Qundis walk-by layout of manufacturer record 0DFF5F
// (data after the LVAR byte): 9 bytes of header, then the VIF all values
// are in (0x13 litres; 0x05, 0x06, 0x0D, 0x0E energy), the error date, the
// total (8 BCD digits), the set day of the year and its value, the last
// month's set day and its value, and 12 signed 16-bit monthly differences.
func qdsWalkBy(d []byte, n *qdsWalkByNames, out *Output) {
	if len(d) < 10 || !slices.Contains(n.vifs, d[9]) {
		return
	}
	vif := hexOf([]byte{d[9]})
	p := d[10:]
	if len(p) < 2+4+2+4+2+4 {
		return
	}
	// p[0:2] is the error date, which the reference does not print from
	// this record.
	refSetDVNumber(out, n.total, "0C"+vif, p[2:6])
	refSetDVText(out, n.yearDate, "426C", p[6:8])
	refSetDVNumber(out, n.yearValue, "4C"+vif, p[8:12])
	refSetDVText(out, n.monthDate, "426C", p[12:14])
	refSetDVNumber(out, n.monthValue, "4C"+vif, p[14:18])
	p = p[18:]
	for i := 2; n.deltas != "" && i <= 13 && len(p) >= 2; i++ {
		if r := refDVRecord("02"+vif, p[:2]); r != nil && r.Valid {
			v, unit := r.DisplayValue()
			out.Set(n.deltas+"_"+refItoa(i)+"_"+unit, v)
		}
		p = p[2:]
	}
}

// qdsWalkByNames are the printed names of the walk-by values.
type qdsWalkByNames struct {
	vifs                                              []byte // the VIFs the layout may use
	total, yearDate, yearValue, monthDate, monthValue string // full names
	deltas                                            string // name prefix of the differences, "" for none
}

// refDVRecord decodes one record from its DIF/VIF (hex) and data bytes,
// for values manufacturers send without their own DIF/VIF.
func refDVRecord(difvif string, data []byte) *mbus.Record {
	b, err := hex.DecodeString(difvif)
	if err != nil {
		return nil
	}
	b = append(b, data...)
	var p mbus.Parser
	recs, err := p.Parse(b)
	if err != nil || len(recs) != 1 {
		return nil
	}
	return &recs[0]
}

func refSetDVNumber(out *Output, name, difvif string, data []byte) {
	if r := refDVRecord(difvif, data); r != nil && r.Valid {
		v, _ := r.DisplayValue()
		out.Set(name, v)
	}
}

func refSetDVText(out *Output, name, difvif string, data []byte) {
	if r := refDVRecord(difvif, data); r != nil {
		out.Set(name, r.FieldValue())
	}
}

func refItoa(n int) string {
	if n < 0 {
		return "-" + refItoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return refItoa(n/10) + string(rune('0'+n%10))
}

// refHexMSBFirst prints data bytes most significant first, in upper-case hex
// (how the reference prints versions and parameter sets: "000008").
func refHexMSBFirst(d []byte) string {
	b := make([]byte, 0, 2*len(d))
	for i := len(d) - 1; i >= 0; i-- {
		b = append(b, hexdigits[d[i]>>4], hexdigits[d[i]&15])
	}
	return string(b)
}

// refTimeIgnoringIV prints a date or date-time record even when its invalid bit
// is set, as long as its fields make a date (the reference ignores that
// bit); "" when they do not.
func refTimeIgnoringIV(r *mbus.Record) string {
	t := r.Time
	if !t.HasDate || t.Month < 1 || t.Month > 12 || t.Day < 1 || t.Day > 31 || t.Hour > 23 || t.Minute > 59 {
		return ""
	}
	return t.String()
}

// refFirst returns the first record m matches, nil if none does.
func refFirst(recs []mbus.Record, m Match) *mbus.Record { return m.find(recs) }

// qdsEnhancedID prints the enhanced identification record (the address of
// the meter behind a radio converter) as hex, most significant byte first.
func qdsEnhancedID(recs []mbus.Record, out *Output) {
	if r := refFirst(recs, Match{Quantity: "enhanced_id"}); r != nil {
		out.Set("enhanced_id", refHexMSBFirst(r.Data))
	}
}
