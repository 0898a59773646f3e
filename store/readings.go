package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Reading is one decoded reading of one meter.
type Reading struct {
	// Meter identifies the meter, e.g. "wmbus:KAM:12345678" or "p1:…".
	Meter string
	// Time is when the reading was taken (or received).
	Time time.Time
	// Fields are the decoded values. Supported without conversion cost:
	// nil, bool, string, all integer and float kinds and json.Number;
	// other values are stored as encoding/json renders them. Reading them
	// back gives int64 for integers (uint64 above math.MaxInt64), float64
	// for floats, and string, bool or nil; nested objects and arrays come
	// back as map[string]any and []any. NaN and ±Inf are stored as nil.
	Fields map[string]any
	// Telegram optionally identifies the telegram the reading came from
	// (an id or hash); empty means none.
	Telegram string
	// ID is the reading's identity within its meter (the pipeline derives
	// it from the telegram's bytes, or from the AFL message counter or DLMS
	// frame counter where the meter sends one). Add stores a reading whose
	// meter already has a reading with the same non-zero ID as a no-op, so
	// writing a batch again, after a crash or a re-sent capture, changes
	// nothing. Zero means no identity: the reading is always stored.
	ID int64
	// StateKind and State, when StateKind is set, are the meter's state
	// after this reading (the pipeline's replay guard). Add writes them in
	// the same transaction as the reading, so the state on disk always
	// belongs to the readings on disk; of several readings of one meter in
	// a batch, the last one's state is written.
	StateKind string
	State     []byte
}

// Point is one sample of a numeric field, as returned by Series.
type Point struct {
	Time  time.Time
	Value float64
}

// MeterSummary describes one meter that has readings in the store.
type MeterSummary struct {
	Meter string
	// First and Last are the times of the oldest and newest reading.
	First, Last time.Time
	// Count is the number of readings stored.
	Count int64
	// Fields are the fields of the newest reading.
	Fields map[string]any
}

