package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/radio"
)

// Frame is one received frame and the input it came from.
type Frame struct {
	Input string
	radio.Frame
}

// Sink receives events in batches from its own goroutine. Write returns
// only when the batch is handled; an error makes the pipeline retry the
// same batch with backoff (a sink that prefers to drop returns nil).
type Sink interface {
	Name() string
	Write(ctx context.Context, events []Event) error
}

// StateStore persists what the decoder must remember across restarts:
// counters (replay protection) and compact-frame formats. The store
// package implements it.
type StateStore interface {
	AllState(ctx context.Context, kind string) (map[string][]byte, error)
	// SaveState writes a batch of values in one transaction.
	SaveState(ctx context.Context, entries []StateEntry) error
}

// StateEntry is one persisted value: a meter's state of one kind.
type StateEntry struct {
	Meter, Kind string
	Value       []byte
}

// Options configure a pipeline.
type Options struct {
	Meters []config.Meter
	// DedupWindow and QueueSize: see config.Pipeline (defaults apply).
	DedupWindow time.Duration
	QueueSize   int
	// State, when set, restores the replay guards and compact formats
	// and saves compact formats. The replay guards are saved by the sink
	// that stores readings, from Event.State, in the readings' transaction.
	State StateStore
	// ReplayReset: see config.Pipeline (default DefaultReplayReset).
	ReplayReset time.Duration
	// Logf reports sink failures and state problems.
	Logf func(format string, args ...any)
	// Now is the clock (tests).
	Now func() time.Time
}

// Stats are the pipeline's counters.
type Stats struct {
	Received uint64
	Outcomes [numOutcomes]uint64
	// UnconfiguredDropped counts the telegrams of meters heard but not
	// configured that were not listed in Unknown (nor given a replay
	// guard) because maxUnknown such meters are listed already: a flood
	// of invented ids.
	UnconfiguredDropped uint64
}

// Count returns the number of frames with outcome o.
func (s Stats) Count(o Outcome) uint64 {
	if o < numOutcomes {
		return s.Outcomes[o]
	}
	return 0
}

// UnknownMeter is a meter heard that is not in the configuration.
type UnknownMeter struct {
	Identity     string    `json:"identity"`
	Kind         string    `json:"kind"`
	Manufacturer string    `json:"manufacturer,omitempty"`
	ID           string    `json:"id"`
	DeviceType   string    `json:"device_type,omitempty"`
	Mode         string    `json:"link_mode,omitempty"`
	Security     string    `json:"security,omitempty"`
	NeedsKey     bool      `json:"needs_key"`
	Input        string    `json:"input"`
	RSSI         *int      `json:"rssi_dbm,omitempty"`
	LastSeen     time.Time `json:"last_seen"`
	Count        uint64    `json:"count"`
}

// maxUnknown bounds the list of meters heard but not configured.
const maxUnknown = 10000

// Pipeline is a running decode pipeline.
type Pipeline struct {
	opt   Options
	in    chan Frame
	sinks []*sinkRunner
	dec   *decoder

	received atomic.Uint64
	outcomes [numOutcomes]atomic.Uint64

	mu      sync.Mutex
	unknown map[string]*UnknownMeter

	closeOnce sync.Once
	done      chan struct{}
	started   atomic.Bool
	pause     atomic.Pointer[pauseGate]
	pauseMu   sync.Mutex
}

// pauseGate holds Ingest while ingest is paused; resumed is closed by Resume.
type pauseGate struct {
	reason  string
	resumed chan struct{}
}

// Pause holds every Ingest call (the receivers feel backpressure; nothing
// queued is dropped) until Resume, for the reason given (see Paused).
// Decoding and the sinks go on with what is queued.
func (p *Pipeline) Pause(reason string) {
	p.pauseMu.Lock()
	defer p.pauseMu.Unlock()
	if g := p.pause.Load(); g != nil {
		p.pause.Store(&pauseGate{reason: reason, resumed: g.resumed})
		return
	}
	p.pause.Store(&pauseGate{reason: reason, resumed: make(chan struct{})})
}

