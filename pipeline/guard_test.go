package pipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// clockFrame builds a mode 5 frame whose records are the meter's clock
// (type F, local time) and a volume in litres.
func clockFrame(t testing.TB, id uint32, acc byte, clock time.Time, summer bool, litres uint32) []byte {
	t.Helper()
	m, _ := wmbus.ParseManufacturer("KAM")
	y := clock.Year() - 2000
	hour := byte(clock.Hour())
	if summer {
		hour |= 0x80
	}
	payload := []byte{0x04, 0x6D, byte(clock.Minute()), hour, byte(clock.Day()) | byte(y&7)<<5, byte(clock.Month()) | byte(y>>3)<<4,
		0x04, 0x13, byte(litres), byte(litres >> 8), byte(litres >> 16), byte(litres >> 24)}
	s := &wmbus.Spec{C: 0x44, Link: wmbus.Address{Manufacturer: m, ID: id, Version: 1, Type: 7},
		TPL: wmbus.TPLSpec{ACC: acc, Security: 5}, Payload: payload, Key: key1, Format: wmbus.FormatNone}
	b, err := wmbus.AppendFrame(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func outcomes(evs []Event) string {
	var b strings.Builder
	for i, ev := range evs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ev.Outcome.String())
	}
	return b.String()
}

var water = []config.Meter{{Name: "water", ID: "00000001", Key: key1}}

// The defect: a mode 5 meter (no message counter, no clock) had an old
// telegram accepted after newer ones once it was more than 8 telegrams
// back, and its value went backwards. The access number refuses it now.
func TestOldTelegramAfterNewerOnesIsRefused(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var frames []Frame
	for i := range 20 {
		frames = append(frames, Frame{Frame: radio.Frame{Data: frame(t, 1, 5, byte(100+i), 0, uint32(474170+i*2), key1), Time: t0.Add(time.Duration(i) * 16 * time.Second)}})
	}
	old := frames[2].Data
	frames = append(frames, Frame{Frame: radio.Frame{Data: old, Time: t0.Add(time.Hour)}})
	evs, _ := run(t, water, nil, frames)
	last := evs[len(evs)-1]
	if last.Outcome != Replay || !strings.Contains(last.Err, "access number 102 is 17 behind the newest accepted one (119)") {
		t.Fatalf("old telegram: %s %q", last.Outcome, last.Err)
	}
	for _, ev := range evs[:20] {
		if ev.Outcome != Decoded || ev.ReadingID == 0 || ev.State == nil {
			t.Fatalf("%s %q id %x", ev.Outcome, ev.Err, ev.ReadingID)
		}
	}
}

// The access number wraps from 255 to 0; a telegram far behind (more than
// the window) is taken for one ahead, and the meter recovers after a gap.
func TestAccessNumberWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	f := func(acc byte) Frame {
		n++
		return Frame{Frame: radio.Frame{Data: frame(t, 1, 5, acc, 0, uint32(n), key1), Time: t0.Add(time.Duration(n) * time.Minute)}}
	}
	evs, _ := run(t, water, nil, []Frame{
		f(250), f(254), f(3), // wraps: accepted
		f(255), // 4 behind 3: refused
		f(195), // 64 behind: refused
		f(194), // 65 behind: outside the window, accepted
		f(190), // 4 behind the new reference: refused
	})
	if got := outcomes(evs); got != "decoded decoded decoded replay replay decoded replay" {
		t.Fatalf("outcomes: %s", got)
	}
}

// The meter's clock decides where there is one, whatever the access number
// says; summer time counts an hour less.
func TestMeterClockOrder(t *testing.T) {
	t0 := time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC)
	at := func(s int, b []byte) Frame {
		return Frame{Frame: radio.Frame{Data: b, Time: t0.Add(time.Duration(s) * time.Minute)}}
	}
	evs, _ := run(t, water, nil, []Frame{
		at(0, clockFrame(t, 1, 10, t0, true, 100)),                       // 02:30 summer time
		at(1, clockFrame(t, 1, 11, t0.Add(-50*time.Minute), false, 101)), // 01:40 winter time: later
		at(2, clockFrame(t, 1, 200, t0.Add(-45*time.Minute), false, 102)),
		at(3, clockFrame(t, 1, 201, t0.Add(-55*time.Minute), false, 103)), // clock went back
	})
	if got := outcomes(evs); got != "decoded decoded decoded replay" {
		t.Fatalf("outcomes: %s (%s)", got, evs[3].Err)
	}
	if !strings.Contains(evs[3].Err, "the meter's clock (2026-10-25 01:35:00) is before the newest accepted telegram's (2026-10-25 01:45:00)") {
		t.Errorf("reason: %s", evs[3].Err)
	}
}

