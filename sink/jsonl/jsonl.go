// Package jsonl is the gateway's simplest sink: every decoded reading as
// one JSON object per line on a writer (usually stdout), for pipes into jq,
// Telegraf, Vector or a script.
package jsonl

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

// Reading is the line written for each decoded telegram.
type Reading struct {
	Time         string `json:"time"`
	Meter        string `json:"meter"`
	Kind         string `json:"kind"`
	Manufacturer string `json:"manufacturer,omitempty"`
	ID           string `json:"id,omitempty"`
	DeviceType   string `json:"device_type,omitempty"`
	Input        string `json:"input,omitempty"`
	RSSI         *int   `json:"rssi_dbm,omitempty"`
	// Driver is the meter driver that named Fields (omitted: generic
	// names of the records).
	Driver string         `json:"driver,omitempty"`
	Fields map[string]any `json:"fields"`
}

// Sink writes readings to W. With All, events that are not readings
// (errors, duplicates, replays) are written too, with their outcome.
type Sink struct {
	mu  sync.Mutex
	w   *bufio.Writer
	all bool
}

// New returns a sink writing to w.
func New(w io.Writer, all bool) *Sink { return &Sink{w: bufio.NewWriter(w), all: all} }

// Name implements pipeline.Sink.
func (s *Sink) Name() string { return "stdout" }

type other struct {
	Time    string `json:"time"`
	Meter   string `json:"meter,omitempty"`
	Input   string `json:"input,omitempty"`
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// Write implements pipeline.Sink.
func (s *Sink) Write(_ context.Context, evs []pipeline.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := json.NewEncoder(s.w)
	for i := range evs {
		ev := &evs[i]
		t := ev.Time.UTC().Format(time.RFC3339Nano)
		if ev.Outcome == pipeline.Decoded && ev.Fields != nil {
			if err := enc.Encode(Reading{Time: t, Meter: ev.Meter, Kind: ev.Kind, Manufacturer: ev.Manufacturer, ID: ev.ID, DeviceType: ev.DeviceType, Input: ev.Input, RSSI: ev.RSSI, Driver: ev.Driver, Fields: ev.Fields}); err != nil {
				return err
			}
		} else if s.all {
			if err := enc.Encode(other{Time: t, Meter: ev.Meter, Input: ev.Input, Outcome: ev.Outcome.String(), Error: ev.Err}); err != nil {
				return err
			}
		}
	}
	return s.w.Flush()
}
