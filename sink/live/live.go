// Package live is an in-memory broadcaster sink: every event the pipeline
// hands it is offered to each subscriber (the web UI's Server-Sent Events
// streams) through a bounded buffer of its own. A subscriber that does not
// keep up loses events, which are counted, instead of slowing down the
// pipeline: Write never blocks.
package live

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/meterwire/meterwire/pipeline"
)

// DefaultBuffer is the per-subscriber buffer used when New is given none.
const DefaultBuffer = 256

// Broadcaster is a pipeline.Sink fanning events out to subscribers. Safe
// for concurrent use.
type Broadcaster struct {
	buffer int

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
	seq    uint64
}

// New returns a broadcaster whose subscribers buffer up to buffer events
// each (<= 0: DefaultBuffer).
func New(buffer int) *Broadcaster {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Broadcaster{buffer: buffer, subs: map[*Subscription]struct{}{}}
}

// Message is one event as delivered to a subscriber, numbered in the order
// the broadcaster received them (starting at 1), so that gaps show drops.
type Message struct {
	Seq   uint64
	Event pipeline.Event
}

// Subscription receives events until it or its broadcaster is closed.
type Subscription struct {
	b       *Broadcaster
	c       chan Message
	filter  func(*pipeline.Event) bool
	dropped atomic.Uint64
	once    sync.Once
}

// Name implements pipeline.Sink.
func (b *Broadcaster) Name() string { return "live" }

// Write implements pipeline.Sink. It offers each event to every
// subscriber without waiting: a subscriber whose buffer is full misses the
// event (see Subscription.Dropped). It always returns nil.
func (b *Broadcaster) Write(_ context.Context, events []pipeline.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	for i := range events {
		b.seq++
		ev := &events[i]
		for s := range b.subs {
			if s.filter != nil && !s.filter(ev) {
				continue
			}
			select {
			case s.c <- Message{Seq: b.seq, Event: *ev}:
			default:
				s.dropped.Add(1)
			}
		}
	}
	return nil
}

// Subscribe adds a subscriber. filter, when not nil, selects the events it
// receives (it runs in Write: it must be quick and must not modify the
// event). After Close the returned subscription's channel is closed at
// once.
func (b *Broadcaster) Subscribe(filter func(*pipeline.Event) bool) *Subscription {
	s := &Subscription{b: b, c: make(chan Message, b.buffer), filter: filter}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.c)
		s.once.Do(func() {})
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Subscribers returns the number of current subscribers.
func (b *Broadcaster) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Close ends every subscription (their channels close after the events
// already buffered) and makes later Writes no-ops. Call it when the
// pipeline has drained, so that streaming HTTP handlers return before the
// server shuts down.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		s.once.Do(func() { close(s.c) })
		delete(b.subs, s)
	}
}

// Events is the subscription's channel. It is closed by Close (of the
// subscription or the broadcaster).
func (s *Subscription) Events() <-chan Message { return s.c }

// Dropped returns how many events this subscriber missed because its
// buffer was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription. It is safe to call more than once and
// concurrently with Write.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	delete(s.b.subs, s)
	s.once.Do(func() { close(s.c) })
}