// Add stores a batch of readings in one transaction and returns after it
// has committed: once Add returns nil, every reading of the batch survives a
// crash of the process (see the package documentation). Either all
// readings of the batch are stored or, on error, none; readings whose ID is
// already stored for their meter are skipped (see Reading.ID), as are
// repeats within the batch. Every reading needs a Meter and a valid Time.
func (s *Store) Add(ctx context.Context, readings []Reading) error {
	if len(readings) == 0 {
		return nil
	}
	for i := range readings {
		r := &readings[i]
		if r.Meter == "" {
			return fmt.Errorf("store: add: reading %d has no meter", i)
		}
		if !validTime(r.Time) {
			return fmt.Errorf("store: add: reading %d (%s) has an invalid time %v", i, r.Meter, r.Time)
		}
	}
	if err := s.lockWriter(); err != nil {
		return err
	}
	defer s.wmu.Unlock()
	w := &s.w

	// Encode every reading's fields into one buffer, and aggregate the
	// batch per meter (first/last time, count, newest fields).
	w.buf, w.ends = w.buf[:0], w.ends[:0]
	clear(w.meters)
	w.order = w.order[:0]
	for i := range readings {
		r := &readings[i]
		var err error
		if w.buf, err = w.enc.appendFields(w.buf, r.Fields); err != nil {
			return fmt.Errorf("store: add: reading %d (%s): %w", i, r.Meter, err)
		}
		w.ends = append(w.ends, len(w.buf))
		t := r.Time.UnixNano()
		mb := w.meters[r.Meter]
		if mb == nil {
			if n := len(w.free); n > 0 {
				mb, w.free = w.free[n-1], w.free[:n-1]
			} else {
				mb = new(meterBatch)
			}
			*mb = meterBatch{name: r.Meter, first: t, last: t, lastFieldsAt: i, stateAt: -1}
			w.meters[r.Meter] = mb
			w.order = append(w.order, mb)
		}
		mb.n++
		if r.StateKind != "" {
			mb.stateAt = i
		}
		mb.first = min(mb.first, t)
		if t >= mb.last {
			mb.last, mb.lastFieldsAt = t, i
		}
	}
	defer func() { w.free = append(w.free, w.order...) }()
	// One string for the whole batch: the per-reading values below are
	// substrings of it and cost no copy.
	text := string(w.buf)
	field := func(i int) string {
		start := 0
		if i > 0 {
			start = w.ends[i-1]
		}
		return text[start:w.ends[i]]
	}

	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var up, upd *sql.Stmt
		for _, mb := range w.order {
			if id, ok := w.ids[mb.name]; ok {
				if upd == nil {
					upd = tx.StmtContext(ctx, w.updateMeter)
				}
				res, err := upd.ExecContext(ctx, id, mb.first, mb.last, mb.n, field(mb.lastFieldsAt))
				if err != nil {
					return fmt.Errorf("store: add: meter %s: %w", mb.name, err)
				}
				if n, err := res.RowsAffected(); err == nil && n == 1 {
					mb.id = id
					continue
				}
				delete(w.ids, mb.name) // cannot happen; recover anyway
			}
			if up == nil {
				up = tx.StmtContext(ctx, w.upsertMeter)
			}
			if err := up.QueryRowContext(ctx, mb.name, mb.first, mb.last, mb.n, field(mb.lastFieldsAt)).Scan(&mb.id); err != nil {
				return fmt.Errorf("store: add: meter %s: %w", mb.name, err)
			}
			mb.isNew = true
		}
		w.args = w.args[:0]
		for i := range readings {
			r := &readings[i]
			var tg any
			if r.Telegram != "" {
				tg = r.Telegram
			}
			var id any
			if r.ID != 0 {
				id = r.ID
			}
			w.args = append(w.args, w.meters[r.Meter].id, r.Time.UnixNano(), field(i), tg, id)
		}
		n, err := w.readings.exec(ctx, tx, w.args)
		clear(w.args) // drop references to the batch's strings
		if err != nil {
			return fmt.Errorf("store: add: %w", err)
		}
		if n < int64(len(readings)) {
			// Some readings were stored before: the summaries counted
			// them again, so recount the batch's meters (rare: re-sends).
			st := tx.StmtContext(ctx, w.recountMeter)
			for _, mb := range w.order {
				if _, err := st.ExecContext(ctx, mb.id); err != nil {
					return fmt.Errorf("store: add: meter %s: %w", mb.name, err)
				}
			}
		}
		var put *sql.Stmt
		now := time.Now().UnixNano()
		for _, mb := range w.order {
			if mb.stateAt < 0 {
				continue
			}
			if put == nil {
				put = tx.StmtContext(ctx, w.putState)
			}
			r := &readings[mb.stateAt]
			v := r.State
			if v == nil {
				v = []byte{}
			}
			if _, err := put.ExecContext(ctx, r.StateKind, r.Meter, v, now); err != nil {
				return fmt.Errorf("store: add: state of %s: %w", mb.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, mb := range w.order {
		if mb.isNew {
			w.ids[mb.name] = mb.id
		}
	}
	return nil
}

// Readings returns the readings of meter with from <= Time < to, oldest
// first (readings with equal times in the order they were added). A zero
// from or to leaves that end open; limit <= 0 means no limit.
func (s *Store) Readings(ctx context.Context, meter string, from, to time.Time, limit int) ([]Reading, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	lo, hi := rangeNsec(from, to)
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.readings.QueryContext(ctx, meter, lo, hi, limit)
	if err != nil {
		return nil, fmt.Errorf("store: readings: %w", err)
	}
	defer rows.Close()
	var out []Reading
	var (
		t      int64
		fields []byte
		tg     sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&t, &fields, &tg); err != nil {
			return nil, fmt.Errorf("store: readings: %w", err)
		}
		f, err := decodeFields(fields)
		if err != nil {
			return nil, err
		}
		out = append(out, Reading{Meter: meter, Time: fromNsec(t), Fields: f, Telegram: tg.String})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: readings: %w", err)
	}
	return out, nil
}

// Series returns the numeric values of one field of meter with from <= Time
// < to, oldest first. Readings where the field is missing or not a number
// (strings, booleans, null) are skipped. When there are more than maxPoints
// values (and maxPoints > 0), the time span they cover is cut into
// maxPoints equal intervals and each non-empty interval yields one point:
// the mean time and mean value of its samples. The result then has at most
// maxPoints points, evenly spread over time, which is what a chart needs.
func (s *Store) Series(ctx context.Context, meter, field string, from, to time.Time, maxPoints int) ([]Point, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	lo, hi := rangeNsec(from, to)
	path := jsonPath(field)

	// One read transaction, so the span and the samples agree.
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: series: %w", err)
	}
	defer tx.Rollback()

	var first, last sql.NullInt64
	if err := tx.StmtContext(ctx, s.r.span).QueryRowContext(ctx, meter, lo, hi).Scan(&first, &last); err != nil {
		return nil, fmt.Errorf("store: series: %w", err)
	}
	if !first.Valid {
		return nil, nil
	}
	rows, err := tx.StmtContext(ctx, s.r.series).QueryContext(ctx, meter, lo, hi, path)
	if err != nil {
		return nil, fmt.Errorf("store: series: %w", err)
	}
	defer rows.Close()

	var (
		raw     []Point
		buckets []bucket
		width   float64
		t       int64
		v       float64
	)
	for rows.Next() {
		if err := rows.Scan(&t, &v); err != nil {
			return nil, fmt.Errorf("store: series: %w", err)
		}
		if buckets == nil {
			if maxPoints <= 0 || len(raw) < maxPoints {
				raw = append(raw, Point{Time: fromNsec(t), Value: v})
				continue
			}
			// More samples than points: switch to buckets and move
			// what was collected so far into them.
			buckets = make([]bucket, maxPoints)
			width = (float64(last.Int64) - float64(first.Int64) + 1) / float64(maxPoints)
			for _, p := range raw {
				buckets[bucketOf(p.Time.UnixNano(), first.Int64, width, maxPoints)].add(p.Time.UnixNano()-first.Int64, p.Value)
			}
			raw = nil
		}
		buckets[bucketOf(t, first.Int64, width, maxPoints)].add(t-first.Int64, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: series: %w", err)
	}
	if buckets == nil {
		return raw, nil
	}
	out := make([]Point, 0, maxPoints)
	for _, b := range buckets {
		if b.n > 0 {
			out = append(out, Point{
				Time:  fromNsec(first.Int64 + int64(b.dt/float64(b.n))),
				Value: b.v / float64(b.n),
			})
		}
	}
	return out, nil
}

// bucket accumulates the samples of one downsampling interval; times are
// offsets from the first sample so that float sums stay precise.
type bucket struct {
	n     int
	dt, v float64
}

func (b *bucket) add(dt int64, v float64) {
	b.n++
	b.dt += float64(dt)
	b.v += v
}

func bucketOf(t, first int64, width float64, n int) int {
	i := int(float64(t-first) / width)
	return min(max(i, 0), n-1)
}

// jsonPath builds the SQLite JSON path selecting the object member named
// field, quoted so that dots, brackets and quotes in the name are literal.
func jsonPath(field string) string {
	b := make([]byte, 0, len(field)+5)
	b = append(b, `$."`...)
	for i := 0; i < len(field); i++ {
		if c := field[i]; c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, field[i])
	}
	return string(append(b, '"'))
}

// Meters returns a summary of every meter with readings, ordered by meter.
func (s *Store) Meters(ctx context.Context) ([]MeterSummary, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.r.meters.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: meters: %w", err)
	}
	defer rows.Close()
	var out []MeterSummary
	for rows.Next() {
		var (
			m           MeterSummary
			first, last int64
			fields      []byte
		)
		if err := rows.Scan(&m.Meter, &first, &last, &m.Count, &fields); err != nil {
			return nil, fmt.Errorf("store: meters: %w", err)
		}
		m.First, m.Last = fromNsec(first), fromNsec(last)
		if m.Fields, err = decodeFields(fields); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: meters: %w", err)
	}
	return out, nil
}

