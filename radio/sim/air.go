package sim

import (
	"sync"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Packet is one transmission on the simulated air: the frame as Frame.Data
// holds it (L first, no CRCs), the link mode it was sent in, the frame
// format it was sent in (receivers that hand raw frames to the host need
// it) and the RSSI receivers will report.
type Packet struct {
	Frame  radio.Frame
	Format wmbus.Format
	// From identifies the transmitter so it does not hear itself.
	From any
}

// Air is a simulated radio channel: every packet transmitted is heard by
// every listener whose link mode matches (ModeUnknown matches any).
type Air struct {
	mu        sync.Mutex
	listeners map[*listener]struct{}
}

type listener struct {
	mode radio.LinkMode
	self any
	ch   chan Packet
}

// NewAir returns an empty channel.
func NewAir() *Air { return &Air{listeners: map[*listener]struct{}{}} }

// Transmit delivers p to every matching listener. A listener whose queue is
// full misses the packet, as a busy receiver would.
func (a *Air) Transmit(p Packet) {
	if p.Format == wmbus.FormatNone {
		p.Format = wmbus.FormatA
	}
	if p.Frame.Time.IsZero() {
		p.Frame.Time = now()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for l := range a.listeners {
		if l.self != nil && l.self == p.From {
			continue
		}
		if l.mode != radio.ModeUnknown && p.Frame.Mode != radio.ModeUnknown && !compatible(l.mode, p.Frame.Mode) {
			continue
		}
		q := p
		q.Frame.Data = append([]byte(nil), p.Frame.Data...)
		select {
		case l.ch <- q:
		default:
		}
	}
}

// Listen subscribes to packets in mode (ModeUnknown: all). self is the
// listener's own transmitter identity (packets From it are not delivered).
// The returned function unsubscribes.
func (a *Air) Listen(mode radio.LinkMode, self any) (<-chan Packet, func()) {
	l := &listener{mode: mode, self: self, ch: make(chan Packet, 256)}
	a.mu.Lock()
	a.listeners[l] = struct{}{}
	a.mu.Unlock()
	return l.ch, func() {
		a.mu.Lock()
		delete(a.listeners, l)
		a.mu.Unlock()
	}
}

// compatible says whether a receiver in mode rx hears a transmitter in tx.
// C1 and T1 receivers commonly listen to both (IMST's C1/T1 mode, Amber's
// C1 mode); N1 and N2 share the channel plan.
func compatible(rx, tx radio.LinkMode) bool {
	if rx == tx {
		return true
	}
	group := func(m radio.LinkMode) int {
		switch m {
		case radio.ModeT1, radio.ModeC1:
			return 1
		case radio.ModeN1, radio.ModeN2:
			return 2
		case radio.ModeS1, radio.ModeS1m, radio.ModeS2:
			return 3
		}
		return 0
	}
	return group(rx) != 0 && group(rx) == group(tx)
}