// Resume lets Ingest go on after Pause.
func (p *Pipeline) Resume() {
	p.pauseMu.Lock()
	defer p.pauseMu.Unlock()
	if g := p.pause.Swap(nil); g != nil {
		close(g.resumed)
	}
}

// Paused returns the reason ingest is paused, or "".
func (p *Pipeline) Paused() string {
	if g := p.pause.Load(); g != nil {
		return g.reason
	}
	return ""
}

// SinkStatus is the state of one sink, for health.
type SinkStatus struct {
	Name string `json:"name"`
	// Queued is how many events wait in the sink's queue.
	Queued int `json:"queued"`
	// Error is the last write's error while writes fail (the batch is
	// retried), FailingSince when the failures began.
	Error        string    `json:"error,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Written counts the events written.
	Written uint64 `json:"written"`
}

// Sinks reports every sink's state.
func (p *Pipeline) Sinks() []SinkStatus {
	out := make([]SinkStatus, len(p.sinks))
	for i, s := range p.sinks {
		s.mu.Lock()
		out[i] = SinkStatus{Name: s.sink.Name(), Queued: len(s.q), Error: s.err, FailingSince: s.failingSince, Written: s.written}
		s.mu.Unlock()
	}
	return out
}

// New prepares a pipeline; add sinks, then Run it.
func New(opt Options) (*Pipeline, error) {
	if opt.DedupWindow == 0 {
		opt.DedupWindow = config.DefaultDedupWindow
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = config.DefaultQueueSize
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	p := &Pipeline{opt: opt, in: make(chan Frame, opt.QueueSize), unknown: map[string]*UnknownMeter{}, done: make(chan struct{})}
	d, err := newDecoder(opt)
	if err != nil {
		return nil, err
	}
	p.dec = d
	return p, nil
}

// AddSink adds a sink; call before Run.
func (p *Pipeline) AddSink(s Sink) {
	if p.started.Load() {
		panic("pipeline: AddSink after Run")
	}
	p.sinks = append(p.sinks, &sinkRunner{sink: s, q: make(chan Event, p.opt.QueueSize), logf: p.opt.Logf, now: p.opt.Now})
}

// Ingest queues one frame, blocking while the pipeline is full or paused.
// It fails after Close or when ctx ends.
func (p *Pipeline) Ingest(ctx context.Context, f Frame) (err error) {
	defer func() {
		if recover() != nil { // sending on the closed input
			err = errors.New("pipeline closed")
		}
	}()
	if g := p.pause.Load(); g != nil {
		select {
		case <-g.resumed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case p.in <- f:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting frames; Run drains what is queued, flushes the
// sinks, saves the state and returns.
func (p *Pipeline) Close() {
	p.closeOnce.Do(func() { close(p.in) })
}

// Done is closed when Run has returned.
func (p *Pipeline) Done() <-chan struct{} { return p.done }

// Run decodes until Close, then drains. Cancelling ctx abandons queued
// work (use Close for a graceful stop).
func (p *Pipeline) Run(ctx context.Context) error {
	p.started.Store(true)
	defer close(p.done)
	var wg sync.WaitGroup
	for _, s := range p.sinks {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx) }()
	}
	save := time.NewTicker(time.Second)
	defer save.Stop()
	var runErr error
loop:
	for {
		select {
		case f, ok := <-p.in:
			if !ok {
				break loop
			}
			ev := p.process(f)
			for _, s := range p.sinks {
				select {
				case s.q <- ev:
				case <-ctx.Done():
					runErr = ctx.Err()
					break loop
				}
			}
		case <-save.C:
			p.dec.saveState(ctx, false)
		case <-ctx.Done():
			runErr = ctx.Err()
			break loop
		}
	}
	for _, s := range p.sinks {
		close(s.q)
	}
	wg.Wait()
	p.dec.saveState(context.WithoutCancel(ctx), true)
	return runErr
}

// process turns one frame into an event and counts it.
func (p *Pipeline) process(f Frame) Event {
	p.received.Add(1)
	ev := p.dec.decode(f)
	p.outcomes[ev.Outcome].Add(1)
	if !ev.Configured && ev.ID != "" && ev.Outcome != Duplicate {
		p.noteUnknown(&ev)
	}
	return ev
}

func (p *Pipeline) noteUnknown(ev *Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.unknown[ev.Meter]
	if u == nil {
		if len(p.unknown) >= maxUnknown {
			p.dec.dropped.Add(1)
			return // a flood of ids: keep the first ones
		}
		u = &UnknownMeter{Identity: ev.Meter, Kind: ev.Kind, Manufacturer: ev.Manufacturer, ID: ev.ID}
		p.unknown[ev.Meter] = u
	}
	u.DeviceType, u.Mode, u.Security, u.Input, u.RSSI = ev.DeviceType, ev.Mode, ev.Security, ev.Input, ev.RSSI
	u.NeedsKey = ev.Outcome == NoKey || ev.Outcome == WrongKey || ev.Outcome == MACFailed
	u.LastSeen = ev.Time
	u.Count++
}

// AddMeter configures a meter (or replaces the key of one with the same
// name or id) while the pipeline runs; telegrams decoded after it returns
// use it.
func (p *Pipeline) AddMeter(m config.Meter) error {
	if m.ID == "" {
		return errors.New("meter has no id")
	}
	if m.Name == "" {
		m.Name = m.ID
	}
	p.dec.mu.Lock()
	defer p.dec.mu.Unlock()
	p.dec.addMeter(m)
	p.mu.Lock()
	for k, u := range p.unknown {
		if u.ID == m.ID {
			delete(p.unknown, k)
		}
	}
	p.mu.Unlock()
	return nil
}

// Meters returns the configured meters (keys included: callers must not
// show them).
func (p *Pipeline) Meters() []config.Meter {
	p.dec.mu.Lock()
	defer p.dec.mu.Unlock()
	out := make([]config.Meter, 0, len(p.dec.meterList))
	for _, m := range p.dec.meterList {
		out = append(out, *m)
	}
	return out
}

// Stats returns the counters.
func (p *Pipeline) Stats() Stats {
	s := Stats{Received: p.received.Load(), UnconfiguredDropped: p.dec.dropped.Load()}
	for i := range s.Outcomes {
		s.Outcomes[i] = p.outcomes[i].Load()
	}
	return s
}

// Unknown lists the meters heard that are not configured, most recently
// heard first.
func (p *Pipeline) Unknown() []UnknownMeter {
	p.mu.Lock()
	out := make([]UnknownMeter, 0, len(p.unknown))
	for _, u := range p.unknown {
		out = append(out, *u)
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out
}

// sinkRunner feeds one sink from its queue in batches.
type sinkRunner struct {
	sink Sink
	q    chan Event
	logf func(string, ...any)
	now  func() time.Time

	mu           sync.Mutex // guards the status below
	err          string
	failingSince time.Time
	written      uint64
}

// status records the outcome of one write of n events.
func (s *sinkRunner) status(err error, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.err, s.failingSince = "", time.Time{}
		s.written += uint64(n)
		return
	}
	if s.failingSince.IsZero() {
		s.failingSince = s.now()
	}
	s.err = err.Error()
}

const maxBatch = 1024

func (s *sinkRunner) run(ctx context.Context) {
	batch := make([]Event, 0, maxBatch)
	for ev := range s.q {
		batch = append(batch[:0], ev)
	fill:
		for len(batch) < maxBatch {
			select {
			case ev, ok := <-s.q:
				if !ok {
					break fill
				}
				batch = append(batch, ev)
			default:
				break fill
			}
		}
		s.write(ctx, batch)
	}
}

// write retries a failing batch with backoff: nothing is dropped unless
// ctx ends.
func (s *sinkRunner) write(ctx context.Context, batch []Event) {
	backoff := 100 * time.Millisecond
	for {
		err := s.sink.Write(context.WithoutCancel(ctx), batch)
		s.status(err, len(batch))
		if err == nil {
			return
		}
		s.logf("sink %s: %v; retrying in %v", s.sink.Name(), err, backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			s.logf("sink %s: %d events not written: %v", s.sink.Name(), len(batch), fmt.Errorf("shutting down"))
			return
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}
