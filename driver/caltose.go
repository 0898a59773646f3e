package driver

import (
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// caltose: Zenner Caltos E heat cost allocators (also sold as "Zenner
// HCA"): the current allocation, the set-date allocation and date, the
// base month of the compact profile (storage 8) and its monthly history
// (one month back per slot), and the status from the TPL byte, whose
// manufacturer bits name the meter's own states.
func init() {
	Register(&Driver{
		Name:    "caltose",
		Aliases: []string{"zennerhca"},
		Media:   "heat cost allocation",
		Detect:  []Detect{{"ZRI", 0xFC, 0x08}},
		Fields: []Field{
			{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
			{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
			{Name: "base_date", Match: Match{Quantity: "date", Storage: 8}, Text: true},
			{Name: "base", Unit: "hca", Match: Match{Quantity: "hca", Storage: 8}},
		},
		Payload: caltosePayload,
	})
}

// caltoseTPLBits are the manufacturer bits of the TPL status byte.
var caltoseTPLBits = map[byte]string{0x20: "REMOVAL", 0x40: "MODE_2F", 0x80: "PRODUCT_SCALE"}

func caltosePayload(recs []mbus.Record, _ []byte, out *Output) error {
	out.Set("status", JoinStatus(aptmbusnaTPLStatus(out.Telegram, caltoseTPLBits)))
	base := refFirst(recs, Match{Quantity: "date", Storage: 8})
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "hca" || r.Coding != mbus.Variable || r.Function != mbus.Instantaneous || r.Storage != 8 {
			continue
		}
		caltoseProfile(r.Data, base, out)
		break
	}
	return nil
}

// caltoseProfile prints a compact profile (EN 13757-3 Annex F): a spacing
// control byte (increment mode, spacing unit, element coding), a spacing
// value, then the elements, most recent first. Only absolute values are
// printed; with a monthly spacing each slot is dated a month before the
// previous one, counting from the base date. Elements that are not valid
// BCD ("FFFFFF": not yet recorded) are left out.
func caltoseProfile(d []byte, base *mbus.Record, out *Output) {
	if len(d) < 2 || d[0]>>6 != 0 {
		return
	}
	size := [16]int{0, 1, 2, 3, 4, 0, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0}[d[0]&0x0F]
	bcd := d[0]&0x08 != 0
	if size == 0 {
		return
	}
	monthly := d[0]>>4&3 == 3 && d[1] == 0xFE
	var from time.Time
	dated := monthly && base != nil && base.Valid && base.Time.HasDate
	if dated {
		from = time.Date(base.Time.Year, time.Month(base.Time.Month), base.Time.Day, 0, 0, 0, 0, time.UTC)
	}
	vals := d[2:]
	for slot := 1; len(vals) >= size; slot++ {
		v, ok := caltoseElement(vals[:size], bcd)
		vals = vals[size:]
		if !ok {
			continue
		}
		n := "consumption_" + refItoa(slot)
		out.Set(n+"_hca", v)
		if dated {
			out.Set(n, from.AddDate(0, -slot, 0).Format("2006-01-02"))
		}
	}
}

// caltoseElement reads one element, least significant byte first: BCD
// digits (false when a digit is not decimal) or an unsigned binary number.
func caltoseElement(b []byte, bcd bool) (float64, bool) {
	var v float64
	for i := len(b) - 1; i >= 0; i-- {
		if !bcd {
			v = v*256 + float64(b[i])
			continue
		}
		hi, lo := b[i]>>4, b[i]&15
		if hi > 9 || lo > 9 {
			return 0, false
		}
		v = v*100 + float64(hi)*10 + float64(lo)
	}
	return v, true
}
