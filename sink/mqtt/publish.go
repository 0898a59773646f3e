package mqtt

import (
	"context"
	"errors"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// Publishing: one dispatcher reads the outbox in order and hands each
// record to the publisher its key hashes to; a publisher sends its records
// one at a time at QoS 1, waiting for each PUBACK before the next, so the
// messages of one meter reach the broker in the order they were written.
// A record is acknowledged in the outbox once the broker acknowledged it
// (or refused it for good); only then can the outbox forget it.
//
// While the connection is down the publishers wait for it. A publication
// caught by a dropped connection stays pending: the MQTT session sends it
// again on the next connection and its PUBACK completes it. Only when the
// next connection comes up without the session (the broker lost or
// expired it) are those publications given up and sent anew.

// start runs the sink's background goroutines.
func (s *Sink) start() {
	s.pubs = make([]chan entry, s.opt.Publishers)
	perPub := max(window/s.opt.Publishers, 16)
	for i := range s.pubs {
		s.pubs[i] = make(chan entry, perPub)
		s.wg.Add(1)
		go s.publisher(s.pubs[i])
	}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.loop(s.ctx) }()
	go s.dispatch()
	go s.persister()
}

// connUp is called when a connection is up, before anything is published
// on it.
func (s *Sink) connUp(sessionPresent bool) {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	if !sessionPresent {
		s.genCancel()
		s.gen, s.genCancel = context.WithCancel(s.ctx)
	}
	select {
	case <-s.up:
	default:
		close(s.up)
	}
}

func (s *Sink) connDown() {
	s.upMu.Lock()
	defer s.upMu.Unlock()
	select {
	case <-s.up:
		s.up = make(chan struct{})
	default:
	}
}

// awaitUp waits for the connection and returns the context to publish in.
func (s *Sink) awaitUp() (context.Context, error) {
	for {
		s.upMu.Lock()
		up, gen := s.up, s.gen
		s.upMu.Unlock()
		select {
		case <-up:
			return gen, nil // gen is the one of this connection: taken after up was closed
		default:
		}
		select {
		case <-up:
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		}
	}
}

// dispatch hands the outbox's records to the publishers.
func (s *Sink) dispatch() {
	defer s.wg.Done()
	n := uint32(len(s.pubs))
	for {
		e, err := s.ob.next(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.opt.Logf("mqtt: reading the queue: %v", err)
			if !sleepCtx(s.ctx, time.Second) {
				return
			}
			continue
		}
		select {
		case s.pubs[e.Key%n] <- e:
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *Sink) publisher(ch <-chan entry) {
	defer s.wg.Done()
	for {
		select {
		case e := <-ch:
			if !s.deliver(e) {
				return
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// deliver publishes e until the broker acknowledges it, and acknowledges
// it in the outbox. It returns false when the sink closes first (e stays
// in the outbox).
func (s *Sink) deliver(e entry) bool {
	p := &paho.Publish{Topic: e.Topic, Payload: e.Payload, QoS: 1, Retain: e.Retain}
	delay := 10 * time.Millisecond
	for {
		ctx, err := s.awaitUp()
		if err != nil {
			return false
		}
		pr, err := s.cm.Publish(ctx, p)
		switch {
		case err == nil:
			s.ob.ack(e.seq)
			return true
		case pr != nil && pr.ReasonCode >= 0x80 && pr.ReasonCode != 0x97: // 0x97: quota exceeded, try again
			s.dropped(e.Topic, err)
			s.ob.ack(e.seq)
			return true
		case errors.Is(err, paho.ErrInvalidArguments): // the broker cannot take it (retain unsupported, say)
			s.dropped(e.Topic, err)
			s.ob.ack(e.seq)
			return true
		}
		// The connection is down or going down, or the session was
		// lost: wait a little (the connection manager may not know yet)
		// and send again.
		if !sleepCtx(s.ctx, delay) {
			return false
		}
		delay = min(2*delay, time.Second)
	}
}

// dropped reports a message the broker refused, at most once a second.
func (s *Sink) dropped(topic string, err error) {
	now := time.Now().UnixNano()
	last := s.dropLog.Load()
	if now-last < int64(time.Second) || !s.dropLog.CompareAndSwap(last, now) {
		return
	}
	s.opt.Logf("mqtt: the broker refused a message to %s, dropped: %v", topic, err)
}

// persister writes the outbox's acknowledged offset now and then.
func (s *Sink) persister() {
	defer s.wg.Done()
	t := time.NewTicker(persistInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-t.C:
		case <-s.ctx.Done():
			return
		}
		if err := s.ob.persist(); err != nil {
			if !failing {
				s.opt.Logf("mqtt: saving the queue's position: %v", err)
			}
			failing = true
		} else {
			failing = false
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
