// Package driver turns a meter's decoded records into the named fields and
// status texts users know from wmbusmeters: which meters a driver serves
// (manufacturer, version and device type, as the reference detects them),
// which fields it prints and where each value comes from, and what the
// bits of its status records mean.
//
// A driver is data (a Driver value in a table, checked by Register), plus
// at most one small function for a payload a table cannot describe (a
// manufacturer's own layout). Field names, units and bit meanings are facts
// about the meters; every definition here is written for meterwire.
//
// This package is being built (issue 13): the framework, the corpus
// measure (TestCorpus) and the first drivers are here; the decode command,
// the gateway and the sinks do not use it yet.
package driver

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// Driver describes one kind of meter.
type Driver struct {
	// Name is the reference's driver name ("kamwater"); Aliases are other
	// names it answers to ("multical21", "flowiq2200").
	Name    string
	Aliases []string
	// Media is the media the reference prints ("cold water", "heat").
	Media string
	// Detect lists the meters the driver serves; AnyVersion lists
	// manufacturer and type pairs it serves whatever their version (Version
	// ignored; an exact triple of another driver wins).
	Detect     []Detect
	AnyVersion []Detect
	// Fields are printed in this order, when their record is present.
	Fields []Field
	// Payload, when set, reads what the records cannot say (manufacturer
	// data) and adds fields; it must not panic on any input.
	Payload func(recs []mbus.Record, apl []byte, out *Output) error
}

// Detect is one (manufacturer, version, device type) a driver serves.
type Detect struct {
	Manufacturer string // three letters, "KAM"
	Version      byte
	Type         byte // EN 13757-4 device type
}

// Any matches any storage, tariff or subunit number in a Match.
const Any = -1

// Field is one named value of a driver.
type Field struct {
	// Name is the field's name without its unit suffix ("total",
	// "flow_temperature"); the printed name adds "_" + Unit when Unit is
	// not empty: "total_m3".
	Name string
	// Unit is the unit the value is printed in: "m3", "kwh", "c", "m3h",
	// "kw", "h", ... (a display unit of mbus.Record.DisplayValue); empty
	// for texts, dates and counts.
	Unit string
	// Match finds the record.
	Match Match
	// Status, when set, turns the record's integer value into a text.
	Status *Status
	// Text prints the record as text (dates, identifiers, versions).
	Text bool

	full string // FullName, set by Register
	key  []byte // Match.Key as bytes, set by Register
}

// Match says which record a field comes from: the first record (or the
// Index-th, from 0) that has all that is given. Quantity is the record's
// mbus VIFInfo.Quantity; Function, Storage, Tariff and Subunit default to
// instantaneous and 0 (AnyFunction and Any widen them); Key, when set, is
// the exact DIF/VIF bytes in hex ("02FF20"), which say function, storage,
// tariff and subunit themselves.
type Match struct {
	Quantity                 string
	Function                 mbus.Function
	AnyFunction              bool // instantaneous, maximum, minimum or during error
	Storage, Tariff, Subunit int
	Key                      string
	Index                    int
}

// Status maps bits of an integer value to texts; a value with none of
// them set prints Default ("OK").
type Status struct {
	Bits    []Bit
	Default string
}

// Bit is one status bit, or a group of bits: its Text applies when the
// bits under Mask equal Value (never for a zero Value: that is Default).
type Bit struct {
	Mask, Value uint64
	Text        string
}

// Text returns the status text of v: the texts of every bit that matches,
// joined by spaces, or Default.
func (s *Status) Text(v uint64) string {
	var parts []string
	for _, b := range s.Bits {
		if b.Value != 0 && v&b.Mask == b.Value {
			parts = append(parts, b.Text)
		}
	}
	if len(parts) == 0 {
		return s.Default
	}
	return strings.Join(parts, " ")
}

