package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve -c FILE --data-dir DIR: the flag wins over the configuration's
// data_dir (it used to be ignored), and a second serve on the same
// directory refuses to start instead of sharing the store.
func TestServeDataDirFlagAndLock(t *testing.T) {
	base := t.TempDir()
	configured, flag := filepath.Join(base, "configured"), filepath.Join(base, "flag")
	cfg := filepath.Join(base, "meterwire.yaml")
	hexFile := filepath.Join(base, "in.hex")
	os.WriteFile(hexFile, nil, 0o600)
	os.WriteFile(cfg, []byte("data_dir: "+configured+"\ninputs:\n  - hex:"+hexFile+"\nhttp: {listen: \"127.0.0.1:0\"}\n"), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, &out, &errs, &serveOpts{config: cfg, dataDir: flag}) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errs.String(), "web UI:") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", errs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(flag, "meterwire.db")); err != nil {
		t.Errorf("no store under --data-dir: %v\n%s", err, errs.String())
	}
	if _, err := os.Stat(filepath.Join(configured, "meterwire.db")); err == nil {
		t.Error("the store went to the configured data_dir despite --data-dir")
	}

	var errs2 syncBuffer
	err := runServe(context.Background(), &out, &errs2, &serveOpts{config: cfg, dataDir: flag})
	if err == nil || !strings.Contains(err.Error(), "in use by another process (pid ") || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("second serve on the same directory: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once the first stopped, the directory is free again.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel2()
	if err := runServe(ctx2, &out, &errs2, &serveOpts{config: cfg, dataDir: flag}); err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
}
