package sim

import (
	"bufio"
	"context"
	"io"
	"time"

	"github.com/meterwire/meterwire/radio"
)

// What the simulated modules with a framed command protocol (IMST, Amber)
// have in common.

// modDevice is a simulated module whose requests and answers are Ms.
type modDevice[M any] interface {
	// Mode is the link mode the module receives in now.
	Mode() radio.LinkMode
	// handle answers one request; false means no answer.
	handle(req M) (M, bool)
	// indicate writes p on port as the module outputs received frames.
	indicate(ctx context.Context, port io.Writer, p Packet) error
}

// modServe speaks the protocol of d on port until it fails or ctx ends:
// it answers the requests it reads (split and decoded with split and
// decode, answers written with encode; undecodable ones are dropped) and
// writes what d hears on air in its current link mode.
func modServe[M any](ctx context.Context, port io.ReadWriter, air *Air, d modDevice[M],
	split bufio.SplitFunc, decode func([]byte) (M, int, error), encode func(M) []byte) error {
	quit := make(chan struct{})
	defer close(quit)
	tokens, readErr := modScanTokens(port, split, quit)
	l := modListenOn(air, d, d.Mode())
	defer func() { l.stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case tok := <-tokens:
			req, _, err := decode(tok)
			if err != nil {
				continue
			}
			rsp, ok := d.handle(req)
			if !ok {
				continue
			}
			if mode := d.Mode(); mode != l.mode {
				l.stop()
				l = modListenOn(air, d, mode)
			}
			if _, err := port.Write(encode(rsp)); err != nil {
				return err
			}
		case p := <-l.ch:
			if err := d.indicate(ctx, port, p); err != nil {
				return err
			}
		}
	}
}

// modDefaultRSSI is the level simulators report for packets sent without
// one.
const modDefaultRSSI = -80

// drainer is a port that can wait until the host has read what was
// written to it (a Stick's port: see stickPort.Drain).
type drainer interface {
	Drain(ctx context.Context) error
}

// modWriteNoise writes noise(p), then waits gap. The gap begins when the
// host has read the noise (when port can tell), so that the host sees
// the silence however late it reads.
func modWriteNoise(ctx context.Context, port io.Writer, noise func(Packet) []byte, gap time.Duration, p Packet) error {
	if noise == nil {
		return nil
	}
	b := noise(p)
	if len(b) == 0 {
		return nil
	}
	if _, err := port.Write(b); err != nil {
		return err
	}
	if gap > 0 {
		if d, ok := port.(drainer); ok {
			if err := d.Drain(ctx); err != nil {
				return err
			}
		}
		t := time.NewTimer(gap)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// modAirListener is a device's subscription to the Air in one link mode.
type modAirListener struct {
	mode radio.LinkMode
	ch   <-chan Packet
	stop func()
}

func modListenOn(air *Air, self any, mode radio.LinkMode) modAirListener {
	if mode == radio.ModeUnknown { // a mode the module has but Air does not know: hear nothing
		return modAirListener{mode: mode, ch: nil, stop: func() {}}
	}
	ch, stop := air.Listen(mode, self)
	return modAirListener{mode: mode, ch: ch, stop: stop}
}

// modScanTokens reads port in a goroutine and delivers the tokens split finds
// (copies) until quit is closed; the read error (io.EOF included) comes
// on the second channel.
func modScanTokens(port io.Reader, split bufio.SplitFunc, quit <-chan struct{}) (<-chan []byte, <-chan error) {
	tokens := make(chan []byte)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(port)
		sc.Buffer(make([]byte, 0, 1024), 1<<16)
		sc.Split(split)
		for sc.Scan() {
			select {
			case tokens <- append([]byte(nil), sc.Bytes()...):
			case <-quit:
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		errc <- err
	}()
	return tokens, errc
}
