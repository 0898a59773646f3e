// Package gateway is `meterwire serve`: it runs the configured inputs (or,
// in demo mode, the simulated meter fleet), the decode pipeline, the sinks
// (embedded store, MQTT with Home Assistant discovery, JSON lines,
// Prometheus metrics) and the HTTP server, and shuts them down in order so
// that nothing acknowledged is lost.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/broker"
	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/internal/lockfile"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/radio/receiver"
	"github.com/meterwire/meterwire/sink/history"
	"github.com/meterwire/meterwire/sink/jsonl"
	"github.com/meterwire/meterwire/sink/metrics"
	"github.com/meterwire/meterwire/sink/mqtt"
	"github.com/meterwire/meterwire/store"
)

// Options tune a gateway beyond its configuration.
type Options struct {
	// Demo feeds the pipeline from the simulated fleet (see Demo).
	Demo *Demo
	// Stdout receives readings as JSON lines when the configuration
	// enables the stdout sink.
	Stdout io.Writer
	// Log receives console messages (nil: discarded).
	Log io.Writer
	// Routes, when set, adds handlers (web UI, API) to the HTTP server.
	Routes func(mux *http.ServeMux, g *Gateway)
	// Sinks are extra sinks (tests, embedding programs).
	Sinks []pipeline.Sink
	// SilentCheck is how often silent meters are looked for (default 30 s).
	SilentCheck time.Duration
	// Committed, when set, is told about every batch of readings the store
	// committed.
	Committed func([]store.Reading)
	// Version is meterwire's version (announced to Home Assistant).
	Version string
	// Pprof serves Go's profiler under /debug/pprof/ (behind the token).
	Pprof bool
	// HealthGrace is how long after the start inputs may take to connect
	// before health counts them as down (default 30 s).
	HealthGrace time.Duration
	// DiskCheck is how often free disk space is checked (default 5 s).
	DiskCheck time.Duration
}

// Gateway is one running `meterwire serve`.
type Gateway struct {
	cfg     *config.Config
	opt     Options
	store   *store.Store
	pipe    *pipeline.Pipeline
	metrics *metrics.Metrics
	broker  *broker.Broker // embedded MQTT broker, nil if none
	locks   []*lockfile.Lock
	started time.Time

	mu     sync.Mutex
	inputs []*input
	ln     net.Listener
	srv    *http.Server
	closes []func()
}

// input is one running input: a receiver, or the demo fleet.
type input struct {
	name string
	rx   *receiver.Receiver // nil for the demo
	demo *demoState
}

