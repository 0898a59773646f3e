package gateway

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// freeSpace is diskFree (a variable for tests that cannot mount a small
// file system).
var freeSpace = diskFree

// diskDirs are the directories whose file systems the disk guard watches:
// the store's and the MQTT queue's.
func (g *Gateway) diskDirs() []string {
	var dirs []string
	if !g.cfg.Store.Disabled {
		dirs = append(dirs, filepath.Dir(g.cfg.Store.Path))
	}
	if m := g.cfg.Sinks.MQTT; m != nil && m.QueueDir != "" {
		dirs = append(dirs, m.QueueDir)
	}
	return dirs
}

// diskGuard pauses ingest while a watched file system has less than
// store.min_free available, before SQLite fails with "disk full" (which
// would stop the store sink with readings queued in memory), and resumes
// it once there is a tenth more than that again. While paused, the
// receivers are held (backpressure); what is queued is still written.
func (g *Gateway) diskGuard(ctx context.Context) {
	limit := g.cfg.Store.MinFree
	dirs := g.diskDirs()
	if limit <= 0 || len(dirs) == 0 {
		return
	}
	t := time.NewTicker(g.opt.DiskCheck)
	defer t.Stop()
	for {
		low, lowDir, lowFree := false, "", int64(0)
		resume := true
		for _, d := range dirs {
			free, err := freeSpace(existing(d))
			if err != nil {
				continue
			}
			if free < limit {
				low, lowDir, lowFree = true, d, free
			}
			if free < limit+limit/10 {
				resume = false
			}
		}
		switch paused := g.pipe.Paused() != ""; {
		case low:
			reason := fmt.Sprintf("only %s free on the file system of %s, below store.min_free (%s): free some space (or lower store.min_free); readings already received are kept and ingest resumes by itself", mb(lowFree), lowDir, mb(limit))
			if !paused {
				g.logf("disk: %s", reason)
			}
			g.pipe.Pause(reason)
		case paused && resume:
			g.pipe.Resume()
			g.logf("disk: space available again; ingest resumed")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// existing returns dir, or its nearest existing parent (the MQTT queue's
// directory appears with the first message).
func existing(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
