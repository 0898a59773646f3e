package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve without a configuration runs the demo and says where to look;
// it stops cleanly when asked.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var out, errs syncBuffer
	err := runServe(ctx, &out, &errs, &serveOpts{dataDir: dir, listen: "127.0.0.1:0", every: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	log := errs.String()
	for _, want := range []string{"demo mode", "web UI: http://127.0.0.1:", filepath.Join(dir, "meterwire.db"), "stopped after"} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in:\n%s", want, log)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "meterwire.db")); err != nil {
		t.Error(err)
	}
}

// A configuration error names the file and the line, and serve does not
// start.
func TestServeConfigError(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "meterwire.yaml")
	os.WriteFile(cfg, []byte("inputs:\n  - hex:stdin\nmeters:\n  - id: \"12345678\"\n    key: 0011\n"), 0o600)
	_, errs, code := run(t, "", "serve", "-c", cfg)
	if code == 0 || !strings.Contains(errs, cfg+":5: meters[0].key: key has 4 hex digits, want 32") || strings.Contains(errs, "0011") {
		t.Fatalf("%d %s", code, errs)
	}
}
