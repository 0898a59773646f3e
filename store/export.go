package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// Export formats accepted by Export.
const (
	// FormatCSV is comma-separated values with a header row: "time",
	// "meter", then the union of the field names of the exported readings
	// in byte order. Times are RFC 3339 in UTC with nanoseconds; a field
	// a reading lacks is an empty cell; nested values are JSON. String
	// values (and meters) that begin with =, +, -, @, tab or carriage
	// return get a leading apostrophe so that spreadsheet programs do not
	// run them as formulas: telegram contents arrive over the air and are
	// untrusted.
	FormatCSV = "csv"
	// FormatJSON is one JSON array, written element by element, of objects
	// {"time": "<RFC 3339>", "meter": "...", "fields": {...}} plus
	// "telegram" when the reading has one.
	FormatJSON = "json"
	// FormatJSONLines is the same objects as FormatJSON, one per line
	// (JSON Lines / NDJSON), for consumers that stream.
	FormatJSONLines = "jsonl"
)

// Export writes the readings of meter with from <= Time < to to w in the
// given format (FormatCSV, FormatJSON or FormatJSONLines), streaming from
// one consistent snapshot of the database. An empty meter exports every
// meter, ordered by meter and then time; otherwise rows are in time order.
// Nothing is written for an unknown format.
func (s *Store) Export(ctx context.Context, w io.Writer, meter string, from, to time.Time, format string) error {
	switch format {
	case FormatCSV, FormatJSON, FormatJSONLines:
	default:
		return fmt.Errorf("store: export: unknown format %q (want %q, %q or %q)", format, FormatCSV, FormatJSON, FormatJSONLines)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	lo, hi := rangeNsec(from, to)
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	defer tx.Rollback()

	// Both plans walk readings_meter_t: for one meter over its range, for
	// all meters meter by meter in name order.
	query := `SELECT ?1, r.t, r.fields, r.telegram FROM readings r
		WHERE r.meter_id = (SELECT id FROM meters WHERE name = ?1) AND r.t >= ?2 AND r.t < ?3
		ORDER BY r.t, r.id`
	keysWhere := `r.meter_id = (SELECT id FROM meters WHERE name = ?1) AND r.t >= ?2 AND r.t < ?3`
	if meter == "" {
		query = `SELECT m.name, r.t, r.fields, r.telegram FROM meters m JOIN readings r ON r.meter_id = m.id
			WHERE ?1 = '' AND r.t >= ?2 AND r.t < ?3
			ORDER BY m.name, r.t, r.id`
		keysWhere = `?1 = '' AND r.t >= ?2 AND r.t < ?3`
	}
	var keys []string
	if format == FormatCSV {
		if keys, err = exportKeys(ctx, tx, keysWhere, meter, lo, hi); err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, query, meter, lo, hi)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	defer rows.Close()

	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case FormatCSV:
		err = exportCSV(bw, rows, keys)
	default:
		err = exportJSON(bw, rows, format == FormatJSONLines)
	}
	if err == nil {
		err = rows.Err()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	return nil
}

// exportKeys returns the sorted union of field names of the selected rows.
func exportKeys(ctx context.Context, tx *sql.Tx, where, meter string, lo, hi int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT j.key FROM readings r, json_each(r.fields) j WHERE `+where, meter, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, rows.Err()
}

func exportCSV(w io.Writer, rows *sql.Rows, keys []string) error {
	cw := csv.NewWriter(w)
	record := make([]string, 2+len(keys))
	record[0], record[1] = "time", "meter"
	copy(record[2:], keys)
	if err := cw.Write(record); err != nil {
		return err
	}
	var (
		meter  string
		t      int64
		fields []byte
		tg     sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&meter, &t, &fields, &tg); err != nil {
			return err
		}
		f, err := decodeFields(fields)
		if err != nil {
			return err
		}
		record[0] = fromNsec(t).Format(time.RFC3339Nano)
		record[1] = csvSafe(meter)
		for i, k := range keys {
			record[2+i] = csvCell(f[k])
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell renders one field value for CSV.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvSafe(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// csvSafe defuses spreadsheet formula injection.
func csvSafe(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}

func exportJSON(w *bufio.Writer, rows *sql.Rows, lines bool) error {
	var (
		meter  string
		t      int64
		fields []byte
		tg     sql.NullString
		buf    []byte
		n      int
	)
	if !lines {
		w.WriteString("[")
	}
	for rows.Next() {
		if err := rows.Scan(&meter, &t, &fields, &tg); err != nil {
			return err
		}
		if !json.Valid(fields) {
			return fmt.Errorf("corrupt fields %q", truncate(fields, 64))
		}
		buf = buf[:0]
		if !lines {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '\n')
		}
		buf = append(buf, `{"time":"`...)
		buf = fromNsec(t).AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, `","meter":`...)
		buf = appendJSONString(buf, meter)
		buf = append(buf, `,"fields":`...)
		buf = append(buf, fields...)
		if tg.Valid && tg.String != "" {
			buf = append(buf, `,"telegram":`...)
			buf = appendJSONString(buf, tg.String)
		}
		buf = append(buf, '}')
		if lines {
			buf = append(buf, '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		n++
	}
	if !lines {
		if n > 0 {
			w.WriteString("\n")
		}
		w.WriteString("]\n")
	}
	return nil
}