// A meter whose counter restarted is refused until nothing was accepted
// for ReplayReset, then heard again; exact copies stay refused.
func TestReplayResetRecovers(t *testing.T) {
	meters := []config.Meter{{Name: "heat", ID: "00000002", Key: key1}}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration, b []byte) Frame { return Frame{Frame: radio.Frame{Data: b, Time: t0.Add(d)}} }
	first := frame(t, 2, 7, 1, 5000, 1, key1)
	var logs []string
	evs, _ := runOpt(t, Options{Meters: meters, ReplayReset: 6 * time.Hour, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}, []Frame{
		at(0, first),
		at(time.Hour, frame(t, 2, 7, 2, 1, 2, key1)),   // reset meter: counter 1
		at(5*time.Hour, frame(t, 2, 7, 3, 2, 3, key1)), // still refused
		at(6*time.Hour, first),                         // exact copy: refused
		at(6*time.Hour+time.Minute, frame(t, 2, 7, 4, 3, 4, key1)),
		at(7*time.Hour, frame(t, 2, 7, 5, 4, 5, key1)),
		at(7*time.Hour+time.Minute, frame(t, 2, 7, 3, 2, 3, key1)), // behind the new reference
	})
	if got := outcomes(evs); got != "decoded replay replay replay decoded decoded replay" {
		t.Fatalf("outcomes: %s", got)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "accepted again after 3 telegrams refused") {
		t.Errorf("logs: %q", logs)
	}
}

// A flood of invented ids does not grow the per-meter state without end.
func TestUnconfiguredStateCap(t *testing.T) {
	p, err := New(Options{DedupWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	n := maxUnconfiguredStates + 500
	for i := range n {
		ev := p.process(Frame{Frame: radio.Frame{Data: frame(t, uint32(i+1), 0, 1, 0, 1, nil), Time: t0}})
		if ev.Outcome != Decoded {
			t.Fatalf("%d: %s %s", i, ev.Outcome, ev.Err)
		}
	}
	if len(p.dec.meters) != maxUnconfiguredStates || len(p.Unknown()) != maxUnknown {
		t.Errorf("%d states, %d unknown", len(p.dec.meters), len(p.Unknown()))
	}
	if got := p.Stats().UnconfiguredDropped; got != 500 {
		t.Errorf("dropped %d, want 500", got)
	}
	// Configured meters are never capped.
	if err := p.AddMeter(config.Meter{Name: "late", ID: "99999999", Key: key1}); err != nil {
		t.Fatal(err)
	}
	ev := p.process(Frame{Frame: radio.Frame{Data: frame(t, 0x99999999, 5, 1, 0, 1, key1), Time: t0}})
	if ev.Outcome != Decoded || ev.State == nil {
		t.Fatalf("configured meter after the cap: %s %s", ev.Outcome, ev.Err)
	}
}

func TestGuardMarshal(t *testing.T) {
	g := guard{has: hasACC | hasClock, acc: 7, counter: 9, clock: -5, accepted: 123, next: 3}
	g.recent[2] = 0xDEADBEEF
	var h guard
	if !h.load(g.appendTo(nil)) || h != g {
		t.Fatalf("%+v != %+v", h, g)
	}
	if h.load([]byte{1, 2, 3}) || h.load(append([]byte{2}, g.appendTo(nil)[1:]...)) {
		t.Error("bad forms accepted")
	}
}

// The persisted guard is read back from the store: any bytes load or are
// refused without a panic, and what loads writes back the same.
func FuzzGuardLoad(f *testing.F) {
	g := guard{has: hasCounter | hasACC, acc: 3, counter: 77, clock: 1 << 40, accepted: 1 << 60, next: 5}
	f.Add(g.appendTo(nil))
	f.Add([]byte{})
	f.Add([]byte{guardVersion, 0xFF, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		var g guard
		if !g.load(b) {
			return
		}
		if got := g.appendTo(nil); string(got) != string(b) {
			t.Fatalf("round trip %x != %x", got, b)
		}
	})
}
