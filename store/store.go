// Package store is the gateway's embedded history: every decoded reading,
// the per-meter state that must survive a restart (frame counters,
// compact-frame signatures) and a capped log of recent telegrams, kept in a
// single SQLite file through modernc.org/sqlite (pure Go, no cgo).
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL. A commit appends
// the transaction's pages to the -wal file with write(2) before the write
// call returns; the file is only fsynced at checkpoints. Data handed to
// write(2) lives in the kernel's page cache, which belongs to the operating
// system and not to the process, so a process crash or kill -9 after a write
// call returned loses nothing: the next Open replays the WAL. What
// synchronous=NORMAL gives up is durability of the last few transactions on
// power loss or an operating-system crash; even then the database stays
// consistent (WAL frames carry checksums, and a torn tail is discarded).
// That trade buys the write rate the gateway needs, since an fsync per batch
// would dominate ingest.
//
// # Concurrency
//
// A Store is safe for concurrent use. SQLite allows one writer at a time, so
// the Store has a single writer connection guarded by a mutex (Add,
// AddTelegrams, PutState, PutStates and Prune queue on it; Prune works in
// short transactions so ingest is not held up) and a pool of read-only
// connections (Options.ReadConns). In WAL mode readers never block the
// writer and the writer never blocks readers; every read call sees the
// database as of a committed transaction, and a batch written by Add is
// visible all at once or not at all.
//
// One Store should own a database file. Other processes may read it (an
// sqlite3 shell, a backup) but should not write to it while the Store is
// open: the Store caches meter row ids.
//
// # Time ranges
//
// All range queries take from (inclusive) and to (exclusive): a reading at
// exactly from is included, one at exactly to is not, so adjacent ranges
// never overlap. A zero from or to leaves that end open. Times are stored as
// Unix nanoseconds and returned in UTC; readings must lie between the years
// 1678 and 2262.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// ApplicationID is the value of SQLite's application_id header field in a
// meterwire database ("MWR1"). It is how Open tells a meterwire database
// from another program's SQLite file.
const ApplicationID = 0x4D575231

// Defaults used when an Options field is zero.
const (
	// DefaultBusyTimeout is the default Options.BusyTimeout.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultTelegramLogSize is the default Options.TelegramLogSize.
	DefaultTelegramLogSize = 10000
	// DefaultReadConns is the default Options.ReadConns.
	DefaultReadConns = 4
)

var (
	// ErrNotMeterwire is returned by Open when the file exists but is not a
	// meterwire database: not SQLite at all, or another application's
	// schema. The file is left untouched.
	ErrNotMeterwire = errors.New("not a meterwire database")

	// ErrSchemaTooNew is returned by Open when the database was written by
	// a newer meterwire whose schema this build does not understand. The
	// file is left untouched.
	ErrSchemaTooNew = errors.New("database schema is newer than this build of meterwire")

	// ErrClosed is returned by calls on a closed Store.
	ErrClosed = errors.New("store: closed")
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// process (for example an sqlite3 shell) before failing. Default 5s.
	BusyTimeout time.Duration

	// TelegramLogSize is how many of the most recent telegrams the
	// telegram log keeps. Zero means DefaultTelegramLogSize; a negative
	// value disables the log (AddTelegrams does nothing).
	TelegramLogSize int

	// ReadConns is the number of read-only connections serving queries
	// concurrently with the writer. Default 4.
	ReadConns int
}

// Store is an open meterwire database. See the package documentation for
// its durability and concurrency guarantees.
type Store struct {
	path   string
	opts   Options
	closed atomic.Bool

	wmu sync.Mutex // guards the writer connection, its statements and scratch space
	wdb *sql.DB    // exactly one connection
	w   writer

	rdb *sql.DB // read-only connections
	r   readStmts
}

