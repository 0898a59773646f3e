package gateway

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/radio/sim/fleet"
)

// Demo is demo mode: the simulated fleet transmits on a simulated air that
// the gateway listens to, so everything downstream (decryption with the
// meters' keys, store, MQTT, metrics, web UI) runs for real with no
// hardware.
type Demo struct {
	Fleet *fleet.Fleet
	// Every is how often each meter transmits (default 10 s).
	Every time.Duration
	// Backfill is how much history to generate when the store holds no
	// readings yet, so charts have something to show (default 7 days; a
	// negative value: none). BackfillStep is its spacing (default 15 min).
	Backfill, BackfillStep time.Duration
}

// Meters is the number of simulated meters.
func (d *Demo) Meters() int {
	n := len(d.Fleet.Meters())
	if d.Fleet.P1() != nil {
		n++
	}
	return n
}

// DemoConfig is the configuration of demo mode: the defaults with every
// simulated meter configured with its key, data under dataDir.
func DemoConfig(dataDir string) (*config.Config, *Demo) {
	f := fleet.Default()
	c := config.Default(dataDir)
	d := &Demo{Fleet: f, Every: 10 * time.Second}
	for _, m := range f.Meters() {
		c.Meters = append(c.Meters, config.Meter{Name: m.Name, ID: m.Address.IDString(), Manufacturer: m.Address.ManufacturerCode(), Driver: "auto", Key: m.Key, ExpectEvery: 5 * time.Minute})
	}
	if p := f.P1(); p != nil {
		c.Meters = append(c.Meters, config.Meter{Name: p.Name, ID: strings.ToUpper(hex.EncodeToString(p.SystemTitle[:])), Driver: "auto", Key: p.Key, AK: p.AK, ExpectEvery: 5 * time.Minute})
	}
	return c, d
}

type demoState struct {
	d         *Demo
	mu        sync.Mutex
	frames    uint64
	lastFrame time.Time
	since     time.Time
}

func newDemoState(d *Demo) *demoState {
	if d.Every <= 0 {
		d.Every = 10 * time.Second
	}
	if d.Backfill == 0 {
		d.Backfill = 7 * 24 * time.Hour
	}
	if d.BackfillStep <= 0 {
		d.BackfillStep = 15 * time.Minute
	}
	return &demoState{d: d, since: time.Now()}
}

func (s *demoState) status(name string) InputStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return InputStatus{Name: name, Device: "simulated fleet", Connected: true, Since: s.since, LastFrame: s.lastFrame, Frames: s.frames}
}

func (s *demoState) count(t time.Time) {
	s.mu.Lock()
	s.frames++
	s.lastFrame = t
	s.mu.Unlock()
}

// runDemo backfills history if the store is empty, then ingests what the
// fleet transmits until ctx ends.
func (g *Gateway) runDemo(ctx context.Context, s *demoState) {
	d := s.d
	ingest := func(f radio.Frame) bool {
		s.count(f.Time)
		return g.pipe.Ingest(ctx, pipeline.Frame{Input: "demo", Frame: f}) == nil
	}
	if d.Backfill > 0 && g.store != nil {
		if ms, err := g.store.Meters(ctx); err == nil && len(ms) == 0 {
			g.logf("demo: generating %v of history for the charts", d.Backfill)
			if !g.backfill(ctx, d, ingest) {
				return
			}
		}
	}
	air := sim.NewAir()
	packets, unlisten := air.Listen(radio.ModeUnknown, nil)
	defer unlisten()
	go d.Fleet.Run(ctx, air, d.Every)
	var p1 <-chan time.Time
	if d.Fleet.P1() != nil {
		t := time.NewTicker(d.Every)
		defer t.Stop()
		p1 = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-packets:
			if !ingest(p.Frame) {
				return
			}
		case now := <-p1:
			b, err := d.Fleet.P1().Next(now)
			if err != nil {
				g.logf("demo: %v", err)
				continue
			}
			if !ingest(radio.Frame{Data: b, Time: now, P1: true}) {
				return
			}
		}
	}
}

func (g *Gateway) backfill(ctx context.Context, d *Demo, ingest func(radio.Frame) bool) bool {
	end := time.Now()
	for t := end.Add(-d.Backfill); t.Before(end); t = t.Add(d.BackfillStep) {
		for _, m := range d.Fleet.Meters() {
			f, err := m.Next(t)
			if err != nil {
				g.logf("demo: %s: %v", m.Name, err)
				continue
			}
			f.Time = t
			if !ingest(f) {
				return false
			}
		}
		if p := d.Fleet.P1(); p != nil {
			b, err := p.Next(t)
			if err == nil && !ingest(radio.Frame{Data: b, Time: t, P1: true}) {
				return false
			}
		}
		if ctx.Err() != nil {
			return false
		}
	}
	return true
}
