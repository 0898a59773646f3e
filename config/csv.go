package config

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/meterwire/meterwire/wmbus"
)

// csvColumns are the columns of a meters file, in this order; the first
// two are required, the others may be empty or left out.
var csvColumns = []string{"name", "id", "manufacturer", "key", "ak", "driver", "expect_every"}

// readMetersFile reads meters from a CSV file (meters_file): one meter a
// line, columns as csvColumns, an optional header line, # comments. It is
// meant for fleets of thousands of meters, which read faster and smaller
// than YAML. Keys in it make it a key file: it gets the same permission
// warning.
func (p *parser) readMetersFile(c *Config) error {
	f, err := os.Open(p.metersFile)
	if err != nil {
		return &Error{File: p.file, Line: p.metersLine, Msg: fmt.Sprintf("meters_file: %v", err)}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s is readable by group or others (mode %04o): chmod 600 %s", p.metersFile, fi.Mode().Perm(), p.metersFile))
	}
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	cp := &parser{file: p.metersFile, names: p.names, ids: p.ids}
	if cp.names == nil {
		cp.names, cp.ids = map[string]int{}, map[string]int{}
	}
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
				err = pe.Err
			}
			return &Error{File: p.metersFile, Line: line, Msg: fmt.Sprintf("not valid CSV: %v", err)}
		}
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "name") {
			first = false
			continue // the header
		}
		first = false
		if len(rec) < 2 || len(rec) > len(csvColumns) {
			return &Error{File: p.metersFile, Line: line, Msg: fmt.Sprintf("%d columns", len(rec)), Hint: "columns: " + strings.Join(csvColumns, ",") + " (name and id required)"}
		}
		// Clone: the record's strings share the reader's line buffer, which
		// a hundred thousand meters would otherwise keep alive.
		m := Meter{Line: line, Driver: "auto", Name: strings.Clone(strings.TrimSpace(rec[0]))}
		if err := cp.csvMeter(&m, rec); err != nil {
			return err
		}
		if l, ok := cp.names[m.Name]; ok {
			return &Error{File: p.metersFile, Line: line, Msg: fmt.Sprintf("meter name %q used twice", m.Name), Hint: fmt.Sprintf("the other is on line %d", l)}
		}
		if l, ok := cp.ids[m.Manufacturer+":"+m.ID]; ok {
			return &Error{File: p.metersFile, Line: line, Msg: fmt.Sprintf("meter id %s configured twice", m.ID), Hint: fmt.Sprintf("the other is on line %d", l)}
		}
		cp.names[m.Name], cp.ids[m.Manufacturer+":"+m.ID] = line, line
		c.Meters = append(c.Meters, m)
	}
	p.names, p.ids = cp.names, cp.ids
	return nil
}

func (p *parser) csvMeter(m *Meter, rec []string) error {
	bad := func(col, msg, hint string) error {
		return &Error{File: p.file, Line: m.Line, Msg: col + ": " + msg, Hint: hint}
	}
	if !nameRE.MatchString(m.Name) {
		return bad("name", fmt.Sprintf("%q", m.Name), "letters, digits, _ . - only, up to 64")
	}
	id := strings.TrimSpace(rec[1])
	switch {
	case strings.EqualFold(id, "p1"):
		m.ID = "p1"
	case idRE.MatchString(id), titleRE.MatchString(id):
		m.ID = strings.Clone(strings.ToUpper(id))
	default:
		return bad("id", fmt.Sprintf("%q", id), "8 digits, 16 hex digits or p1")
	}
	col := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	if s := col(2); s != "" {
		m.Manufacturer = strings.Clone(strings.ToUpper(s))
		if _, ok := wmbus.ParseManufacturer(m.Manufacturer); !ok {
			return bad("manufacturer", fmt.Sprintf("%q", s), "three letters, e.g. KAM")
		}
	}
	for i, dst := range []*Secret{&m.Key, &m.AK} {
		if s := col(3 + i); s != "" {
			k, err := parseKeyHex(s)
			if err != nil {
				return bad(csvColumns[3+i], err.Error(), "an AES-128 key is 32 hex digits (16 bytes)")
			}
			*dst = k
		}
	}
	if s := col(5); s != "" {
		m.Driver = strings.Clone(s)
	}
	if s := col(6); s != "" {
		d, err := ParseDuration(s)
		if err != nil || d < 0 {
			return bad("expect_every", fmt.Sprintf("%q is not a duration", s), "e.g. 15m, 2h, 1d")
		}
		m.ExpectEvery = d
	}
	return nil
}