// Open opens the database at path, creating it (and its parent directory,
// mode 0700; the file gets mode 0600) if it does not exist, and migrates its
// schema to the version this build uses. An existing file that is not a
// meterwire database yields an error wrapping ErrNotMeterwire, one written
// by a newer build an error wrapping ErrSchemaTooNew; in both cases the file
// is not modified.
func Open(path string, opts Options) (*Store, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.TelegramLogSize == 0 {
		opts.TelegramLogSize = DefaultTelegramLogSize
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = DefaultReadConns
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := prepareFile(abs); err != nil {
		return nil, err
	}

	s := &Store{path: abs, opts: opts}
	base := "file:" + escapeURIPath(abs) + "?_pragma=" + url.QueryEscape(fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())) + "&_pragma=temp_store(MEMORY)"

	// The writer: one connection, BEGIN IMMEDIATE so a write transaction
	// takes the lock up front instead of failing on upgrade. mode=rw: the
	// file was created above with the right permissions, SQLite must not
	// create it. Nothing here changes the file before checkSchema approved.
	s.wdb, err = sql.Open("sqlite", base+"&mode=rw&_txlock=immediate"+
		"&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)

	ctx := context.Background()
	if err := s.initSchema(ctx); err != nil {
		s.wdb.Close()
		return nil, err
	}
	if err := s.w.prepare(ctx, s.wdb); err != nil {
		s.w.close()
		s.wdb.Close()
		return nil, fmt.Errorf("store: %w", err)
	}

	s.rdb, err = sql.Open("sqlite", base+"&mode=ro")
	if err == nil {
		s.rdb.SetMaxOpenConns(opts.ReadConns)
		s.rdb.SetMaxIdleConns(opts.ReadConns)
		err = s.r.prepare(ctx, s.rdb)
	}
	if err != nil {
		if s.rdb != nil {
			s.r.close()
			s.rdb.Close()
		}
		s.w.close()
		s.wdb.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return s, nil
}

// Path reports the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close waits for running calls to finish and closes the database. The last
// connection to close checkpoints the WAL into the main file. Calls after
// Close return ErrClosed.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	s.r.close()
	err := s.rdb.Close()
	// Let SQLite refresh its planner statistics if they are stale; cheap,
	// and best effort.
	s.wdb.Exec("PRAGMA optimize")
	s.w.close()
	if e := s.wdb.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

const sqliteMagic = "SQLite format 3\x00"

// prepareFile creates path with mode 0600 if it does not exist, and rejects
// an existing non-empty file whose header is not SQLite's before SQLite
// ever opens it.
func prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	hdr := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, hdr)
	switch {
	case n == 0 && (err == io.EOF):
		return nil // new or empty file
	case err != nil && err != io.ErrUnexpectedEOF:
		return fmt.Errorf("store: %w", err)
	case string(hdr[:n]) != sqliteMagic:
		return fmt.Errorf("store: %s: %w (not an SQLite file)", path, ErrNotMeterwire)
	}
	return nil
}

// escapeURIPath escapes the characters that end or alter the path part of
// an SQLite file: URI.
func escapeURIPath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(filepath.ToSlash(p))
}

// fromNsec converts a stored time back, in UTC.
func fromNsec(n int64) time.Time { return time.Unix(0, n).UTC() }

var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// validTime reports whether t can be stored (Unix nanoseconds fit int64).
func validTime(t time.Time) bool {
	return !t.IsZero() && !t.Before(minTime) && !t.After(maxTime)
}

// rangeNsec maps a [from, to) range to stored bounds; zero ends are open.
func rangeNsec(from, to time.Time) (int64, int64) {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		switch {
		case from.Before(minTime):
		case from.After(maxTime):
			lo = hi
		default:
			lo = from.UnixNano()
		}
	}
	if !to.IsZero() {
		switch {
		case to.Before(minTime):
			hi = lo
		case to.After(maxTime):
		default:
			hi = to.UnixNano()
		}
	}
	return lo, hi
}