// New checks the configuration and opens the store; Run starts the rest.
func New(cfg *config.Config, opt Options) (*Gateway, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.SilentCheck <= 0 {
		opt.SilentCheck = 30 * time.Second
	}
	if opt.HealthGrace <= 0 {
		opt.HealthGrace = 30 * time.Second
	}
	if opt.DiskCheck <= 0 {
		opt.DiskCheck = 5 * time.Second
	}
	g := &Gateway{cfg: cfg, opt: opt, started: time.Now()}
	if len(cfg.Inputs) == 0 && opt.Demo == nil {
		return nil, errors.New("no inputs configured: add an inputs: section (see meterwire serve --help), or run without -c for the demo")
	}
	if err := g.lock(); err != nil {
		return nil, err
	}
	if !cfg.Store.Disabled {
		st, err := store.Open(cfg.Store.Path, store.Options{})
		if err != nil {
			g.closeStore()
			return nil, fmt.Errorf("store: %w", err)
		}
		g.store = st
	}
	var state pipeline.StateStore
	if g.store != nil {
		state = storeState{g.store}
	}
	p, err := pipeline.New(pipeline.Options{Meters: cfg.Meters, DedupWindow: cfg.Pipeline.DedupWindow, QueueSize: cfg.Pipeline.QueueSize, ReplayReset: cfg.Pipeline.ReplayReset, State: state, Logf: g.logf})
	if err != nil {
		g.closeStore()
		return nil, err
	}
	g.pipe = p
	expect := map[string]time.Duration{}
	for _, m := range cfg.Meters {
		if m.ExpectEvery > 0 {
			expect[m.Name] = m.ExpectEvery
		}
	}
	g.metrics = metrics.New(metrics.Options{Inputs: g.inputStates, Expect: expect, Unknown: func() int { return len(g.pipe.Unknown()) }})
	if g.store != nil {
		h := history.New(g.store)
		h.Committed = opt.Committed
		p.AddSink(h)
	}
	p.AddSink(g.metrics)
	if cfg.Sinks.Stdout && opt.Stdout != nil {
		p.AddSink(jsonl.New(opt.Stdout, false))
	}
	if cfg.Broker != nil {
		b, err := broker.Start(cfg.Broker.Listen)
		if err != nil {
			g.closeStore()
			return nil, err
		}
		g.broker = b
	}
	if cfg.Sinks.MQTT != nil {
		ms, err := mqtt.New(context.Background(), *cfg.Sinks.MQTT, mqtt.Options{Logf: g.logf, Version: opt.Version})
		if err != nil {
			g.closeStore()
			if g.broker != nil {
				g.broker.Close()
			}
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		p.AddSink(ms)
		g.metrics.SetMQTT(func() metrics.MQTTStats {
			st := ms.Stats()
			return metrics.MQTTStats{Connected: st.Connected, QueueBytes: st.QueueBytes, QueueLimit: st.QueueLimit,
				Superseded: st.Superseded, Refused: st.Refused, Compactions: st.Compactions}
		})
		g.OnClose(func() {
			if err := ms.Close(); err != nil {
				g.logf("mqtt: %v", err)
			}
		})
	}
	for _, s := range opt.Sinks {
		p.AddSink(s)
	}
	return g, nil
}

func (g *Gateway) logf(format string, args ...any) {
	fmt.Fprintf(g.opt.Log, "meterwire: "+format+"\n", args...)
}

// lock takes the data directory (and the store's file, when it lives
// elsewhere) for this process: a second gateway on the same data would
// share its store and replay state without either knowing.
func (g *Gateway) lock() error {
	paths := []string{filepath.Join(g.cfg.DataDir, "meterwire.lock")}
	if !g.cfg.Store.Disabled {
		dd, _ := filepath.Abs(g.cfg.DataDir)
		sp, _ := filepath.Abs(g.cfg.Store.Path)
		if filepath.Dir(sp) != dd {
			paths = append(paths, sp+".lock")
		}
	}
	for _, p := range paths {
		l, err := lockfile.Acquire(p)
		if err != nil {
			g.closeStore()
			if errors.Is(err, lockfile.ErrLocked) {
				return fmt.Errorf("%w: another meterwire uses this data; stop it first, or give this one its own directory (serve --data-dir DIR, or data_dir: in the configuration)", err)
			}
			return fmt.Errorf("data directory: %w", err)
		}
		g.locks = append(g.locks, l)
	}
	return nil
}

// closeStore closes the store and then releases the data directory.
func (g *Gateway) closeStore() {
	if g.store != nil {
		if err := g.store.Close(); err != nil {
			g.logf("store: %v", err)
		}
	}
	for _, l := range g.locks {
		l.Release()
	}
	g.locks = nil
}

// Config is the gateway's configuration.
func (g *Gateway) Config() *config.Config { return g.cfg }

// Store is the history store (nil when disabled).
func (g *Gateway) Store() *store.Store { return g.store }

// Pipeline is the decode pipeline.
func (g *Gateway) Pipeline() *pipeline.Pipeline { return g.pipe }

// Metrics is the metrics sink.
func (g *Gateway) Metrics() *metrics.Metrics { return g.metrics }

// Addr is the HTTP server's address once Run listens ("" before, or when
// HTTP is disabled).
func (g *Gateway) Addr() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln == nil {
		return ""
	}
	return g.ln.Addr().String()
}