// pruneChunk bounds how many readings one Prune transaction deletes, so
// that ingest waits at most for one chunk.
const pruneChunk = 5000

// Prune deletes every reading older than olderThan (Time < olderThan) and
// reports how many it deleted. It works meter by meter in transactions of
// at most a few thousand rows, letting Add interleave; if ctx is cancelled
// it stops after the current transaction and returns what it has deleted so
// far along with the error. Meters left without readings disappear from
// Meters. The file does not shrink: SQLite reuses the freed pages.
func (s *Store) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if olderThan.IsZero() {
		return 0, nil
	}
	_, cut := rangeNsec(time.Time{}, olderThan)
	var ids []int64
	rows, err := s.r.oldMeters.QueryContext(ctx, cut)
	if err != nil {
		return 0, fmt.Errorf("store: prune: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: prune: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: prune: %w", err)
	}

	var total int64
	for _, id := range ids {
		for {
			n, err := s.pruneStep(ctx, id, cut)
			total += n
			if err != nil {
				return total, fmt.Errorf("store: prune: %w", err)
			}
			if n < pruneChunk {
				break
			}
		}
	}
	return total, nil
}

// pruneStep deletes up to pruneChunk old readings of one meter and keeps
// the meter's summary row in step, in one transaction.
func (s *Store) pruneStep(ctx context.Context, meterID, cut int64) (int64, error) {
	if err := s.lockWriter(); err != nil {
		return 0, err
	}
	defer s.wmu.Unlock()
	var n, gone int64
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM readings WHERE id IN (
			SELECT id FROM readings WHERE meter_id = ?1 AND t < ?2 ORDER BY t LIMIT ?3)`, meterID, cut, pruneChunk)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE meters SET n = n - ?2,
			first_t = coalesce((SELECT min(t) FROM readings WHERE meter_id = ?1), first_t)
			WHERE id = ?1`, meterID, n); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM meters WHERE id = ?1 AND n <= 0`, meterID)
		if err != nil {
			return err
		}
		gone, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	if gone > 0 {
		// The row id may be reused by the next new meter.
		clear(s.w.ids)
	}
	return n, nil
}