// Output is a driver's result: field names in order and their values
// (float64, string or nil).
type Output struct {
	Names  []string
	Values map[string]any
	// Telegram is the decoded telegram the records came from, for a
	// Payload that needs its headers (the TPL status byte, the link
	// address); nil when the caller has none.
	Telegram *wmbus.Telegram
}

// Set sets a field, keeping the first position of its name.
func (o *Output) Set(name string, v any) {
	if o.Values == nil {
		o.Values = map[string]any{}
	}
	if _, ok := o.Values[name]; !ok {
		o.Names = append(o.Names, name)
	}
	o.Values[name] = v
}

// FullName is the printed name of f: Name plus "_" + Unit.
func (f *Field) FullName() string {
	if f.full != "" {
		return f.full
	}
	if f.Unit == "" {
		return f.Name
	}
	return f.Name + "_" + f.Unit
}

// Apply fills out from recs (and apl, the application data, for Payload).
func (d *Driver) Apply(recs []mbus.Record, apl []byte, out *Output) error {
	for i := range d.Fields {
		f := &d.Fields[i]
		r := f.Match.findKey(recs, f.key)
		if r == nil {
			continue
		}
		v, err := f.value(r)
		if err != nil {
			return fmt.Errorf("driver %s: field %s: %w", d.Name, f.FullName(), err)
		}
		out.Set(f.FullName(), v)
	}
	if d.Payload != nil {
		return d.Payload(recs, apl, out)
	}
	return nil
}

// find returns the record m matches.
func (m *Match) find(recs []mbus.Record) *mbus.Record { return m.findKey(recs, nil) }

// findKey is find with m.Key given as bytes (nil: parsed here).
func (m *Match) findKey(recs []mbus.Record, key []byte) *mbus.Record {
	if key == nil && m.Key != "" {
		key, _ = hex.DecodeString(m.Key)
	}
	n := 0
	for i := range recs {
		r := &recs[i]
		if m.Key != "" && !keyIs(key, r.DIB, r.VIB) {
			continue
		}
		if m.Quantity != "" && r.Info.Quantity != m.Quantity {
			continue
		}
		// A key names DIF and DIFEs too: function, storage, tariff and
		// subunit are in it already.
		if m.Key == "" {
			if r.Function != m.Function && !m.AnyFunction {
				continue
			}
			if !num(m.Storage, r.Storage) || !num(m.Tariff, uint64(r.Tariff)) || !num(m.Subunit, uint64(r.Subunit)) {
				continue
			}
		}
		if n == m.Index {
			return r
		}
		n++
	}
	return nil
}

func num(want int, got uint64) bool { return want == Any || uint64(want) == got }

// keyIs reports whether key is dib followed by vib.
func keyIs(key, dib, vib []byte) bool {
	return len(key) == len(dib)+len(vib) && bytes.Equal(key[:len(dib)], dib) && bytes.Equal(key[len(dib):], vib)
}

// value converts r to the field's unit or text.
func (f *Field) value(r *mbus.Record) (any, error) {
	if f.Status != nil {
		if !r.Valid {
			return f.Status.Default, nil
		}
		return f.Status.Text(uint64(r.Int)), nil
	}
	if f.Text || f.Unit == "" {
		return r.FieldValue(), nil
	}
	if !r.Valid {
		return nil, nil
	}
	v, unit := r.DisplayValue()
	if unit == f.Unit {
		return v, nil
	}
	if c, ok := conversions[[2]string{unit, f.Unit}]; ok {
		return v * c, nil
	}
	return nil, fmt.Errorf("the record is in %q, which does not convert to %q", unit, f.Unit)
}

// conversions are the factors between display units that fields may ask
// for: from the record's display unit to the field's.
var conversions = map[[2]string]float64{
	{"kwh", "mwh"}: 1e-3, {"kwh", "gj"}: 3.6e-3, {"kwh", "wh"}: 1e3,
	{"kw", "w"}: 1e3, {"m3", "l"}: 1e3, {"m3h", "lh"}: 1e3,
	{"min", "h"}: 1.0 / 60, {"h", "d"}: 1.0 / 24, {"s", "h"}: 1.0 / 3600, {"d", "h"}: 24,
}