// InputStatus is the state of one input for health and the UI.
type InputStatus struct {
	Name       string    `json:"name"`
	Device     string    `json:"device"`
	Connected  bool      `json:"connected"`
	Since      time.Time `json:"since,omitzero"`
	LastFrame  time.Time `json:"last_frame,omitzero"`
	Frames     uint64    `json:"frames"`
	Reconnects int       `json:"reconnects"`
	Done       bool      `json:"done,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Inputs reports every input's state.
func (g *Gateway) Inputs() []InputStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]InputStatus, 0, len(g.inputs))
	for _, in := range g.inputs {
		if in.demo != nil {
			out = append(out, in.demo.status(in.name))
			continue
		}
		s := in.rx.State()
		out = append(out, InputStatus{Name: in.name, Device: s.Device, Connected: s.Connected, Since: s.Since, LastFrame: s.LastFrame, Frames: s.Frames, Reconnects: s.Reconnects, Done: s.Done, Error: s.Err})
	}
	return out
}

func (g *Gateway) inputStates() []metrics.InputState {
	in := g.Inputs()
	out := make([]metrics.InputState, len(in))
	for i, s := range in {
		out[i] = metrics.InputState{Name: s.Name, Connected: s.Connected, LastFrame: s.LastFrame, Frames: s.Frames, Reconnects: s.Reconnects}
	}
	return out
}

// Run runs the gateway until ctx ends, then shuts down gracefully: inputs
// stop, the pipeline drains into the sinks, the store closes.
func (g *Gateway) Run(ctx context.Context) error {
	if !g.cfg.HTTP.Disabled {
		ln, err := net.Listen("tcp", g.cfg.HTTP.Listen)
		if err != nil {
			g.pipe.Close()
			g.closeStore()
			return fmt.Errorf("http: %w (is another meterwire running? set http.listen to another port)", err)
		}
		g.mu.Lock()
		g.ln = ln
		var served net.Listener
		g.srv, served = g.httpServer(ln)
		g.mu.Unlock()
		go g.srv.Serve(served)
	}
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	go g.diskGuard(runCtx)
	pipeErr := make(chan error, 1)
	go func() { pipeErr <- g.pipe.Run(runCtx) }()

	var wg sync.WaitGroup
	inputsCtx, stopInputs := context.WithCancel(ctx)
	defer stopInputs()
	if d := g.opt.Demo; d != nil {
		ds := newDemoState(d)
		g.mu.Lock()
		g.inputs = append(g.inputs, &input{name: "demo", demo: ds})
		g.mu.Unlock()
		wg.Add(1)
		go func() { defer wg.Done(); g.runDemo(inputsCtx, ds) }()
	}
	for _, in := range g.cfg.Inputs {
		rx, err := receiver.Start(in.Device, receiver.Options{Logf: g.logf})
		if err != nil {
			g.logf("input %s: %v", in.Name, err)
			continue
		}
		g.mu.Lock()
		g.inputs = append(g.inputs, &input{name: in.Name, rx: rx})
		g.mu.Unlock()
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			g.forward(inputsCtx, name, rx)
		}(in.Name)
	}
	g.banner()
	go g.watchSilent(inputsCtx)
	go g.watchUnknown(inputsCtx)
	go g.retention(inputsCtx)

	<-ctx.Done()
	g.logf("shutting down: stopping inputs, draining the pipeline")
	stopInputs()
	g.mu.Lock()
	for _, in := range g.inputs {
		if in.rx != nil {
			in.rx.Close()
		}
	}
	g.mu.Unlock()
	wg.Wait()
	g.pipe.Close()
	err := <-pipeErr
	for _, c := range g.closes {
		c()
	}
	if g.srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		g.srv.Shutdown(sctx)
		cancel()
	}
	g.closeStore()
	if g.broker != nil {
		g.broker.Close()
	}
	st := g.pipe.Stats()
	g.logf("stopped after %d telegrams (%d decoded)", st.Received, st.Count(pipeline.Decoded))
	return err
}

// OnClose registers f to run after the pipeline drained (sinks that hold
// connections, such as MQTT).
func (g *Gateway) OnClose(f func()) { g.closes = append(g.closes, f) }

// forward moves frames from a receiver into the pipeline.
func (g *Gateway) forward(ctx context.Context, name string, rx *receiver.Receiver) {
	for f := range rx.Frames() {
		if err := g.pipe.Ingest(ctx, pipeline.Frame{Input: name, Frame: f}); err != nil {
			return
		}
	}
	if st := rx.State(); st.Done {
		g.logf("input %s: end of input after %d frames", name, st.Frames)
	}
}

func (g *Gateway) banner() {
	c := g.cfg
	mode := fmt.Sprintf("%d inputs, %d meters configured", len(c.Inputs), len(c.Meters))
	if g.opt.Demo != nil {
		mode = fmt.Sprintf("demo mode: a simulated fleet of %d meters (no hardware needed)", g.opt.Demo.Meters())
	}
	g.logf("serving: %s", mode)
	if g.store != nil {
		g.logf("history: %s", c.Store.Path)
	}
	if a := g.Addr(); a != "" {
		g.logf("web UI: http://%s/   metrics: http://%s/metrics   health: http://%s/healthz", a, a, a)
	}
	if g.broker != nil {
		g.logf("embedded MQTT broker: mqtt://%s (Home Assistant can connect here)", g.broker.Addr())
	}
	if c.Sinks.MQTT != nil {
		g.logf("MQTT: %s, topics %s/<meter>/state", c.Sinks.MQTT.URL, c.Sinks.MQTT.TopicPrefix)
	}
	g.logf("Ctrl-C stops (readings in flight are written first)")
}

// watchSilent logs meters that went silent (and back).
func (g *Gateway) watchSilent(ctx context.Context) {
	t := time.NewTicker(g.opt.SilentCheck)
	defer t.Stop()
	was := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := map[string]bool{}
		for _, m := range g.metrics.Silent() {
			now[m] = true
			if !was[m] {
				g.logf("alarm: meter %s silent for longer than expected", m)
			}
		}
		for m := range was {
			if !now[m] {
				g.logf("meter %s heard again", m)
			}
		}
		was = now
	}
}

// watchUnknown tells the console about meters heard that are not
// configured, once each, so that users without the web UI can add them.
func (g *Gateway) watchUnknown(ctx context.Context) {
	t := time.NewTicker(g.opt.SilentCheck / 3)
	defer t.Stop()
	told := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := 0
		for _, u := range g.pipe.Unknown() {
			if told[u.Identity] || len(told) >= 1000 {
				continue
			}
			told[u.Identity] = true
			if n++; n > 20 {
				continue // a flood: the rest are in the web UI and /api/unknown
			}
			what := "plain, readable without a key"
			if u.NeedsKey {
				what = "encrypted (" + u.Security + "): needs a key"
			}
			g.logf("meter not in the configuration: %s %s %s, %s, heard on %s: %s; add it under meters: with id: %q", u.Manufacturer, u.ID, u.DeviceType, u.Mode, u.Input, what, u.ID)
		}
	}
}

// retention prunes readings older than the configured age, hourly.
func (g *Gateway) retention(ctx context.Context) {
	if g.store == nil || g.cfg.Store.Retention <= 0 {
		return
	}
	for {
		n, err := g.store.Prune(ctx, time.Now().Add(-g.cfg.Store.Retention))
		if err != nil && ctx.Err() == nil {
			g.logf("retention: %v", err)
		} else if n > 0 {
			g.logf("retention: removed %d readings older than %v", n, g.cfg.Store.Retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// Health is the gateway's health report (GET /api/health; /healthz gives
// its status alone to callers without the token).
type Health struct {
	// Status is "ok"; "degraded" while readings still reach the store
	// but something needs a look (an input down, a meter silent, a sink
	// other than the store failing); "failing" while readings are not
	// being stored (ingest paused for disk space, the store's writes
	// failing, every sink failing). Problems says what, in words.
	Status   string                `json:"status"`
	Problems []string              `json:"problems"`
	Uptime   string                `json:"uptime"`
	Inputs   []InputStatus         `json:"inputs"`
	Sinks    []pipeline.SinkStatus `json:"sinks"`
	Silent   []string              `json:"silent_meters"`
	Received uint64                `json:"telegrams"`
	Decoded  uint64                `json:"decoded"`
	// Paused says why ingest is paused ("" while it runs).
	Paused string `json:"ingest_paused,omitempty"`
}

// Health reports the gateway's state. For HealthGrace after the start,
// inputs that have not connected yet are not a problem (meters are silent
// only once they were awaited for their expect_every since the start).
func (g *Gateway) Health() Health {
	st := g.pipe.Stats()
	h := Health{Status: "ok", Problems: []string{}, Uptime: time.Since(g.started).Round(time.Second).String(), Inputs: g.Inputs(), Sinks: g.pipe.Sinks(), Silent: g.metrics.Silent(), Received: st.Received, Decoded: st.Count(pipeline.Decoded), Paused: g.pipe.Paused()}
	if h.Silent == nil {
		h.Silent = []string{}
	}
	degraded := func(p string) {
		h.Problems = append(h.Problems, p)
		if h.Status == "ok" {
			h.Status = "degraded"
		}
	}
	failing := func(p string) {
		h.Problems = append(h.Problems, p)
		h.Status = "failing"
	}
	if h.Paused != "" {
		failing("ingest paused: " + h.Paused)
	}
	down := 0
	for _, s := range h.Sinks {
		if s.Error == "" {
			continue
		}
		down++
		p := fmt.Sprintf("sink %s failing since %s: %s", s.Name, s.FailingSince.Format(time.RFC3339), s.Error)
		if s.Name == "store" {
			failing(p)
		} else {
			degraded(p)
		}
	}
	if down > 0 && down == len(h.Sinks) && h.Status != "failing" {
		failing("every sink is failing")
	}
	settled := time.Since(g.started) >= g.opt.HealthGrace
	for _, in := range h.Inputs {
		if !in.Connected && !in.Done && settled {
			msg := "input " + in.Name + " is not connected"
			if in.Error != "" {
				msg += ": " + in.Error
			}
			degraded(msg)
		}
	}
	if len(h.Silent) > 0 {
		degraded("silent for longer than expected: " + strings.Join(h.Silent, ", "))
	}
	return h
}

// storeState persists the pipeline's state in the store.
type storeState struct{ *store.Store }

func (s storeState) SaveState(ctx context.Context, entries []pipeline.StateEntry) error {
	b := make([]store.StateEntry, len(entries))
	for i, e := range entries {
		b[i] = store.StateEntry{Meter: e.Meter, Kind: e.Kind, Value: e.Value}
	}
	return s.PutStates(ctx, b)
}
