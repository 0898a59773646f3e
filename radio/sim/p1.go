package sim

import (
	"context"
	"io"
	"time"
)

// P1 simulates a smart meter's P1 port: it writes one unit every interval
// while plugged in, whatever next returns (a DSMR text telegram, a smarty
// general-glo-ciphering frame, HDLC frames; noise too, or several units at
// once). P1 is one-way: what the host writes is ignored. Build the units
// in next, e.g. with dlms.AppendCiphered and an increasing frame counter
// for a smarty meter.
type P1 struct {
	next  func() []byte
	every time.Duration
}

// NewP1 returns a meter that writes next() at once when plugged in and
// then every interval (every <= 0 means one second, as DSMR 5 meters
// send). next is called from one goroutine at a time; a nil or empty unit
// writes nothing.
func NewP1(next func() []byte, every time.Duration) *P1 {
	if every <= 0 {
		every = time.Second
	}
	return &P1{next: next, every: every}
}

// Serve writes the units to port until ctx ends or a write fails (see
// Device).
func (m *P1) Serve(ctx context.Context, port io.ReadWriter) error {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		if b := m.next(); len(b) > 0 {
			if _, err := port.Write(b); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
