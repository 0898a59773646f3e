package gateway

import (
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The store holds each real reading exactly once, whatever happens: a real
// serve process with 100,000 keyed meters is killed with SIGKILL while it
// ingests 300,000 telegrams, restarted on the same data, and sent every
// telegram again. It used to end with 413,909 rows for 300,000 readings
// (exact copies were remembered for 8 telegrams a meter and not across a
// restart, and counters were saved apart from the readings). MW_CRASH_METERS
// changes the fleet size.
func TestCrashAtScaleResendEverything(t *testing.T) {
	meters := envInt("MW_CRASH_METERS", 100000)
	rig := newLoadRig(t, meters, 3)
	dbPath := filepath.Join(rig.dir, "meterwire.db")
	start := func() (*exec.Cmd, string) {
		t.Helper()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			c.Write(rig.lines)
			time.Sleep(5 * time.Minute) // the input stays open; serve is stopped first
		}()
		httpAddr := freeAddr(t)
		cmd := exec.Command(rig.bin, "serve", "-c", rig.config(t, ln.Addr().String(), httpAddr, ""))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, httpAddr
	}
	waitHealth := func(addr, what string, done func(Health) bool) Health {
		t.Helper()
		deadline := time.Now().Add(4 * time.Minute)
		for {
			h, err := health(addr)
			if err == nil && done(h) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (last: %+v, %v)", what, h, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	cmd, addr := start()
	h := waitHealth(addr, "a third decoded", func(h Health) bool { return h.Decoded >= uint64(rig.total/3) })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	t.Logf("killed with SIGKILL after %d of %d telegrams decoded", h.Decoded, rig.total)

	cmd, addr = start()
	waitHealth(addr, "every telegram received again", func(h Health) bool { return h.Received >= uint64(rig.total) })
	cmd.Process.Signal(os.Interrupt) // drains the pipeline into the store
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after the re-send: %v", err)
	}

	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, summed, metersStored int64
	var check string
	if err := db.QueryRow(`SELECT count(*) FROM readings`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT coalesce(sum(n), 0), count(*) FROM meters`).Scan(&summed, &metersStored); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d meters, %d telegrams sent twice around a kill -9: %d readings stored, meter summaries count %d, integrity_check %s", meters, rig.total, rows, summed, check)
	if rows != int64(rig.total) || summed != rows || metersStored != int64(meters) || check != "ok" {
		t.Fatalf("store holds %d readings (summaries %d, %d meters), want exactly %d of %d meters; integrity_check %s", rows, summed, metersStored, rig.total, meters, check)
	}
}
