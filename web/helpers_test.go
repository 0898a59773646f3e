package web

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/gateway"
	"github.com/meterwire/meterwire/pipeline"
)

// testGW is a demo gateway serving the UI on a loopback port.
type testGW struct {
	g    *gateway.Gateway
	ui   *Server
	base string
	stop func() error
	// secrets are the hex forms of every key in play; no answer may
	// contain one.
	secrets []string
}

// startGateway runs a demo gateway (fleet in t.TempDir(), fast
// transmissions, a few hours of history) with this package's routes and
// sink on 127.0.0.1:0. edit may change the configuration before start.
func startGateway(t testing.TB, edit func(*config.Config)) *testGW {
	t.Helper()
	return startGatewayOpt(t, Options{Heartbeat: 200 * time.Millisecond}, edit)
}

// startGatewayOpt is startGateway with the UI's options.
func startGatewayOpt(t testing.TB, opt Options, edit func(*config.Config)) *testGW {
	t.Helper()
	cfg, demo := gateway.DemoConfig(t.TempDir())
	cfg.HTTP.Listen = "127.0.0.1:0"
	demo.Every, demo.Backfill = 150*time.Millisecond, 6*time.Hour
	tg := &testGW{}
	for _, m := range cfg.Meters {
		tg.addSecret(m.Key)
		tg.addSecret(m.AK)
	}
	if edit != nil {
		edit(cfg)
	}
	tg.ui = New(opt)
	g, err := gateway.New(cfg, gateway.Options{Demo: demo, Log: testLog{t}, Sinks: []pipeline.Sink{tg.ui.Sink()}, Routes: tg.ui.Routes, SilentCheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tg.g = g
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- g.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for g.Addr() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g.Addr() == "" {
		cancel()
		t.Fatal("gateway does not listen")
	}
	tg.base = "http://" + g.Addr()
	stopped := false
	tg.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("gateway did not stop")
		}
	}
	t.Cleanup(func() { tg.stop() })
	return tg
}

func (tg *testGW) addSecret(k []byte) {
	if len(k) == 0 {
		return
	}
	h := hex.EncodeToString(k)
	tg.secrets = append(tg.secrets, strings.ToLower(h))
}

// do sends a request and returns status and body, failing the test if
// the body contains key material.
func (tg *testGW) do(t testing.TB, method, path, ctype, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, tg.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	tg.noSecrets(t, method+" "+path, string(b))
	return resp.StatusCode, string(b), resp.Header
}

func (tg *testGW) get(t testing.TB, path string, header ...string) (int, string) {
	t.Helper()
	code, body, _ := tg.do(t, "GET", path, "", "", header...)
	return code, body
}

func (tg *testGW) noSecrets(t testing.TB, what, body string) {
	t.Helper()
	low := strings.ToLower(body)
	for _, s := range tg.secrets {
		if strings.Contains(low, s) {
			t.Fatalf("%s: the answer contains a key", what)
		}
	}
}

type testLog struct{ t testing.TB }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
