package store

import (
	"context"
	"database/sql"
	"strings"
)

// rowsPerInsert is how many rows one multi-row INSERT carries. Fewer
// statement executions per batch matter more than anything else for ingest
// speed through database/sql.
const rowsPerInsert = 64

// multiInsert inserts rows through two prepared statements: one with
// rowsPerInsert rows of placeholders for the bulk of a batch and one with a
// single row for the tail.
type multiInsert struct {
	cols int
	many *sql.Stmt
	one  *sql.Stmt
}

func (m *multiInsert) prepare(ctx context.Context, db *sql.DB, head string, cols int) error {
	m.cols = cols
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	var err error
	if m.one, err = db.PrepareContext(ctx, head+row); err != nil {
		return err
	}
	m.many, err = db.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(row+",", rowsPerInsert), ","))
	return err
}

// exec inserts len(args)/cols rows within tx and reports how many rows
// the statements changed (fewer than given for INSERT OR IGNORE).
func (m *multiInsert) exec(ctx context.Context, tx *sql.Tx, args []any) (int64, error) {
	var n int64
	run := func(st *sql.Stmt, args []any) error {
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		n += k
		return err
	}
	step := m.cols * rowsPerInsert
	if len(args) >= step {
		st := tx.StmtContext(ctx, m.many)
		for len(args) >= step {
			if err := run(st, args[:step]); err != nil {
				return n, err
			}
			args = args[step:]
		}
	}
	if len(args) > 0 {
		st := tx.StmtContext(ctx, m.one)
		for len(args) > 0 {
			if err := run(st, args[:m.cols]); err != nil {
				return n, err
			}
			args = args[m.cols:]
		}
	}
	return n, nil
}

func (m *multiInsert) close() {
	for _, st := range []*sql.Stmt{m.many, m.one} {
		if st != nil {
			st.Close()
		}
	}
}

// writer holds the writer connection's prepared statements and the scratch
// space reused from batch to batch. Everything in it is guarded by
// Store.wmu.
type writer struct {
	readings     multiInsert
	telegrams    multiInsert
	upsertMeter  *sql.Stmt
	updateMeter  *sql.Stmt
	recountMeter *sql.Stmt
	putState     *sql.Stmt
	trimLog      *sql.Stmt

	enc    fieldEncoder
	buf    []byte
	ends   []int
	args   []any
	meters map[string]*meterBatch
	// ids caches the row ids of meters known to exist, so that a batch
	// updates their summary rows with a plain UPDATE. Entries are added
	// only after the transaction that created the row committed, and
	// the cache is cleared whenever Prune deletes a meter row.
	ids   map[string]int64
	order []*meterBatch
	free  []*meterBatch
}

// meterBatch aggregates one meter's readings within a batch.
type meterBatch struct {
	name         string
	id           int64
	isNew        bool // id came from upsertMeter in this batch
	first, last  int64
	n            int64
	lastFieldsAt int // index into writer.ends of the latest reading
	stateAt      int // index of the last reading carrying a state, -1 if none
}

func (w *writer) prepare(ctx context.Context, db *sql.DB) error {
	w.meters = make(map[string]*meterBatch)
	w.ids = make(map[string]int64)
	// OR IGNORE: a reading whose identity is stored already is a no-op
	// (the unique index readings_ident).
	if err := w.readings.prepare(ctx, db, "INSERT OR IGNORE INTO readings (meter_id, t, fields, telegram, ident) VALUES ", 5); err != nil {
		return err
	}
	if err := w.telegrams.prepare(ctx, db, "INSERT INTO telegrams (t, meter, input, outcome, rssi, hex) VALUES ", 6); err != nil {
		return err
	}
	var err error
	// All SET expressions see the row's old values, so last_fields is
	// compared against the old last_t.
	w.upsertMeter, err = db.PrepareContext(ctx, `
INSERT INTO meters (name, first_t, last_t, n, last_fields) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (name) DO UPDATE SET
	first_t = min(first_t, excluded.first_t),
	last_t = max(last_t, excluded.last_t),
	n = n + excluded.n,
	last_fields = CASE WHEN excluded.last_t >= last_t THEN excluded.last_fields ELSE last_fields END
RETURNING id`)
	if err != nil {
		return err
	}
	w.updateMeter, err = db.PrepareContext(ctx, `
UPDATE meters SET
	first_t = min(first_t, ?2),
	last_t = max(last_t, ?3),
	n = n + ?4,
	last_fields = CASE WHEN ?3 >= last_t THEN ?5 ELSE last_fields END
WHERE id = ?1`)
	if err != nil {
		return err
	}
	w.recountMeter, err = db.PrepareContext(ctx, `
UPDATE meters SET
	n = (SELECT count(*) FROM readings WHERE meter_id = ?1),
	first_t = coalesce((SELECT min(t) FROM readings WHERE meter_id = ?1), first_t),
	last_t = coalesce((SELECT max(t) FROM readings WHERE meter_id = ?1), last_t),
	last_fields = coalesce((SELECT fields FROM readings WHERE meter_id = ?1 ORDER BY t DESC, id DESC LIMIT 1), last_fields)
WHERE id = ?1`)
	if err != nil {
		return err
	}
	w.putState, err = db.PrepareContext(ctx, `
INSERT INTO state (kind, meter, value, updated) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (kind, meter) DO UPDATE SET value = excluded.value, updated = excluded.updated`)
	if err != nil {
		return err
	}
	// Telegram ids grow by one per row and rows only leave from the old
	// end, so this keeps exactly the newest ?1 rows.
	w.trimLog, err = db.PrepareContext(ctx, `DELETE FROM telegrams WHERE id <= (SELECT max(id) FROM telegrams) - ?1`)
	return err
}

func (w *writer) close() {
	w.readings.close()
	w.telegrams.close()
	for _, st := range []*sql.Stmt{w.upsertMeter, w.updateMeter, w.recountMeter, w.putState, w.trimLog} {
		if st != nil {
			st.Close()
		}
	}
}

// lockWriter takes the writer mutex, failing if the store is closed.
func (s *Store) lockWriter() error {
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return ErrClosed
	}
	return nil
}

// writeTx runs fn in one write transaction on the writer connection and
// commits. Statements inside run with a context that carries no
// cancellation (the driver would start a watcher goroutine per statement);
// a cancelled ctx still aborts the transaction, through BeginTx and the
// ctx.Err checks in fn.
func (s *Store) writeTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(context.WithoutCancel(ctx), tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := ctx.Err(); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
