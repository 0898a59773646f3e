package dlms

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/obis"
)

// Object is one value of a push message.
type Object struct {
	OBIS string    // "1-0:1.8.0" (FormatOBIS form)
	Code obis.Code // the same as six groups
	// Value is a float64 (scaled), a string (text and identifiers; hex for
	// octet-strings that are not text; "2017-08-16T16:00:05" for a
	// date-time without a UTC deviation) or a time.Time.
	Value any
	// Unit is the unit as the meter states it after scaling ("Wh", "W",
	// "V", "A", "varh", "Hz", "" for none); Fields converts to kWh and kW.
	Unit string
	// Scaler is the power of ten applied (from a scaler-unit structure or
	// the layout).
	Scaler int
	// Implied says Scaler and Unit come from the layout, not from the
	// meter.
	Implied bool
	// Path is where in the tree the value came from: "body[2][1]", or
	// "date-time" for the notification's date-time.
	Path string
}

// Objects maps the body of a data-notification to OBIS objects with
// layout l; with l nil it detects the layout by the body's shape and list
// identifier (see Layouts for the order) and returns the one it used.
//
// A body no layout fits gives no objects, a nil layout and no error: the
// caller still has the tree. When the body yields objects and none of
// them is a clock (0-b:1.0.0), the notification's date-time is added
// first as 0-0:1.0.0.
//
// A positional layout given explicitly that does not fit the body returns
// a *codec.Error wrapping codec.ErrMalformed (Layer "layout", Offset in
// the APDU) that says why: not a structure, another element count or list
// identifier (no objects), or an element of another kind (the first such
// position; the objects of the other positions are returned with it).
// Labelled and described layouts never fail: they map what they
// recognise.
func Objects(n *DataNotification, l *Layout) ([]Object, *Layout, error) {
	if n == nil || n.Body == nil {
		return nil, l, nil
	}
	w := walker{n: n}
	if l != nil {
		w.l = l
		err := w.run()
		w.finish()
		w.addClock()
		return w.objs, l, err
	}
	for _, cand := range builtin {
		if cand.Manual || !fits(cand, n.Body) {
			continue
		}
		w.l, w.err = cand, nil
		w.objs = w.objs[:0]
		w.run() // a fitting layout cannot fail
		if len(w.objs) == 0 {
			continue
		}
		w.finish()
		w.addClock()
		return w.objs, cand, nil
	}
	return nil, nil, nil
}

// fits reports whether l applies to body (detection).
func fits(l *Layout, body *Data) bool {
	switch l.Shape {
	case ShapePositional:
		if !body.IsContainer() || body.Type == TypeCompactArray {
			return false
		}
		if (l.Count > 0 && len(body.Items) != l.Count) || len(body.Items) < len(l.Fields) {
			return false
		}
		if l.ListID != "" && !hasListID(body, l.ListID) {
			return false
		}
		for i := range l.Fields {
			f := &l.Fields[i]
			if f.Index < 0 || f.Index >= len(body.Items) || !kindOf(&body.Items[f.Index], f.Kind) {
				return false
			}
		}
		return true
	case ShapeDescribed:
		return described(body)
	case ShapeLabelled:
		return l.ListID == "" || hasListID(body, l.ListID)
	}
	return false
}

// hasListID reports listID(body) == id without allocating for text.
func hasListID(body *Data, id string) bool {
	if !body.IsContainer() || len(body.Items) == 0 {
		return false
	}
	d := &body.Items[0]
	switch {
	case d.Type == TypeVisibleString || d.Type == TypeUTF8String || d.Type == TypeOctetString && printable(d.Bytes):
		return string(d.Bytes) == id
	case d.Type == TypeOctetString && len(d.Bytes) == 6:
		return FormatOBIS([6]byte(d.Bytes)) == id
	}
	return false
}

// listID returns the text, or FormatOBIS form, of the first element of a
// structure or array.
func listID(body *Data) string {
	if !body.IsContainer() || len(body.Items) == 0 {
		return ""
	}
	d := &body.Items[0]
	if s, ok := d.Text(); ok {
		return s
	}
	if d.Type == TypeOctetString && len(d.Bytes) == 6 {
		return FormatOBIS([6]byte(d.Bytes))
	}
	return ""
}

// kindOf reports whether d is of kind k.
func kindOf(d *Data, k Kind) bool {
	switch k {
	case KindAny:
		return !d.IsContainer()
	case KindNumber:
		switch d.Type {
		case TypeBoolean, TypeEnum, TypeFloat32, TypeFloat64, TypeLong64Unsigned:
			return true
		}
		_, ok := d.Int()
		return ok
	case KindText:
		return d.Type == TypeOctetString || d.Type == TypeVisibleString || d.Type == TypeUTF8String
	case KindTime:
		if d.Type == TypeDateTime {
			return true
		}
		_, ok := d.DateTime()
		return ok && len(d.Bytes) == 12
	case KindOBIS:
		return d.Type == TypeOctetString && len(d.Bytes) == 6
	}
	return false
}

