package driver

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/mbus"
)

// kamwater: Kamstrup Multical 21, flowIQ 2200 and KWM cold and warm water
// meters. They send compact frames (CI 0x79) most of the time; the
// layouts the meters are known to use are listed here, so a compact frame
// decodes even before the meter's full frame was heard.
var kamwater = &Driver{
	Name:    "kamwater",
	Aliases: []string{"multical21", "flowiq2200"},
	Media:   "cold water",
	Detect: []Detect{
		{"KAM", 0x1B, 0x06}, {"KAM", 0x1B, 0x16}, {"KAW", 0x3A, 0x16}, {"KAW", 0x3C, 0x16},
		{"KAM", 0x1D, 0x16}, {"KAW", 0x42, 0x06}, {"KAW", 0x42, 0x16},
	},
	Fields: []Field{
		{Name: "total", Unit: "m3", Match: Match{Quantity: "volume"}},
		{Name: "target", Unit: "m3", Match: Match{Quantity: "volume", Storage: 1}},
		{Name: "target_date", Match: Match{Quantity: "date", Storage: 1}, Text: true},
		{Name: "flow", Unit: "m3h", Match: Match{Quantity: "volume_flow"}},
		{Name: "max_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Maximum, Storage: Any}},
		{Name: "min_flow", Unit: "m3h", Match: Match{Quantity: "volume_flow", Function: mbus.Minimum, Storage: Any}},
		{Name: "min_flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature", Function: mbus.Minimum, Storage: Any}},
		{Name: "max_flow_temperature", Unit: "c", Match: Match{Quantity: "flow_temperature", Function: mbus.Maximum, Storage: Any}},
		{Name: "min_external_temperature_last_month", Unit: "c", Match: Match{Quantity: "external_temperature", Function: mbus.Minimum, Storage: 1}},
		{Name: "min_external_temperature_last_day", Unit: "c", Match: Match{Quantity: "external_temperature", Function: mbus.Minimum, Storage: 2}},
		{Name: "max_external_temperature", Unit: "c", Match: Match{Quantity: "external_temperature", Function: mbus.Maximum, Storage: Any}},
	},
}

// kamwaterFormats are the record layouts (DIF/VIF headers in order) of
// the compact frames Kamstrup water meters send.
var kamwaterFormats = []string{
	"02FF2004134413615B6167",
	"02FF20041392013BA1015B8101E7FF0F",
	"04FF234413523B06FF1B426C61675167023B04138101E7FF0F",
	"02FF2004134413426C523B615B616751678101E7FF0F06FF1B",
	"02FF2004134413A1015B8101E7FF0F",
	"02FF2004134413615B5167",
	"02FF2004134413",
	"02FF200413523B",
	"04FF2304134413426C023B92013BA2013B06FF1BA1015B91015BA10167",
}

// The dry, reversed, leaking and bursting durations of the 02FF20 info
// word: a 3-bit index each.
var kamwaterDurations = []string{"", "1-8 hours", "9-24 hours", "2-3 days", "4-7 days", "8-14 days", "15-21 days", "22-31 days"}

var kamwaterInfoBits = []string{"DRY", "REVERSE", "LEAK", "BURST"}

var kamwaterErrorBits = map[int]string{0: "DRY", 1: "REVERSE", 2: "LEAK", 3: "BURST", 4: "TAMPER", 5: "LOW_BATTERY", 6: "LOW_ABIENT_TEMPERATURE", 7: "FLOW_ABOVE_Q4", 9: "NO_CONSUMPTION"}

func init() {
	kamwater.Payload = kamwaterPayload
	Register(kamwater)
}

