package gateway

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/store"
)

// smallFS mounts a tmpfs of size bytes for the test (root, as in CI); ok is
// false where mounting is not allowed.
func smallFS(t *testing.T, size string) (dir string, ok bool) {
	dir = t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("no tmpfs (%v: %s): the disk is simulated", err, strings.TrimSpace(string(out)))
		return dir, false
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, true
}

// fill leaves about left bytes free on the file system of dir (or, where it
// is simulated, reports that much) and returns the undo.
func fill(t *testing.T, dir string, real bool, left int64) func() {
	t.Helper()
	filler := filepath.Join(dir, "filler")
	if !real {
		freeSpace = func(string) (int64, error) { return left, nil }
		return func() { freeSpace = func(string) (int64, error) { return 1 << 40, nil } }
	}
	free, err := diskFree(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<16)
	for n := free - left; n > 0; n -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), n)]); err != nil {
			break // full: what we wanted
		}
	}
	f.Close()
	return func() { os.Remove(filler) }
}

func storedReadings(t *testing.T, path string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	var check string
	if err := db.QueryRow("SELECT count(*) FROM readings").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %s %v", check, err)
	}
	return n
}

// Below store.min_free the gateway pauses ingest with a clear message
// (health "failing", ingest_paused) before SQLite hits "disk full", and
// resumes when space is freed; every reading it received is stored.
func TestDiskGuardPausesIngest(t *testing.T) {
	dir, real := smallFS(t, "24m")
	defer func(f func(string) (int64, error)) { freeSpace = f }(freeSpace)
	var committed syncCount
	g, stop := startDemo(t, dir, func(c *config.Config, d *Demo, o *Options) {
		d.Backfill, d.Every = -1, 20*time.Millisecond
		c.Store.MinFree = 8 << 20
		o.DiskCheck = 20 * time.Millisecond
		o.Committed = committed.add
	})
	waitFor(t, "readings stored", func() bool { return committed.get() > 20 })
	undo := fill(t, dir, real, 4<<20)
	waitFor(t, "ingest paused", func() bool { return g.Health().Paused != "" })
	h := g.Health()
	if h.Status != "failing" || !strings.Contains(strings.Join(h.Problems, "; "), "below store.min_free (8.4 MB): free some space") {
		t.Fatalf("health while paused: %s %q", h.Status, h.Problems)
	}
	// Nothing new enters; what was queued is decoded and stored.
	var before uint64
	waitFor(t, "the pipeline to settle", func() bool {
		n := g.Pipeline().Stats().Received
		settled := n == before
		before = n
		time.Sleep(100 * time.Millisecond)
		return settled
	})
	time.Sleep(200 * time.Millisecond)
	if n := g.Pipeline().Stats().Received; n != before {
		t.Fatalf("telegrams still taken in while paused: %d -> %d", before, n)
	}
	undo()
	waitFor(t, "ingest resumed", func() bool { return g.Health().Paused == "" && g.Pipeline().Stats().Received > before+10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	decoded := g.Pipeline().Stats().Count(pipeline.Decoded)
	if n := storedReadings(t, filepath.Join(dir, "meterwire.db")); uint64(n) != decoded {
		t.Fatalf("%d readings stored of %d decoded", n, decoded)
	}
}

// With the guard off, SQLite does hit "disk full": health says the store
// is failing (it used to say ok), the batch is retried, and once space is
// freed every reading is stored, nothing lost and the file intact.
func TestDiskFullHealthAndRecovery(t *testing.T) {
	dir, real := smallFS(t, "24m")
	if !real {
		t.Skip("needs a small real file system (tmpfs) to run out of space")
	}
	var committed syncCount
	g, stop := startDemo(t, dir, func(c *config.Config, d *Demo, o *Options) {
		d.Backfill, d.Every = -1, 20*time.Millisecond
		c.Store.MinFree = -1
		o.Committed = committed.add
	})
	waitFor(t, "readings stored", func() bool { return committed.get() > 20 })
	if h := g.Health(); h.Status != "ok" {
		t.Fatalf("health before: %s %q", h.Status, h.Problems)
	}
	undo := fill(t, dir, real, 0)
	waitFor(t, "health failing", func() bool { return g.Health().Status == "failing" })
	h := g.Health()
	if p := strings.Join(h.Problems, "; "); !strings.Contains(p, "sink store failing since") {
		t.Fatalf("problems: %q", p)
	}
	undo()
	waitFor(t, "the store writing again", func() bool { return g.Health().Status == "ok" })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	decoded := g.Pipeline().Stats().Count(pipeline.Decoded)
	if n := storedReadings(t, filepath.Join(dir, "meterwire.db")); uint64(n) != decoded {
		t.Fatalf("%d readings stored of %d decoded", n, decoded)
	}
}

// A fresh demo is healthy from its first second (it said "degraded", with
// every meter silent, while its backfilled history was the newest it had
// heard), and a failing sink makes it degraded, by name.
func TestHealthAtStartAndFailingSink(t *testing.T) {
	var fail syncCount
	g, _ := startDemo(t, t.TempDir(), func(c *config.Config, d *Demo, o *Options) {
		d.Backfill = 2 * time.Hour
		o.Sinks = append(o.Sinks, failingSink{&fail})
	})
	waitFor(t, "the backfill and live telegrams", func() bool { return g.Pipeline().Stats().Received > 60 })
	if h := g.Health(); h.Status != "ok" || len(h.Silent) != 0 {
		t.Fatalf("fresh demo: %s %q silent %q", h.Status, h.Problems, h.Silent)
	}
	fail.add(nil)
	waitFor(t, "degraded", func() bool { return g.Health().Status == "degraded" })
	if p := strings.Join(g.Health().Problems, "; "); !strings.Contains(p, "sink flaky failing since") || !strings.Contains(p, "broker away") {
		t.Fatalf("problems: %q", p)
	}
	fail.n.Store(0)
	waitFor(t, "ok again", func() bool { return g.Health().Status == "ok" })
}

// syncCount counts committed readings (Options.Committed), or holds a
// switch for failingSink.
type syncCount struct{ n atomic.Int64 }

func (c *syncCount) add(rs []store.Reading) { c.n.Add(int64(max(len(rs), 1))) }
func (c *syncCount) get() int64             { return c.n.Load() }

// failingSink fails its writes while its switch is on.
type failingSink struct{ on *syncCount }

func (failingSink) Name() string { return "flaky" }
func (f failingSink) Write(context.Context, []pipeline.Event) error {
	if f.on.get() > 0 {
		return errors.New("broker away")
	}
	return nil
}