// described reports whether body's first element lists capture objects
// for the others: an array of as many structures {long-unsigned class id,
// logical name, integer attribute index, ...} as the body has elements.
func described(body *Data) bool {
	if body.Type != TypeStructure || len(body.Items) < 2 {
		return false
	}
	list := &body.Items[0]
	if list.Type != TypeArray || len(list.Items) != len(body.Items) {
		return false
	}
	for i := range list.Items {
		e := &list.Items[i]
		if e.Type != TypeStructure || len(e.Items) < 3 || e.Items[0].Type != TypeLongUnsigned ||
			!isLabel(&e.Items[1]) || e.Items[1].Type != TypeOctetString || e.Items[2].Type != TypeInteger {
			return false
		}
	}
	return true
}

// isLabel reports whether d is a logical name: a 6-byte octet-string
// with a plausible A group (0 to 15; text that happens to be 6 bytes long
// is not taken), or an attribute descriptor.
func isLabel(d *Data) bool {
	switch d.Type {
	case TypeOctetString:
		return len(d.Bytes) == 6 && d.Bytes[0] <= 15
	case TypeAttributeDescriptor:
		return len(d.Bytes) == 9
	}
	return false
}

// isScalerUnit reports whether d is a scaler_unit structure {integer,
// enum}.
func isScalerUnit(d *Data) bool {
	return d.Type == TypeStructure && len(d.Items) == 2 && d.Items[0].Type == TypeInteger && d.Items[1].Type == TypeEnum
}

// maxWalkDepth bounds the recursion over hand-built trees (decoded trees
// are bounded by DataDecoder.MaxDepth).
const maxWalkDepth = 64

// walker collects the objects of one body.
type walker struct {
	n     *DataNotification
	l     *Layout
	objs  []Object
	path  []byte // path of the element being visited
	paths []byte // the paths of all objects, one after the other
	spans []int  // end of each object's path in paths
	err   error
}

// finish gives the objects their paths, all cut from one string.
func (w *walker) finish() {
	all := string(w.paths)
	start := 0
	for i, end := range w.spans {
		w.objs[i].Path = all[start:end]
		start = end
	}
}

// add appends o with the current path.
func (w *walker) add(o Object) {
	w.paths = append(w.paths, w.path...)
	w.spans = append(w.spans, len(w.paths))
	w.objs = append(w.objs, o)
}

func (w *walker) run() error {
	body := w.n.Body
	w.path = append(w.path[:0], "body"...)
	w.paths, w.spans = w.paths[:0], w.spans[:0]
	if w.objs == nil {
		w.objs = make([]Object, 0, len(body.Items)+1)
	}
	switch w.l.Shape {
	case ShapePositional:
		w.positional(body)
	case ShapeDescribed:
		if described(body) {
			for i := range body.Items[0].Items {
				code := obis.Code(body.Items[0].Items[i].Items[1].Bytes)
				w.push(i)
				w.value(&body.Items[i], code, nil)
				w.pop()
			}
		}
	case ShapeLabelled:
		w.labelled(body, 0)
	default:
		w.fail(body, "layout "+strconv.Quote(w.l.Name)+" has no shape")
	}
	return w.err
}

func (w *walker) fail(d *Data, detail string) {
	if w.err == nil {
		off := -1
		if d != nil {
			off = w.n.BodyOffset + d.Offset
		}
		w.err = &codec.Error{Layer: "layout", Offset: off, Err: codec.ErrMalformed, Detail: detail}
	}
}

func (w *walker) push(i int) {
	w.path = append(w.path, '[')
	w.path = strconv.AppendInt(w.path, int64(i), 10)
	w.path = append(w.path, ']')
}

