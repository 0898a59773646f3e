package driver

import "github.com/meterwire/meterwire/mbus"

// relhca: Relay heat cost allocators (wired M-Bus). The current and the
// billing-date allocation units, the meter's date and time (printed even
// when the meter marks it invalid, as the reference does), the last
// billing date and the next one (a date record marked as a future value).
func init() {
	Register(&Driver{
		Name:   "relhca",
		Media:  "heat cost allocation",
		Detect: []Detect{{"REL", 0x41, 0x00}},
		Fields: []Field{
			{Name: "consumption", Unit: "hca", Match: Match{Quantity: "hca"}},
			{Name: "target", Unit: "hca", Match: Match{Quantity: "hca", Storage: 1}},
		},
		Payload: relhcaPayload,
	})
}

// relhcaFutureValue is the combinable VIFE that marks a value as a future
// one (the next billing date).
const relhcaFutureValue = 0x7E

func relhcaPayload(recs []mbus.Record, _ []byte, out *Output) error {
	if r := relhcaPlain(recs, Match{Quantity: "date_time"}); r != nil {
		out.Set("meter_datetime", relhcaDateTime(r))
	}
	if r := relhcaPlain(recs, Match{Quantity: "date", Storage: 1}); r != nil {
		out.Set("target_date", r.FieldValue())
	}
	if r := relhcaWithVIFE(recs, Match{Quantity: "date", Storage: 1}, relhcaFutureValue); r != nil {
		out.Set("next_target_date", r.FieldValue())
	}
	return nil
}

// relhcaDateTime prints a date and time record, ignoring its invalid bit;
// nil when the fields are out of range.
func relhcaDateTime(r *mbus.Record) any {
	if s := refTimeIgnoringIV(r); s != "" {
		return s
	}
	return nil
}

// relhcaPlain returns the first record m matches whose VIF has no
// combinable extension (a VIF of the 0xFB or 0xFD tables counts its
// second byte as the VIF).
func relhcaPlain(recs []mbus.Record, m Match) *mbus.Record {
	for i := range recs {
		r := &recs[i]
		if relhcaMatches(r, m) && len(relhcaVIFEs(r)) == 0 {
			return r
		}
	}
	return nil
}

// relhcaWithVIFE returns the first record m matches that carries the
// combinable VIFE vife (its extension bit ignored).
func relhcaWithVIFE(recs []mbus.Record, m Match, vife byte) *mbus.Record {
	for i := range recs {
		r := &recs[i]
		if !relhcaMatches(r, m) {
			continue
		}
		for _, c := range relhcaVIFEs(r) {
			if c&0x7F == vife {
				return r
			}
		}
	}
	return nil
}

// relhcaMatches reports whether r is the kind of record m describes
// (quantity, function, storage, tariff and subunit; Index is not used).
func relhcaMatches(r *mbus.Record, m Match) bool {
	if m.Quantity != "" && r.Info.Quantity != m.Quantity {
		return false
	}
	if r.Function != m.Function && !m.AnyFunction {
		return false
	}
	return num(m.Storage, r.Storage) && num(m.Tariff, uint64(r.Tariff)) && num(m.Subunit, uint64(r.Subunit))
}

// relhcaVIFEs returns the combinable VIFEs of r: the VIB after the VIF
// (after the second byte for the 0xFB and 0xFD extension tables).
func relhcaVIFEs(r *mbus.Record) []byte {
	v := r.VIB
	if len(v) == 0 || r.PlainUnit != nil {
		return nil
	}
	n := 1
	if (v[0] == 0xFB || v[0] == 0xFD) && len(v) >= 2 {
		n = 2
	}
	return v[n:]
}