var (
	byName   = map[string]*Driver{}
	byDetect = map[Detect]*Driver{}
	// byAnyVersion holds Driver.AnyVersion pairs (Version 0).
	byAnyVersion = map[Detect]*Driver{}
	all          []*Driver
)

// Register checks d and adds it; it panics on a definition error (drivers
// are registered from init, so a bad table fails every test at once).
func Register(d *Driver) {
	if err := d.check(); err != nil {
		panic(err)
	}
	names := append([]string{d.Name}, d.Aliases...)
	for _, n := range names {
		if byName[n] != nil {
			panic(fmt.Errorf("driver %s: the name %s is taken by driver %s", d.Name, n, byName[n].Name))
		}
	}
	for _, m := range d.Detect {
		if o := byDetect[m]; o != nil {
			panic(fmt.Errorf("driver %s: %s version %#02x type %#02x is detected by driver %s already", d.Name, m.Manufacturer, m.Version, m.Type, o.Name))
		}
	}
	for _, m := range d.AnyVersion {
		if o := byAnyVersion[anyKey(m)]; o != nil {
			panic(fmt.Errorf("driver %s: %s type %#02x of any version is detected by driver %s already", d.Name, m.Manufacturer, m.Type, o.Name))
		}
	}
	for _, n := range names {
		byName[n] = d
	}
	for _, m := range d.Detect {
		byDetect[m] = d
	}
	for _, m := range d.AnyVersion {
		byAnyVersion[anyKey(m)] = d
	}
	all = append(all, d)
}

var knownUnits = []string{"", "m3", "l", "kwh", "mwh", "wh", "gj", "c", "k", "m3h", "lh", "kw", "w", "h", "d", "s", "min", "v", "a", "hz", "bar", "pct", "hca", "kvarh", "kvah", "kvar", "kva", "dbm", "kg", "kgh", "year", "month", "counter", "ppm", "rh"}

func (d *Driver) check() error {
	if d.Name == "" {
		return fmt.Errorf("a driver has no name")
	}
	seen := map[string]bool{}
	for i := range d.Fields {
		f := &d.Fields[i]
		n := f.FullName()
		f.full = n
		if f.Match.Key != "" {
			k, err := hex.DecodeString(f.Match.Key)
			if err != nil || len(k) < 2 {
				return fmt.Errorf("driver %s: field %s: key %q is not DIF/VIF hex", d.Name, n, f.Match.Key)
			}
			f.key = k
		}
		if seen[n] {
			return fmt.Errorf("driver %s: field %s twice", d.Name, n)
		}
		seen[n] = true
		if !slices.Contains(knownUnits, f.Unit) {
			return fmt.Errorf("driver %s: field %s: unknown unit %q", d.Name, n, f.Unit)
		}
		if f.Match.Quantity == "" && f.Match.Key == "" {
			return fmt.Errorf("driver %s: field %s matches any record", d.Name, n)
		}
	}
	return nil
}

// Lookup finds a driver by its name or an alias.
func Lookup(name string) *Driver { return byName[name] }

// Detected finds the driver serving a meter, nil if none does.
func Detected(manufacturer string, version, typ byte) *Driver {
	if d := byDetect[Detect{manufacturer, version, typ}]; d != nil {
		return d
	}
	return byAnyVersion[Detect{manufacturer, 0, typ}]
}

// All lists the drivers in the order registered.
func All() []*Driver { return slices.Clone(all) }

const hexdigits = "0123456789ABCDEF"

// hexOf returns the bytes of parts in upper-case hex.
func hexOf(parts ...[]byte) string {
	var b []byte
	for _, p := range parts {
		for _, c := range p {
			b = append(b, hexdigits[c>>4], hexdigits[c&15])
		}
	}
	return string(b)
}

func anyKey(m Detect) Detect { return Detect{m.Manufacturer, 0, m.Type} }
