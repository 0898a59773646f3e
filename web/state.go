package web

import (
	"sync"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

// meterState is what the last telegrams of one meter said.
type meterState struct {
	Kind, DeviceType, Manufacturer, ID, Mode, Input string
	Security, SecurityStatus                        string
	RSSI                                            *int
	LastSeen, LastReading                           time.Time
	LastOutcome                                     pipeline.Outcome
	LastErr                                         string
	Fields                                          map[string]any
	Outcomes                                        map[string]uint64
}

// tracker keeps the latest state of every meter heard, for the dashboard,
// up to a number of meters (a flood of ids must not fill the memory); it
// counts the telegrams of further meters it drops.
type tracker struct {
	mu      sync.Mutex
	meters  map[string]*meterState
	max     int
	dropped uint64 // telegrams of meters beyond max
}

// DefaultMaxTracked is how many meters the dashboard keeps the latest
// state of, unless Options say otherwise.
const DefaultMaxTracked = 10000

func newTracker(max int) *tracker { return &tracker{meters: map[string]*meterState{}, max: max} }

// TrackerStats says how full the dashboard's meter state is.
type TrackerStats struct {
	Meters int `json:"meters"`
	Max    int `json:"max_meters"`
	// Dropped counts telegrams of meters heard after Max others, whose
	// state the dashboard does not show (they still reach the pipeline's
	// sinks and the telegram log).
	Dropped uint64 `json:"dropped_telegrams"`
}

func (t *tracker) stats() TrackerStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TrackerStats{Meters: len(t.meters), Max: t.max, Dropped: t.dropped}
}

func (t *tracker) update(evs []pipeline.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range evs {
		ev := &evs[i]
		if ev.Meter == "" {
			continue
		}
		m := t.meters[ev.Meter]
		if m == nil {
			if len(t.meters) >= t.max {
				t.dropped++
				continue
			}
			m = &meterState{Outcomes: map[string]uint64{}}
			t.meters[ev.Meter] = m
		}
		m.Outcomes[ev.Outcome.String()]++
		if ev.Outcome == pipeline.Duplicate {
			continue
		}
		if ev.Time.Before(m.LastSeen) {
			continue // an older telegram (backfill, reordered inputs)
		}
		m.Kind, m.Input = ev.Kind, ev.Input
		if ev.DeviceType != "" {
			m.DeviceType = ev.DeviceType
		}
		if ev.Manufacturer != "" {
			m.Manufacturer = ev.Manufacturer
		}
		if ev.ID != "" {
			m.ID = ev.ID
		}
		if ev.Mode != "" {
			m.Mode = ev.Mode
		}
		m.Security, m.SecurityStatus = ev.Security, ev.SecurityStatus
		m.RSSI = ev.RSSI
		m.LastSeen = ev.Time
		m.LastOutcome, m.LastErr = ev.Outcome, ev.Err
		if ev.Outcome == pipeline.Decoded && ev.Fields != nil {
			m.LastReading, m.Fields = ev.Time, ev.Fields
		}
	}
}

// get returns a copy of the state of meter name.
func (t *tracker) get(name string) (meterState, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.meters[name]
	if m == nil {
		return meterState{}, false
	}
	c := *m
	c.Outcomes = make(map[string]uint64, len(m.Outcomes))
	for k, v := range m.Outcomes {
		c.Outcomes[k] = v
	}
	return c, true
}
