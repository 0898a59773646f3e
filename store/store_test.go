package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var ctx = context.Background()

func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "db", "meterwire.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawQuery runs a query on a fresh connection to the store's file.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+escapeURIPath(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func integrityCheck(t testing.TB, path string) {
	t.Helper()
	var res string
	if err := rawDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}

func TestOpenCreatesFileAndDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	var mode string
	if err := s.wdb.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var sync int
	if err := s.wdb.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
		t.Errorf("synchronous = %d, %v; want 1 (NORMAL)", sync, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", suffix, fi.Mode())
		}
	}
	if _, err := s.rdb.Exec("CREATE TABLE x (y)"); err == nil {
		t.Error("reader connection can write")
	}
	if got := s.Path(); got != path {
		t.Errorf("Path() = %q, want %q", got, path)
	}
}

func TestReopenKeepsSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 3; i++ {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var n, v int
		if err := s.rdb.QueryRow("SELECT count(*), max(version) FROM schema_version").Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion || v != SchemaVersion {
			t.Errorf("schema_version rows %d, max %d; want %d", n, v, SchemaVersion)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// fileSnapshot captures a file's bytes and the directory's listing, to
// prove that a rejected Open left everything as it was.
func fileSnapshot(t *testing.T, path string) ([]byte, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return b, names
}

func assertRejected(t *testing.T, path string, want error) {
	t.Helper()
	before, beforeNames := fileSnapshot(t, path)
	fi, _ := os.Stat(path)
	s, err := Open(path, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
	t.Logf("error: %v", err)
	after, afterNames := fileSnapshot(t, path)
	if !bytes.Equal(before, after) {
		t.Error("file content changed")
	}
	if !reflect.DeepEqual(beforeNames, afterNames) {
		t.Errorf("directory changed: %v -> %v", beforeNames, afterNames)
	}
	if fi2, _ := os.Stat(path); !fi2.ModTime().Equal(fi.ModTime()) || fi2.Mode() != fi.Mode() {
		t.Error("file metadata changed")
	}
}

func TestOpenRejectsNonSQLiteFile(t *testing.T) {
	for name, content := range map[string]string{
		"text":  "# meterwire config\nlisten = :8080\n",
		"short": "SQL",
		"json":  `{"readings": []}`,
		"fake":  "SQLite format 3\x00" + string(bytes.Repeat([]byte{0xA5}, 4096)),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.db")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			assertRejected(t, path, ErrNotMeterwire)
		})
	}
}

func TestOpenRejectsOtherApplicationsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE readings (x INTEGER); INSERT INTO readings VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertRejected(t, path, ErrNotMeterwire)

	// Another application that set its own application_id, even without
	// tables, is not ours either.
	path2 := filepath.Join(t.TempDir(), "other2.db")
	db, _ = sql.Open("sqlite", path2)
	if _, err := db.Exec(`PRAGMA application_id = 1234; PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	assertRejected(t, path2, ErrNotMeterwire)
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.Exec("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	assertRejected(t, path, ErrSchemaTooNew)
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird #dir%20", "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Add(ctx, []Reading{{Meter: "m", Time: time.Unix(1, 0), Fields: map[string]any{"a": 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestClosed(t *testing.T) {
	s := openTemp(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Add(ctx, []Reading{{Meter: "m", Time: time.Now()}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	if _, err := s.Readings(ctx, "m", time.Time{}, time.Time{}, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Readings after Close: %v", err)
	}
	if err := s.PutState(ctx, "m", "fcnt", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("PutState after Close: %v", err)
	}
}

func TestStatePersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "m1", StateFrameCounter, []byte{0, 0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "m1", StateFrameCounter, []byte{0, 0, 1, 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStates(ctx, []StateEntry{
		{Meter: "m2", Kind: StateFrameCounter, Value: []byte{9}},
		{Meter: "m1", Kind: StateSignature, Value: []byte("sig\x00\xff")},
		{Meter: "m3", Kind: StateSignature, Value: nil},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "m", "", nil); err == nil {
		t.Error("PutState with empty kind succeeded")
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, ok, err := s.State(ctx, "m1", StateFrameCounter)
	if err != nil || !ok || !bytes.Equal(v, []byte{0, 0, 1, 3}) {
		t.Errorf("State(m1, fcnt) = %x, %v, %v", v, ok, err)
	}
	v, ok, err = s.State(ctx, "m3", StateSignature)
	if err != nil || !ok || v == nil || len(v) != 0 {
		t.Errorf("State(m3, signature) = %#v, %v, %v; want empty, true", v, ok, err)
	}
	if v, ok, err := s.State(ctx, "nope", StateFrameCounter); err != nil || ok || v != nil {
		t.Errorf("State(nope) = %x, %v, %v", v, ok, err)
	}
	all, err := s.AllState(ctx, StateFrameCounter)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"m1": {0, 0, 1, 3}, "m2": {9}}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("AllState(fcnt) = %v, want %v", all, want)
	}
	sigs, err := s.AllState(ctx, StateSignature)
	if err != nil || len(sigs) != 2 || string(sigs["m1"]) != "sig\x00\xff" {
		t.Errorf("AllState(signature) = %q, %v", sigs, err)
	}
}
