package store

import (
	"context"
	"database/sql"
)

// readStmts are the statements prepared on the read-only pool; database/sql
// prepares each lazily once per connection.
type readStmts struct {
	readings  *sql.Stmt
	span      *sql.Stmt
	series    *sql.Stmt
	meters    *sql.Stmt
	oldMeters *sql.Stmt
	state     *sql.Stmt
	allState  *sql.Stmt
	telegrams *sql.Stmt
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&r.readings, `SELECT t, fields, telegram FROM readings
			WHERE meter_id = (SELECT id FROM meters WHERE name = ?1) AND t >= ?2 AND t < ?3
			ORDER BY t, id LIMIT ?4`},
		{&r.span, `SELECT min(t), max(t) FROM readings
			WHERE meter_id = (SELECT id FROM meters WHERE name = ?1) AND t >= ?2 AND t < ?3`},
		{&r.series, `SELECT t, json_extract(fields, ?4) FROM readings
			WHERE meter_id = (SELECT id FROM meters WHERE name = ?1) AND t >= ?2 AND t < ?3
			AND json_type(fields, ?4) IN ('integer', 'real')
			ORDER BY t, id`},
		{&r.meters, `SELECT name, first_t, last_t, n, last_fields FROM meters ORDER BY name`},
		{&r.oldMeters, `SELECT id FROM meters WHERE first_t < ?1 ORDER BY id`},
		{&r.state, `SELECT value FROM state WHERE kind = ?1 AND meter = ?2`},
		{&r.allState, `SELECT meter, value FROM state WHERE kind = ?1`},
		{&r.telegrams, `SELECT t, meter, input, outcome, rssi, hex FROM telegrams
			WHERE (?1 = '' OR meter = ?1) AND (?2 = '' OR outcome = ?2)
			ORDER BY id DESC LIMIT ?3`},
	} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return err
		}
		*p.st = st
	}
	return nil
}

func (r *readStmts) close() {
	for _, st := range []*sql.Stmt{r.readings, r.span, r.series, r.meters, r.oldMeters, r.state, r.allState, r.telegrams} {
		if st != nil {
			st.Close()
		}
	}
}
