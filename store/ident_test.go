package store

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// A batch written twice (a crash before the caller learnt it committed, or
// a re-sent capture) stores each identified reading once, and the meter's
// summary counts each once.
func TestAddIdempotentByID(t *testing.T) {
	s := openTemp(t, Options{})
	batch := func(from, to int) []Reading {
		var out []Reading
		for i := from; i < to; i++ {
			out = append(out, Reading{Meter: "water", Time: t0.Add(time.Duration(i) * time.Minute), ID: int64(1000 + i), Fields: map[string]any{"total_m3": float64(i)}})
		}
		return out
	}
	if err := s.Add(ctx, batch(0, 100)); err != nil {
		t.Fatal(err)
	}
	// Again, overlapping, and with repeats inside one batch.
	again := append(batch(50, 150), batch(140, 150)...)
	if err := s.Add(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err := s.Readings(ctx, "water", time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Fatalf("%d readings stored, want 150", len(got))
	}
	ms, err := s.Meters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Count != 150 || !ms[0].First.Equal(t0) || !ms[0].Last.Equal(t0.Add(149*time.Minute)) || ms[0].Fields["total_m3"] != 149.0 {
		t.Fatalf("summary %+v", ms)
	}
	// An older duplicate alone leaves the newest fields in place.
	if err := s.Add(ctx, batch(3, 4)); err != nil {
		t.Fatal(err)
	}
	ms, _ = s.Meters(ctx)
	if ms[0].Count != 150 || ms[0].Fields["total_m3"] != 149.0 {
		t.Fatalf("summary after an old duplicate %+v", ms[0])
	}
	// Readings without an identity are always stored; the same ID under
	// another meter is another reading.
	if err := s.Add(ctx, []Reading{{Meter: "water", Time: t0, Fields: map[string]any{}}, {Meter: "water", Time: t0, Fields: map[string]any{}}, {Meter: "gas", Time: t0, ID: 1000, Fields: map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	ms, _ = s.Meters(ctx)
	if len(ms) != 2 || ms[0].Meter != "gas" || ms[0].Count != 1 || ms[1].Count != 152 {
		t.Fatalf("summaries %+v", ms)
	}
}

// The state carried by readings is written in their transaction: the last
// reading of each meter in a batch wins, and a failed batch writes neither.
func TestAddWritesStateWithReadings(t *testing.T) {
	s := openTemp(t, Options{})
	rs := []Reading{
		{Meter: "a", Time: t0, ID: 1, Fields: map[string]any{}, StateKind: "guard", State: []byte{1}},
		{Meter: "b", Time: t0, ID: 1, Fields: map[string]any{}, StateKind: "guard", State: []byte{7}},
		{Meter: "a", Time: t0.Add(time.Second), ID: 2, Fields: map[string]any{}, StateKind: "guard", State: []byte{2}},
		{Meter: "a", Time: t0.Add(2 * time.Second), ID: 3, Fields: map[string]any{}},
	}
	if err := s.Add(ctx, rs); err != nil {
		t.Fatal(err)
	}
	all, err := s.AllState(ctx, "guard")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || string(all["a"]) != "\x02" || string(all["b"]) != "\x07" {
		t.Fatalf("state %q", all)
	}
	bad := []Reading{
		{Meter: "a", Time: t0.Add(3 * time.Second), ID: 4, Fields: map[string]any{}, StateKind: "guard", State: []byte{4}},
		{Meter: "a", Time: t0.Add(4 * time.Second), ID: 5, Fields: map[string]any{"x": make(chan int)}},
	}
	if err := s.Add(ctx, bad); err == nil {
		t.Fatal("a batch with an unencodable field was accepted")
	}
	if v, _, _ := s.State(ctx, "a", "guard"); string(v) != "\x02" {
		t.Fatalf("state after a failed batch %q", v)
	}
}

// A database of schema version 1 (readings without identities) is
// migrated: its rows stay, and identities work from then on.
func TestMigrateToIdentities(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", "file:"+escapeURIPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_version VALUES (1, 0); PRAGMA application_id = 1297568305; -- ApplicationID
		INSERT INTO meters (id, name, first_t, last_t, n, last_fields) VALUES (1, 'water', 0, 0, 1, '{}');
		INSERT INTO readings (meter_id, t, fields) VALUES (1, 0, '{}');`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		if err := s.Add(ctx, []Reading{{Meter: "water", Time: t0, ID: 9, Fields: map[string]any{}}}); err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := s.Meters(ctx)
	if len(ms) != 1 || ms[0].Count != 2 {
		t.Fatalf("after migration: %+v", ms)
	}
}
