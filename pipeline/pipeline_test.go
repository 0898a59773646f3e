package pipeline

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

var (
	key1 = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	key2 = []byte{15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
)

// frame builds a wM-Bus frame of meter id with security mode sec (0, 5, 7)
// and a volume in litres.
func frame(t testing.TB, id uint32, sec int, acc byte, mcr uint32, litres uint32, key []byte) []byte {
	t.Helper()
	m, _ := wmbus.ParseManufacturer("KAM")
	payload := []byte{0x04, 0x13, byte(litres), byte(litres >> 8), byte(litres >> 16), byte(litres >> 24)}
	s := &wmbus.Spec{C: 0x44, Link: wmbus.Address{Manufacturer: m, ID: id, Version: 1, Type: 7},
		TPL: wmbus.TPLSpec{ACC: acc, Security: sec, MCR: mcr}, Payload: payload, Key: key, Format: wmbus.FormatNone}
	b, err := wmbus.AppendFrame(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type memSink struct {
	mu     sync.Mutex
	events []Event
}

func (s *memSink) Name() string { return "mem" }
func (s *memSink) Write(_ context.Context, evs []Event) error {
	s.mu.Lock()
	s.events = append(s.events, evs...)
	s.mu.Unlock()
	return nil
}

type memState struct {
	mu sync.Mutex
	m  map[string]map[string][]byte
}

func (s *memState) AllState(_ context.Context, kind string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m[kind]), nil
}

func (s *memState) SaveState(_ context.Context, entries []StateEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]map[string][]byte{}
	}
	for _, e := range entries {
		if s.m[e.Kind] == nil {
			s.m[e.Kind] = map[string][]byte{}
		}
		s.m[e.Kind][e.Meter] = append([]byte(nil), e.Value...)
	}
	return nil
}

// guardSink stores the replay guards events carry, as the store's sink
// does in the readings' transaction.
type guardSink struct{ st *memState }

func (guardSink) Name() string { return "guards" }
func (g guardSink) Write(ctx context.Context, evs []Event) error {
	for _, ev := range evs {
		if ev.State != nil {
			g.st.SaveState(ctx, []StateEntry{{Meter: ev.Meter, Kind: StateGuard, Value: ev.State}})
		}
	}
	return nil
}

// run feeds frames (with times) through a fresh pipeline and returns the events.
func run(t *testing.T, meters []config.Meter, state StateStore, frames []Frame) ([]Event, *Pipeline) {
	t.Helper()
	return runOpt(t, Options{Meters: meters, State: state, DedupWindow: 10 * time.Second}, frames)
}

