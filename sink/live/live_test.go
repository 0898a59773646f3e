package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

func events(n int, meter string) []pipeline.Event {
	evs := make([]pipeline.Event, n)
	for i := range evs {
		evs[i] = pipeline.Event{Meter: meter, Hex: fmt.Sprint(i)}
	}
	return evs
}

func TestFanOut(t *testing.T) {
	b := New(8)
	a, c := b.Subscribe(nil), b.Subscribe(func(ev *pipeline.Event) bool { return ev.Meter == "gas" })
	defer a.Close()
	defer c.Close()
	b.Write(context.Background(), events(2, "heat"))
	b.Write(context.Background(), events(1, "gas"))
	for i, want := range []string{"heat", "heat", "gas"} {
		m := <-a.Events()
		if m.Event.Meter != want || m.Seq != uint64(i+1) {
			t.Fatalf("a got %d %s, want %d %s", m.Seq, m.Event.Meter, i+1, want)
		}
	}
	if m := <-c.Events(); m.Event.Meter != "gas" || m.Seq != 3 {
		t.Fatalf("filtered subscriber got %+v", m)
	}
	if b.Subscribers() != 2 {
		t.Fatalf("subscribers %d", b.Subscribers())
	}
}

// A subscriber that never reads must not block Write: its excess events
// are dropped and counted, while a reading subscriber gets everything.
func TestSlowSubscriberDrops(t *testing.T) {
	b := New(4)
	slow := b.Subscribe(nil)
	fast := b.Subscribe(nil)
	got := make(chan int)
	go func() {
		n := 0
		for range fast.Events() {
			n++
		}
		got <- n
	}()
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100; i++ {
			b.Write(context.Background(), events(1, "m"))
			time.Sleep(100 * time.Microsecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Write blocked on a slow subscriber")
	}
	if d := slow.Dropped(); d != 96 {
		t.Errorf("slow subscriber dropped %d, want 96", d)
	}
	b.Close()
	if n := <-got; n+int(fast.Dropped()) != 100 {
		t.Errorf("fast subscriber got %d + dropped %d, want 100", n, fast.Dropped())
	}
	n := 0
	for range slow.Events() {
		n++
	}
	if n != 4 {
		t.Errorf("slow subscriber had %d buffered, want 4", n)
	}
}

func TestClose(t *testing.T) {
	b := New(1)
	s := b.Subscribe(nil)
	s.Close()
	s.Close()
	if _, ok := <-s.Events(); ok {
		t.Fatal("closed subscription delivered")
	}
	b.Write(context.Background(), events(3, "x")) // no subscriber: fine
	b.Close()
	b.Close()
	if err := b.Write(context.Background(), events(1, "x")); err != nil {
		t.Fatal(err)
	}
	late := b.Subscribe(nil)
	if _, ok := <-late.Events(); ok {
		t.Fatal("subscription after Close delivered")
	}
	late.Close()
}

// Subscribing, writing and closing concurrently is race free (go test
// -race).
func TestConcurrent(t *testing.T) {
	b := New(16)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				b.Write(context.Background(), events(3, "m"))
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				s := b.Subscribe(nil)
				select {
				case <-s.Events():
				default:
				}
				s.Close()
			}
		}()
	}
	wg.Wait()
	b.Close()
}
