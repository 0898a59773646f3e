package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// migrations[i] brings the schema from version i to version i+1. Each runs
// in one transaction together with the schema_version row that records it.
// Never edit a released migration; append a new one.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE schema_version (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL -- Unix ns
);

-- One row per meter, maintained by Add and Prune so that Meters needs no
-- scan of the readings.
CREATE TABLE meters (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	first_t     INTEGER NOT NULL,
	last_t      INTEGER NOT NULL,
	n           INTEGER NOT NULL,
	last_fields TEXT NOT NULL
);

-- One row per reading; fields is a JSON object.
CREATE TABLE readings (
	id       INTEGER PRIMARY KEY,
	meter_id INTEGER NOT NULL,
	t        INTEGER NOT NULL, -- Unix ns
	fields   TEXT NOT NULL,
	telegram TEXT
);
CREATE INDEX readings_meter_t ON readings (meter_id, t);

CREATE TABLE state (
	kind    TEXT NOT NULL,
	meter   TEXT NOT NULL,
	value   BLOB NOT NULL,
	updated INTEGER NOT NULL, -- Unix ns
	PRIMARY KEY (kind, meter)
) WITHOUT ROWID;

CREATE TABLE telegrams (
	id      INTEGER PRIMARY KEY,
	t       INTEGER NOT NULL, -- Unix ns
	meter   TEXT NOT NULL,
	input   TEXT NOT NULL,
	outcome TEXT NOT NULL,
	rssi    INTEGER,
	hex     TEXT NOT NULL
);
`,
	// 2: reading identities. A reading carries its identity within its
	// meter (a hash of the telegram, or the AFL/DLMS counter); the same
	// identity is stored at most once, whatever crash or re-send happens.
	// Rows written before have none (NULL is never a conflict).
	`
ALTER TABLE readings ADD COLUMN ident INTEGER;
CREATE UNIQUE INDEX readings_ident ON readings (meter_id, ident) WHERE ident IS NOT NULL;
`,
}

// SchemaVersion is the schema version this build writes; it equals
// len(migrations).
const SchemaVersion = 2

// initSchema checks that the file is empty or a meterwire database this
// build understands, and only then switches it to WAL and migrates it.
func (s *Store) initSchema(ctx context.Context) error {
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer conn.Close()

	version, err := s.currentVersion(ctx, conn)
	if err != nil {
		return err
	}
	if version > SchemaVersion {
		return fmt.Errorf("store: %s: %w (schema version %d, this build knows up to %d)", s.path, ErrSchemaTooNew, version, SchemaVersion)
	}

	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.openErr(err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: %s: cannot enable WAL mode (journal_mode is %q)", s.path, mode)
	}

	for v := version; v < SchemaVersion; v++ {
		if err := s.migrate(ctx, conn, v); err != nil {
			return err
		}
	}
	return nil
}

// currentVersion reads the schema version without writing anything. An
// empty database is version 0.
func (s *Store) currentVersion(ctx context.Context, conn *sql.Conn) (int, error) {
	var appID, objects int
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, s.openErr(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return 0, s.openErr(err)
	}
	if appID != ApplicationID {
		if appID != 0 || objects > 0 {
			return 0, fmt.Errorf("store: %s: %w (it is an SQLite database of another application: application_id %#x, %d schema objects)", s.path, ErrNotMeterwire, uint32(appID), objects)
		}
		return 0, nil
	}
	var version sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&version); err != nil {
		return 0, fmt.Errorf("store: %s: %w (meterwire application id but no readable schema_version table: %v)", s.path, ErrNotMeterwire, err)
	}
	return int(version.Int64), nil
}

func (s *Store) migrate(ctx context.Context, conn *sql.Conn, from int) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.openErr(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, migrations[from]); err != nil {
		return fmt.Errorf("store: %s: migration to schema version %d: %w", s.path, from+1, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", from+1, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("store: %s: migration to schema version %d: %w", s.path, from+1, err)
	}
	if from == 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("store: %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: migration to schema version %d: %w", s.path, from+1, err)
	}
	return nil
}

// openErr wraps an error from the first statements on a file, turning
// SQLite's "not a database" into ErrNotMeterwire.
func (s *Store) openErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("store: %s: %w (not an SQLite file: %v)", s.path, ErrNotMeterwire, err)
	}
	return fmt.Errorf("store: %s: %w", s.path, err)
}