func kamwaterPayload(recs []mbus.Record, apl []byte, out *Output) error {
	if len(recs) == 0 {
		recs = kamwaterCompact(apl)
		if len(recs) == 0 {
			return nil
		}
		plain := *kamwater
		plain.Payload = nil
		if err := plain.Apply(recs, nil, out); err != nil {
			return err
		}
	}
	// The flow temperature is whichever the meter sends (it sends only
	// one, a minimum over a period).
	for i := range recs {
		if recs[i].Info.Quantity == "flow_temperature" && recs[i].Valid {
			v, _ := recs[i].DisplayValue()
			out.Set("flow_temperature_c", v)
			break
		}
	}
	var status []string
	if r := keyRecord(recs, "04FF23"); r != nil && r.Valid {
		status = append(status, bitTexts(uint64(r.Int)&0xFFFFFFFF, kamwaterErrorBits, "ERROR_FLAGS")...)
	}
	if r := keyRecord(recs, "02FF20"); r != nil && r.Valid {
		v := uint64(r.Int)
		var cur []string
		for b, t := range kamwaterInfoBits {
			if v&(1<<b) != 0 {
				cur = append(cur, t)
			}
		}
		for _, t := range cur {
			if !containsString(status, t) {
				status = append(status, t)
			}
		}
		out.Set("current_status", strings.Join(cur, " "))
		out.Set("time_dry", kamwaterDurations[v>>4&7])
		out.Set("time_reversed", kamwaterDurations[v>>7&7])
		out.Set("time_leaking", kamwaterDurations[v>>10&7])
		out.Set("time_bursting", kamwaterDurations[v>>13&7])
	}
	if len(status) == 0 {
		out.Set("status", "OK")
	} else {
		out.Set("status", strings.Join(status, " "))
	}
	return nil
}

// kamwaterCompact decodes a compact frame body (signature, full-frame
// CRC, values) with one of the known layouts. The full-frame CRC is not
// checked: the meters are known to send compact frames whose CRC does not
// cover the values as sent.
func kamwaterCompact(apl []byte) []mbus.Record {
	if len(apl) < 4 {
		return nil
	}
	sig := binary.LittleEndian.Uint16(apl)
	for _, f := range kamwaterFormats {
		hdr := mustHex(f)
		if crc16.Checksum(hdr, crc16.EN13757) != sig {
			continue
		}
		full, ok := expandHeaders(hdr, apl[4:])
		if !ok {
			return nil
		}
		var p mbus.Parser
		recs, err := p.Parse(full)
		if err != nil {
			return nil
		}
		return recs
	}
	return nil
}

// expandHeaders interleaves DIF/VIF headers with the values of a compact
// frame. It handles fixed-length codings only.
func expandHeaders(hdr, vals []byte) ([]byte, bool) {
	var out []byte
	for len(hdr) > 0 {
		n := 1
		for n <= len(hdr) && hdr[n-1]&0x80 != 0 { // DIFEs
			n++
		}
		if n >= len(hdr) {
			return nil, false
		}
		n++                                       // VIF
		for n <= len(hdr) && hdr[n-1]&0x80 != 0 { // VIFEs
			n++
		}
		if n > len(hdr) {
			return nil, false
		}
		l := [16]int{0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1}[hdr[0]&0x0F]
		if l < 0 || l > len(vals) {
			return nil, false
		}
		out = append(out, hdr[:n]...)
		out = append(out, vals[:l]...)
		hdr, vals = hdr[n:], vals[l:]
	}
	return out, true
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			panic(err)
		}
		b[i] = byte(v)
	}
	return b
}

// keyRecord returns the first record whose DIF/VIF bytes are key (hex).
func keyRecord(recs []mbus.Record, key string) *mbus.Record {
	m := Match{Key: key, Storage: Any, Tariff: Any, Subunit: Any}
	return m.find(recs)
}

// bitTexts names the set bits of v from names; bits without a name are
// gathered into one text, prefix + "_" + their hex value ("ERROR_FLAGS_800").
func bitTexts(v uint64, names map[int]string, prefix string) []string {
	var out []string
	var rest uint64
	for b := 0; b < 64; b++ {
		if v&(1<<b) == 0 {
			continue
		}
		if t, ok := names[b]; ok {
			out = append(out, t)
		} else {
			rest |= 1 << b
		}
	}
	if rest != 0 {
		out = append(out, prefix+"_"+strings.ToUpper(strconv.FormatUint(rest, 16)))
	}
	return out
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
