// Package history is the pipeline sink that writes to the embedded store:
// every decoded reading, and every telegram with its outcome for the live
// log.
package history

import (
	"context"

	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/store"
)

// Sink writes events to a store.
type Sink struct {
	// Committed, when set, is called with each batch of readings after it
	// committed (acknowledged readings).
	Committed func([]store.Reading)

	st       *store.Store
	readings []store.Reading
	log      []store.TelegramLog
}

// New returns a sink writing to st.
func New(st *store.Store) *Sink { return &Sink{st: st} }

// Name implements pipeline.Sink.
func (s *Sink) Name() string { return "store" }

// Write implements pipeline.Sink: the readings of the batch, each with its
// identity (a reading stored before is not stored again) and its meter's
// replay guard, in one transaction, then the telegram log. It returns
// after both committed, so a reading acknowledged here survives a crash,
// and the guard on disk always matches the readings on disk.
func (s *Sink) Write(ctx context.Context, evs []pipeline.Event) error {
	s.readings, s.log = s.readings[:0], s.log[:0]
	for i := range evs {
		ev := &evs[i]
		if ev.Outcome == pipeline.Decoded && ev.Fields != nil && ev.Meter != "" {
			r := store.Reading{Meter: ev.Meter, Time: ev.Time, Fields: ev.Fields, ID: int64(ev.ReadingID)}
			if ev.State != nil {
				r.StateKind, r.State = pipeline.StateGuard, ev.State
			}
			s.readings = append(s.readings, r)
		}
		s.log = append(s.log, store.TelegramLog{Time: ev.Time, Meter: ev.Meter, Input: ev.Input, Outcome: ev.Outcome.String(), RSSI: ev.RSSI, Hex: ev.Hex})
	}
	if len(s.readings) > 0 {
		if err := s.st.Add(ctx, s.readings); err != nil {
			return err
		}
		if s.Committed != nil {
			s.Committed(s.readings)
		}
	}
	// The log is best effort: a failure must not make the pipeline write
	// the readings twice.
	_ = s.st.AddTelegrams(ctx, s.log)
	return nil
}
