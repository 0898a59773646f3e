package metrics

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/meterwire/meterwire/pipeline"
)

// families scrapes m: the number of series of each metric, and the value
// of the metrics without labels.
func families(t *testing.T, m *Metrics) (map[string]int, map[string]float64) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	series, single := map[string]int{}, map[string]float64{}
	for name, f := range fams {
		series[name] = len(f.Metric)
		if len(f.Metric) == 1 && len(f.Metric[0].Label) == 0 {
			if f.Metric[0].Counter != nil {
				single[name] = f.Metric[0].Counter.GetValue()
			} else if f.Metric[0].Gauge != nil {
				single[name] = f.Metric[0].Gauge.GetValue()
			}
		}
	}
	return series, single
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestUnknownMeterCap floods the metrics with readings of 300,000
// invented meter ids beside 1,500 configured meters: the configured
// meters all keep their series, the invented ones get at most the cap's
// (1,000), memory stays flat, and the readings without series are counted.
func TestUnknownMeterCap(t *testing.T) {
	const configured, flood = 1500, 300000
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	m := New(Options{Now: func() time.Time { return now }})
	fields := map[string]any{"total_m3": 1.5, "flow_temperature_c": 20.0}
	batch := make([]pipeline.Event, 0, 1000)
	write := func() {
		if err := m.Write(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range configured {
		batch = append(batch, pipeline.Event{Outcome: pipeline.Decoded, Configured: true, Meter: "meter" + strconv.Itoa(i), Time: now, Fields: fields})
		if len(batch) == cap(batch) {
			write()
		}
	}
	write()
	invent := func(from, n int) {
		for i := from; i < from+n; i++ {
			batch = append(batch, pipeline.Event{Outcome: pipeline.Decoded, Meter: "kam-" + strconv.Itoa(10000000+i), Time: now, Fields: fields})
			if len(batch) == cap(batch) {
				write()
			}
		}
		write()
	}
	invent(0, 2000) // fills the cap
	before := heapInUse()
	invent(2000, flood-2000)
	after := heapInUse()
	if after > before+2<<20 {
		t.Errorf("the heap grew from %d to %d bytes during the flood", before, after)
	}
	series, single := families(t, m)
	if want := configured + DefaultMaxUnknown; series["meterwire_meter_last_seen_timestamp_seconds"] != want {
		t.Errorf("%d meters with series, want %d", series["meterwire_meter_last_seen_timestamp_seconds"], want)
	}
	if want := 2 * (configured + DefaultMaxUnknown); series["meterwire_reading"] != want {
		t.Errorf("%d reading series, want %d", series["meterwire_reading"], want)
	}
	if got, want := single["meterwire_unknown_meters_dropped_total"], float64(flood-DefaultMaxUnknown); got != want {
		t.Errorf("meterwire_unknown_meters_dropped_total %v, want %v", got, want)
	}
	// Configured meters are never capped, also after the flood; a meter
	// of the flood configured since (AddMeter) frees its place.
	batch = append(batch,
		pipeline.Event{Outcome: pipeline.Decoded, Configured: true, Meter: "late", Time: now, Fields: fields},
		pipeline.Event{Outcome: pipeline.Decoded, Configured: true, Meter: "kam-10000000", Time: now, Fields: fields},
		pipeline.Event{Outcome: pipeline.Decoded, Meter: "kam-20000000", Time: now, Fields: fields})
	write()
	series, single = families(t, m)
	if want := configured + DefaultMaxUnknown + 2; series["meterwire_meter_last_seen_timestamp_seconds"] != want {
		t.Errorf("%d meters with series, want %d", series["meterwire_meter_last_seen_timestamp_seconds"], want)
	}
	if got, want := single["meterwire_unknown_meters_dropped_total"], float64(flood-DefaultMaxUnknown); got != want {
		t.Errorf("meterwire_unknown_meters_dropped_total %v, want %v", got, want)
	}

	// Meters of the flood silent for an hour give their places up.
	now = now.Add(2 * time.Hour)
	invent(500000, 1200)
	series, single = families(t, m)
	if want := configured + 2 + DefaultMaxUnknown; series["meterwire_meter_last_seen_timestamp_seconds"] != want {
		t.Errorf("%d meters with series after the expiry, want %d", series["meterwire_meter_last_seen_timestamp_seconds"], want)
	}
	if got, want := single["meterwire_unknown_meters_dropped_total"], float64(flood-DefaultMaxUnknown+200); got != want {
		t.Errorf("meterwire_unknown_meters_dropped_total %v, want %v", got, want)
	}
	if m.UnknownDropped() != uint64(single["meterwire_unknown_meters_dropped_total"]) {
		t.Errorf("UnknownDropped %d", m.UnknownDropped())
	}
}

// TestMQTTStats: the MQTT sink's state, set after the metrics were made.
func TestMQTTStats(t *testing.T) {
	m := New(Options{})
	_, single := families(t, m)
	if _, ok := single["meterwire_mqtt_queue_bytes"]; ok {
		t.Error("MQTT series without an MQTT sink")
	}
	m.SetMQTT(func() MQTTStats {
		return MQTTStats{Connected: true, QueueBytes: 1234, QueueLimit: 256 << 20, Superseded: 7, Refused: 2, Compactions: 3}
	})
	_, single = families(t, m)
	for name, want := range map[string]float64{
		"meterwire_mqtt_connected":               1,
		"meterwire_mqtt_queue_bytes":             1234,
		"meterwire_mqtt_queue_limit_bytes":       256 << 20,
		"meterwire_mqtt_queue_superseded_total":  7,
		"meterwire_mqtt_queue_refused_total":     2,
		"meterwire_mqtt_queue_compactions_total": 3,
	} {
		if got, ok := single[name]; !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
}
