package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/meterwire/meterwire/pipeline"
)

func TestExposition(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	clock := now.Add(-10 * time.Minute) // started ten minutes ago: silence counts from the start
	rssi := -71
	m := New(Options{
		Now:     func() time.Time { return clock },
		Expect:  map[string]time.Duration{"water": time.Hour, "gas \"cellar\"": time.Minute},
		Unknown: func() int { return 3 },
		Inputs: func() []InputState {
			return []InputState{{Name: "im871a:/dev/ttyUSB0?mode=c1", Connected: true, LastFrame: now, Frames: 12}, {Name: "p1\n\"odd\"", Reconnects: 2}}
		},
	})
	m.Write(context.Background(), []pipeline.Event{
		{Outcome: pipeline.Decoded, Meter: "water", Time: now.Add(-time.Minute), RSSI: &rssi, Fields: map[string]any{"total_m3": 12.345, "status": "OK", "error_flags": 0, "flag": true}},
		{Outcome: pipeline.Decoded, Meter: "gas \"cellar\"", Time: now.Add(-2 * time.Minute), Fields: map[string]any{"total_m3": 1.5}},
		{Outcome: pipeline.NoKey, Meter: "kam-1"},
		{Outcome: pipeline.Duplicate},
		{Outcome: pipeline.Replay, Meter: "water"},
	})
	clock = now
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, rec.Body.String())
	}
	get := func(name string, labels map[string]string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s", name)
		}
	next:
		for _, mt := range f.Metric {
			for _, l := range mt.Label {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			if mt.Gauge != nil {
				return mt.Gauge.GetValue()
			}
			return mt.Counter.GetValue()
		}
		t.Fatalf("%s%v not found", name, labels)
		return 0
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"meterwire_telegrams_total", map[string]string{"outcome": "decoded"}, 2},
		{"meterwire_telegrams_total", map[string]string{"outcome": "replay"}, 1},
		{"meterwire_telegrams_total", map[string]string{"outcome": "wrong-key"}, 0},
		{"meterwire_reading", map[string]string{"meter": "water", "field": "total_m3"}, 12.345},
		{"meterwire_reading", map[string]string{"meter": "water", "field": "flag"}, 1},
		{"meterwire_reading", map[string]string{"meter": "gas \"cellar\"", "field": "total_m3"}, 1.5},
		{"meterwire_meter_rssi_dbm", map[string]string{"meter": "water"}, -71},
		{"meterwire_meter_last_seen_timestamp_seconds", map[string]string{"meter": "water"}, float64(now.Unix() - 60)},
		{"meterwire_meter_silent", map[string]string{"meter": "water"}, 0},
		{"meterwire_meter_silent", map[string]string{"meter": "gas \"cellar\""}, 1},
		{"meterwire_input_connected", map[string]string{"input": "im871a:/dev/ttyUSB0?mode=c1"}, 1},
		{"meterwire_input_connected", map[string]string{"input": "p1\n\"odd\""}, 0},
		{"meterwire_input_reconnects_total", map[string]string{"input": "p1\n\"odd\""}, 2},
		{"meterwire_input_frames_total", map[string]string{"input": "im871a:/dev/ttyUSB0?mode=c1"}, 12},
		{"meterwire_unknown_meters", nil, 3},
	}
	for _, c := range checks {
		if got := get(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := fams["meterwire_reading"]; ok {
		for _, mt := range fams["meterwire_reading"].Metric {
			for _, l := range mt.Label {
				if l.GetValue() == "status" {
					t.Error("a text field was exported as a number")
				}
			}
		}
	}
	if s := m.Silent(); len(s) != 1 || s[0] != "gas \"cellar\"" {
		t.Errorf("silent %q", s)
	}
}

func BenchmarkWrite(b *testing.B) {
	m := New(Options{})
	evs := make([]pipeline.Event, 1000)
	for i := range evs {
		evs[i] = pipeline.Event{Outcome: pipeline.Decoded, Meter: "m" + string(rune('a'+i%26)), Fields: map[string]any{"total_m3": float64(i), "flow_temperature_c": 20.5}}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Write(context.Background(), evs)
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