func (w *walker) pop() {
	for len(w.path) > 0 && w.path[len(w.path)-1] != '[' {
		w.path = w.path[:len(w.path)-1]
	}
	if len(w.path) > 0 {
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) positional(body *Data) {
	l := w.l
	name := strconv.Quote(l.Name)
	if !body.IsContainer() || body.Type == TypeCompactArray {
		w.fail(body, "layout "+name+" wants a structure, the body is "+TypeName(body.Type))
		return
	}
	switch {
	case l.Count > 0 && len(body.Items) != l.Count:
		w.fail(body, "layout "+name+" wants "+strconv.Itoa(l.Count)+" elements, the body has "+strconv.Itoa(len(body.Items)))
		return
	case l.ListID != "" && listID(body) != l.ListID:
		w.fail(body, "layout "+name+" wants list identifier "+strconv.Quote(l.ListID)+", the body has "+strconv.Quote(listID(body)))
		return
	}
	for i := range l.Fields {
		f := &l.Fields[i]
		if f.Index < 0 || f.Index >= len(body.Items) {
			w.fail(body, "layout "+name+" wants an element at position "+strconv.Itoa(f.Index)+", the body has "+strconv.Itoa(len(body.Items)))
			continue
		}
		d := &body.Items[f.Index]
		if !kindOf(d, f.Kind) {
			w.fail(d, "layout "+name+": body["+strconv.Itoa(f.Index)+"] is "+TypeName(d.Type)+", want "+f.Kind.String())
			continue
		}
		if f.Code == (obis.Code{}) {
			continue
		}
		w.push(f.Index)
		w.field(d, f)
		w.pop()
	}
}

// labelled walks a container, taking labelled values.
func (w *walker) labelled(d *Data, depth int) {
	if !d.IsContainer() || depth > maxWalkDepth {
		return
	}
	items := d.Items
	// {OBIS, value} or {OBIS, value, {scaler, unit}}
	if d.Type == TypeStructure && (len(items) == 2 || len(items) == 3 && isScalerUnit(&items[2])) &&
		isLabel(&items[0]) && !items[1].IsContainer() {
		w.push(1)
		w.labelledValue(&items[0], &items[1], su(items, 2))
		w.pop()
		return
	}
	for i := 0; i < len(items); {
		it := &items[i]
		if isLabel(it) && i+1 < len(items) {
			v := &items[i+1]
			w.push(i + 1)
			if v.IsContainer() {
				w.labelled(v, depth+1)
			} else {
				w.labelledValue(it, v, su(items, i+2))
			}
			w.pop()
			if i+2 < len(items) && isScalerUnit(&items[i+2]) {
				i += 3
			} else {
				i += 2
			}
			continue
		}
		w.push(i)
		if it.IsContainer() {
			w.labelled(it, depth+1)
		} else if depth == 0 {
			w.unlabelled(it, i, len(items))
		}
		w.pop()
		i++
	}
}

// su returns items[i] if it is a scaler-unit structure.
func su(items []Data, i int) *Data {
	if i < len(items) && isScalerUnit(&items[i]) {
		return &items[i]
	}
	return nil
}

func (w *walker) labelledValue(label, v, scalerUnit *Data) {
	var code obis.Code
	if label.Type == TypeAttributeDescriptor {
		code = obis.Code(label.Bytes[2:8])
	} else {
		code = obis.Code(label.Bytes)
	}
	w.value(v, code, scalerUnit)
}

// unlabelled names a top-level element without a code by the layout's
// Fields.
func (w *walker) unlabelled(d *Data, i, n int) {
	for j := range w.l.Fields {
		f := &w.l.Fields[j]
		if (f.Index == i || f.Index == i-n) && f.Code != (obis.Code{}) && kindOf(d, f.Kind) {
			w.field(d, f)
			return
		}
	}
}

// field adds the value of d as f says.
func (w *walker) field(d *Data, f *Field) {
	v, ok := leafValue(d, f.Scaler, f.Number)
	if !ok {
		return
	}
	o := Object{OBIS: obisString(f.Code), Code: f.Code, Value: v}
	if _, num := v.(float64); num {
		o.Scaler, o.Unit, o.Implied = f.Scaler, f.Unit, true
	}
	w.add(o)
}

// value adds the value of d for code, scaled by the scaler-unit structure
// when given, else by the layout's scale for the code's measure.
func (w *walker) value(d *Data, code obis.Code, scalerUnit *Data) {
	if d.IsContainer() {
		return
	}
	scaler, unit, implied := 0, "", false
	if scalerUnit != nil {
		s, _ := scalerUnit.Items[0].Int()
		e, _ := scalerUnit.Items[1].Uint()
		scaler, unit = int(s), UnitName(uint8(e))
	} else if m := MeasureOf(code); m != MeasureNone && kindOf(d, KindNumber) {
		if sc, ok := w.scale(m); ok {
			scaler, unit, implied = sc.Scaler, sc.Unit, true
		}
	}
	v, ok := leafValue(d, scaler, false)
	if !ok {
		return
	}
	o := Object{OBIS: obisString(code), Code: code, Value: v}
	if _, num := v.(float64); num {
		o.Scaler, o.Unit, o.Implied = scaler, unit, implied
	}
	w.add(o)
}

func (w *walker) scale(m Measure) (Scale, bool) {
	for _, s := range w.l.Scales {
		if s.Measure == m {
			return s, true
		}
	}
	for _, s := range DefaultScales {
		if s.Measure == m {
			return s, true
		}
	}
	return Scale{}, false
}

var codeClock = obis.New(0, 0, 1, 0, 0, 255)

// obisNames caches the text of the codes seen, so that objects share it.
var obisNames struct {
	sync.RWMutex
	m map[obis.Code]string
}

// obisString returns c.String(), cached for the first 4096 codes.
func obisString(c obis.Code) string {
	obisNames.RLock()
	s, ok := obisNames.m[c]
	obisNames.RUnlock()
	if ok {
		return s
	}
	s = c.String()
	obisNames.Lock()
	if obisNames.m == nil {
		obisNames.m = make(map[obis.Code]string)
	}
	if len(obisNames.m) < 4096 {
		obisNames.m[c] = s
	}
	obisNames.Unlock()
	return s
}

// addClock puts the notification's date-time first when the objects have
// no clock of their own.
func (w *walker) addClock() {
	if len(w.objs) == 0 || w.n.DateTime == nil {
		return
	}
	for i := range w.objs {
		if isClock(w.objs[i].Code) {
			return
		}
	}
	t, err := ParseDateTime(w.n.DateTime)
	if err != nil || !t.Valid() {
		return
	}
	w.objs = append(w.objs, Object{})
	copy(w.objs[1:], w.objs)
	w.objs[0] = Object{OBIS: obisString(codeClock), Code: codeClock, Value: timeValue(t), Path: "date-time"}
}

// isClock reports a clock code 0-b:1.0.0.
func isClock(c obis.Code) bool {
	return c[0] == 0 && c[2] == 1 && c[3] == 0 && c[4] == 0
}

var pow10tab = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// scaleBy returns f * 10^s, dividing for negative s so that 2364 * 10^-1
// is the float64 nearest to 236.4.
func scaleBy(f float64, s int) float64 {
	switch {
	case s == 0:
		return f
	case s > 0 && s < len(pow10tab):
		return f * pow10tab[s]
	case s < 0 && -s < len(pow10tab):
		return f / pow10tab[-s]
	}
	return f * math.Pow(10, float64(s))
}

// leafValue converts a leaf: numbers scaled to float64 (non-finite floats
// as text), text as string, date-times as time.Time (or local-time text
// without a deviation), other octets as hex. ok is false for null-data,
// dont-care, containers and attribute descriptors.
func leafValue(d *Data, scaler int, number bool) (any, bool) {
	switch d.Type {
	case TypeNullData, TypeDontCare, TypeAttributeDescriptor, TypeArray, TypeStructure, TypeCompactArray:
		return nil, false
	case TypeBoolean:
		b, _ := d.Bool()
		if b {
			return 1.0, true
		}
		return 0.0, true
	case TypeVisibleString, TypeUTF8String:
		return string(d.Bytes), true
	case TypeDateTime:
		if t, err := ParseDateTime(d.Bytes); err == nil {
			return timeValue(t), true
		}
		return hex.EncodeToString(d.Bytes), true
	case TypeOctetString:
		if number && len(d.Bytes) <= 8 {
			var b [8]byte
			copy(b[8-len(d.Bytes):], d.Bytes)
			return scaleBy(float64(binary.BigEndian.Uint64(b[:])), scaler), true
		}
		if s, ok := octetText(d.Bytes); ok {
			return s, true
		}
		if len(d.Bytes) == 12 {
			if t, ok := DateTimeFromOctets(d.Bytes); ok {
				return timeValue(t), true
			}
		}
		return hex.EncodeToString(d.Bytes), true
	case TypeEnum:
		u, _ := d.Uint()
		return scaleBy(float64(u), scaler), true
	}
	if f, ok := d.Float(); ok {
		if f = scaleBy(f, scaler); math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64), true // NaN, +Inf: not a number JSON can carry
		}
		return f, true
	}
	return hex.EncodeToString(d.Bytes), true
}

// octetText returns an octet-string as text when it is printable ASCII,
// trailing NUL padding removed; the empty octet-string is "".
func octetText(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", true
	}
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	if n == 0 || !printable(b[:n]) {
		return "", false
	}
	return string(b[:n]), true
}

// timeValue is a date-time as an Object value: a time.Time when it has
// a deviation, "2006-01-02T15:04:05" local time when it has none, else
// DateTime.String.
func timeValue(t DateTime) any {
	if tm, ok := t.Time(nil); ok {
		return tm
	}
	if tm, ok := t.Time(time.UTC); ok {
		return tm.Format("2006-01-02T15:04:05")
	}
	return t.String()
}
