package sim

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/serialport"
)

type echo struct{}

func (echo) Serve(ctx context.Context, p io.ReadWriter) error {
	buf := make([]byte, 256)
	for {
		n, err := p.Read(buf)
		if err != nil {
			return err
		}
		if _, err := p.Write(buf[:n]); err != nil {
			return err
		}
	}
}

func TestStickUnplugAndPlug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyECHO")
	s, err := NewStick(link, echo{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := radio.Device{Kind: radio.KindTelit, Path: link, Raw: "telit:" + link}
	for round := 0; round < 2; round++ {
		p, err := serialport.Open(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write([]byte("hello\r\n")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if _, err := io.ReadFull(p, buf); err != nil || string(buf) != "hello\r\n" {
			t.Fatalf("round %d: echo %q, %v", round, buf, err)
		}
		errc := make(chan error, 1)
		go func() {
			_, err := p.Read(buf)
			for err == nil { // some ports report a hangup as empty reads
				var n int
				n, err = p.Read(buf)
				if n == 0 && err == nil {
					err = io.EOF
				}
			}
			errc <- err
		}()
		time.Sleep(50 * time.Millisecond)
		s.Unplug()
		select {
		case err := <-errc:
			t.Logf("round %d: read after unplug: %v", round, err)
		case <-time.After(3 * time.Second):
			t.Fatalf("round %d: read did not fail after unplug", round)
		}
		p.Close()
		if _, err := serialport.Open(d); err == nil {
			t.Fatal("opened an unplugged stick")
		} else if !errors.Is(err, nil) {
			t.Logf("open unplugged: %v", err)
		}
		if err := s.Plug(); err != nil {
			t.Fatal(err)
		}
	}
}