func runOpt(t *testing.T, opt Options, frames []Frame) ([]Event, *Pipeline) {
	t.Helper()
	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	if ms, ok := opt.State.(*memState); ok {
		p.AddSink(guardSink{ms})
	}
	sink := &memSink{}
	p.AddSink(sink)
	ctx := context.Background()
	go p.Run(ctx)
	for _, f := range frames {
		if err := p.Ingest(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	<-p.Done()
	return sink.events, p
}

func TestOutcomes(t *testing.T) {
	meters := []config.Meter{
		{Name: "water", ID: "00000001", Key: key1},
		{Name: "heat", ID: "00000002", Manufacturer: "KAM", Key: key1},
		{Name: "wrong", ID: "00000003", Key: key2},
	}
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(s int, b []byte) Frame {
		return Frame{Input: "stick", Frame: radio.Frame{Data: b, Time: t0.Add(time.Duration(s) * time.Second), Mode: radio.ModeC1, RSSI: -70, HasRSSI: true}}
	}
	w1 := frame(t, 1, 5, 1, 0, 1000, key1)
	h1 := frame(t, 2, 7, 1, 10, 5000, key1)
	h0 := frame(t, 2, 7, 2, 9, 4000, key1) // older counter
	frames := []Frame{
		at(0, w1),
		at(1, w1),                            // duplicate (another receiver)
		at(2, h1),                            // decoded, mode 7
		at(3, frame(t, 3, 5, 1, 0, 7, key1)), // configured with another key
		at(4, frame(t, 4, 5, 1, 0, 7, key1)), // not configured: no key
		at(5, frame(t, 5, 0, 1, 0, 42, nil)), // not configured, plain
		at(60, w1),                           // exact copy much later: replay
		at(61, h0),                           // counter went back: replay
		at(62, frame(t, 1, 5, 2, 0, 1010, key1)),
		at(63, []byte{0x0B, 0x44, 0x2D}), // truncated
	}
	evs, p := run(t, meters, nil, frames)
	want := []struct {
		o     Outcome
		meter string
	}{{Decoded, "water"}, {Duplicate, ""}, {Decoded, "heat"}, {WrongKey, "wrong"}, {NoKey, "kam-00000004"}, {Decoded, "kam-00000005"}, {Replay, "water"}, {Replay, "heat"}, {Decoded, "water"}, {Truncated, ""}}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, w := range want {
		e := evs[i]
		if e.Outcome != w.o || e.Meter != w.meter {
			t.Errorf("event %d: %s %q (%s), want %s %q", i, e.Outcome, e.Meter, e.Err, w.o, w.meter)
		}
	}
	if v := evs[0].Fields["total_m3"]; v != 1.0 {
		t.Errorf("water fields: %v", evs[0].Fields)
	}
	if v := evs[8].Fields["total_m3"]; v != 1.01 {
		t.Errorf("water fields after: %v", evs[8].Fields)
	}
	if evs[0].RSSI == nil || *evs[0].RSSI != -70 || evs[0].Mode != "C1" || evs[0].Input != "stick" || !evs[0].Configured {
		t.Errorf("event 0: %+v", evs[0])
	}
	st := p.Stats()
	if st.Received != 10 || st.Count(Decoded) != 4 || st.Count(Replay) != 2 || st.Count(Duplicate) != 1 || st.Count(NoKey) != 1 || st.Count(WrongKey) != 1 || st.Count(Truncated) != 1 {
		t.Errorf("stats %+v", st)
	}
	u := p.Unknown()
	if len(u) != 2 || u[0].ID != "00000005" || u[0].NeedsKey || u[1].ID != "00000004" || !u[1].NeedsKey || u[1].Manufacturer != "KAM" || u[1].DeviceType == "" {
		t.Errorf("unknown: %+v", u)
	}
}

// Replay guards survive a restart: an old telegram replayed to a new
// pipeline is still refused.
func TestStateAcrossRestart(t *testing.T) {
	meters := []config.Meter{{Name: "heat", ID: "00000002", Key: key1}}
	state := &memState{}
	t0 := time.Now()
	old := frame(t, 2, 7, 1, 10, 5000, key1)
	evs, _ := run(t, meters, state, []Frame{{Frame: radio.Frame{Data: old, Time: t0}}, {Frame: radio.Frame{Data: frame(t, 2, 7, 2, 11, 5100, key1), Time: t0}}})
	if evs[0].Outcome != Decoded || evs[1].Outcome != Decoded {
		t.Fatalf("first run: %v %v", evs[0].Err, evs[1].Err)
	}
	if len(state.m[StateGuard]) != 1 || len(state.m[StateSignature]) != 1 {
		t.Fatalf("state: %v", state.m)
	}
	evs, p := run(t, meters, state, []Frame{{Frame: radio.Frame{Data: old, Time: t0.Add(time.Hour)}}})
	if evs[0].Outcome != Replay {
		t.Fatalf("replay after restart: %s %s", evs[0].Outcome, evs[0].Err)
	}
	if p.Stats().Count(Replay) != 1 {
		t.Error("replay not counted")
	}
}

func BenchmarkPipeline(b *testing.B) {
	meters := []config.Meter{{Name: "water", ID: "00000001", Key: key1}}
	frames := make([][]byte, 256)
	for i := range frames {
		frames[i] = frame(b, 1, 5, byte(i), 0, uint32(i), key1)
	}
	p, _ := New(Options{Meters: meters, DedupWindow: -1})
	p.AddSink(&memSinkDiscard{})
	ctx := context.Background()
	go p.Run(ctx)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Ingest(ctx, Frame{Frame: radio.Frame{Data: frames[i%len(frames)], Time: time.Unix(int64(i), 0)}})
	}
	p.Close()
	<-p.Done()
}

type memSinkDiscard struct{}

func (memSinkDiscard) Name() string                         { return "discard" }
func (memSinkDiscard) Write(context.Context, []Event) error { return nil }

// A meter added while running (the web UI's "add" flow) decodes from then
// on and leaves the unknown list.
func TestAddMeter(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	p.AddSink(sink)
	ctx := context.Background()
	go p.Run(ctx)
	p.Ingest(ctx, Frame{Frame: radio.Frame{Data: frame(t, 9, 5, 1, 0, 100, key1)}})
	waitStats := func(n uint64) {
		for i := 0; i < 500 && p.Stats().Received < n; i++ {
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitStats(1)
	if u := p.Unknown(); len(u) != 1 || !u[0].NeedsKey {
		t.Fatalf("unknown %+v", u)
	}
	if err := p.AddMeter(config.Meter{Name: "new", ID: "00000009", Key: key1}); err != nil {
		t.Fatal(err)
	}
	if len(p.Unknown()) != 0 || len(p.Meters()) != 1 {
		t.Fatalf("after add: %+v %d", p.Unknown(), len(p.Meters()))
	}
	p.Ingest(ctx, Frame{Frame: radio.Frame{Data: frame(t, 9, 5, 2, 0, 200, key1)}})
	p.Close()
	<-p.Done()
	if evs := sink.events; len(evs) != 2 || evs[0].Outcome != NoKey || evs[1].Outcome != Decoded || evs[1].Meter != "new" {
		t.Fatalf("%+v", evs)
	}
}

// Two meters with the same id from different manufacturers each get their
// own key.
func TestSameIDTwoManufacturers(t *testing.T) {
	meters := []config.Meter{{Name: "a", ID: "00000001", Manufacturer: "ELS", Key: key2}, {Name: "b", ID: "00000001", Manufacturer: "KAM", Key: key1}}
	evs, _ := run(t, meters, nil, []Frame{{Frame: radio.Frame{Data: frame(t, 1, 5, 1, 0, 5, key1), Time: time.Now()}}})
	if evs[0].Outcome != Decoded || evs[0].Meter != "b" {
		t.Fatalf("%s %s %s", evs[0].Outcome, evs[0].Meter, evs[0].Err)
	}
}
