package dsmr

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/obis"
)

// Layers explains the telegram for `meterwire decode --explain` and the
// web analyzer: one layer "p1" with a field for the header, one per object
// (its OBIS code, byte range, values and meaning), one per unparsed line,
// the CRC line (printed against computed) and any trailing bytes. It
// allocates freely and is not meant for the hot path.
func (t *Telegram) Layers() []codec.Layer {
	if t == nil || len(t.Raw) == 0 {
		return nil
	}
	raw := t.Raw
	fld := func(name string, off, n int, value, meaning string) codec.Field {
		off = min(max(off, 0), len(raw))
		n = min(max(n, 0), len(raw)-off)
		return codec.Field{Name: name, Offset: off, Len: n, Hex: strings.ToUpper(hex.EncodeToString(raw[off : off+n])), Value: value, Meaning: meaning}
	}
	end := t.End
	if end < t.Start {
		end = len(raw)
	}
	l := codec.Layer{Name: Layer, Offset: t.Start, Len: end - t.Start}
	prof := ""
	if t.Profile != nil {
		prof = t.Profile.Name + " (" + t.Profile.Description + ")"
	}
	l.Note = "DSMR P1 telegram, profile " + prof

	hdrLen := len(t.Header) + 1
	l.Fields = append(l.Fields, fld("header", t.Start, hdrLen, strconv.Quote(t.Header), headerMeaning(t.Header)))

	type item struct {
		off int
		f   codec.Field
	}
	items := make([]item, 0, len(t.Objects)+len(t.Unparsed))
	for i := range t.Objects {
		o := &t.Objects[i]
		items = append(items, item{o.Offset, fld(o.OBIS, o.Offset, o.Len, valuesText(o), objectMeaning(o))})
	}
	for _, u := range t.Unparsed {
		items = append(items, item{u.Offset, fld("unparsed", u.Offset, u.Len, strconv.Quote(string(raw[u.Offset:u.Offset+u.Len])), "line "+strconv.Itoa(u.Line)+" not understood: "+u.Reason)})
	}
	// objects and unparsed lines in byte order (both lists are sorted)
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].off < items[j-1].off; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	for _, it := range items {
		l.Fields = append(l.Fields, it.f)
	}

	c := t.CRC
	if c.Offset >= 0 {
		var val, mean string
		comp := hex4(c.Computed)
		switch {
		case !c.Present:
			val = "none"
			mean = "end of telegram without CRC (DSMR 2.2/3 and some meters); CRC-16/ARC of the bytes would be " + comp
		case c.OK:
			val = hexN(c.Value, c.Digits)
			mean = "CRC-16/ARC over '/'..'!': computed " + comp + ", OK"
		default:
			val = hexN(c.Value, c.Digits)
			mean = "CRC-16/ARC over '/'..'!': computed " + comp + ", MISMATCH: the telegram is damaged or the meter computes it differently"
		}
		if c.Present && c.Digits < 4 {
			mean += "; printed with " + strconv.Itoa(c.Digits) + " digits, not 4"
		}
		if c.LowerCase {
			mean += "; printed in lower case"
		}
		l.Fields = append(l.Fields, fld("CRC", c.Offset, c.Len, val, mean))
	} else {
		l.Fields = append(l.Fields, fld("end", len(raw), 0, "missing", "no '!' line: the telegram is cut off or the meter omits it"))
	}
	if tr := t.Trailer(); len(strings.TrimSpace(string(tr))) > 0 {
		l.Fields = append(l.Fields, fld("trailer", t.End, len(tr), strconv.Quote(string(tr)), "bytes after the CRC line, not part of the telegram"))
	}
	return []codec.Layer{l}
}

func hex4(v uint16) string { return hexN(v, 4) }

func hexN(v uint16, n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

func headerMeaning(h string) string {
	if len(h) < 4 {
		return "identification line"
	}
	m := "manufacturer " + strconv.Quote(h[:3])
	switch h[3] {
	case '5':
		m += ", baud rate character '5'"
	default:
		m += ", baud rate character " + strconv.QuoteRune(rune(h[3]))
	}
	return m + ", identification " + strconv.Quote(h[4:])
}

func valueText(v *Value) string {
	switch {
	case v.IsTime:
		s := v.Time.Format("2006-01-02T15:04:05Z07:00")
		if v.TimeFlag != 0 {
			s += " (" + string(rune(v.TimeFlag)) + ")"
		}
		return s
	case v.Items != nil:
		parts := make([]string, len(v.Items))
		for i := range v.Items {
			parts[i] = valueText(&v.Items[i])
		}
		return strings.Join(parts, ", ")
	case v.IsNumber:
		s := strconv.FormatFloat(v.Number, 'f', -1, 64)
		if v.Unit != "" {
			s += " " + v.Unit
		}
		return s
	case v.Text != "":
		return strconv.Quote(v.Text)
	case v.Raw == "":
		return "(empty)"
	}
	return strconv.Quote(v.Raw)
}

func valuesText(o *Object) string {
	parts := make([]string, len(o.Values))
	for i := range o.Values {
		parts[i] = valueText(&o.Values[i])
	}
	return strings.Join(parts, "; ")
}

func objectMeaning(o *Object) string {
	c := o.Code
	m := c.Name()
	if m == "" {
		m = "unknown code, kept as printed"
	}
	if c[0] == 0 && c[1] != 0 {
		m += ", M-Bus channel " + strconv.Itoa(int(c[1]))
		if c[2] == 24 && c[3] == 1 && c[4] == 0 {
			if n, ok := o.Number(); ok {
				d := MBusDevice{Type: int(n)}
				if med := d.Medium(); med != "" {
					m += ": " + strings.ReplaceAll(med, "_", " ")
				}
			}
		}
	}
	if c[0] == 1 && c[1] != 0 && c != codeVersion {
		m += ", channel " + strconv.Itoa(int(c[1]))
	}
	if !obis.IsCanonical(o.OBIS) {
		m += "; code printed irregularly, read as " + c.String()
	}
	return m
}
