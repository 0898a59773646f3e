package mqtt

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/meterwire/meterwire/pipeline"
)

// BenchmarkWrite1000 measures Write of a 1000-event batch into the
// on-disk queue (the broker is away, so nothing drains it meanwhile).
func BenchmarkWrite1000(b *testing.B) {
	dir := b.TempDir()
	cfg := testConfig("127.0.0.1:"+itoa(freePort(b)), dir)
	cfg.HomeAssistant = true
	opt := Options{ReconnectMin: 10e9, ReconnectMax: 10e9}
	s, err := New(context.Background(), cfg, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]pipeline.Event, 1000)
	for i := range batch {
		batch[i] = reading([]string{"water", "heat", "grid", "gas"}[i%4], i)
		batch[i].Fields["flow_temperature_c"] = 21.5
		batch[i].Fields["meter_datetime"] = "2026-01-02 03:04"
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := s.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		files, _ := filepath.Glob(filepath.Join(dir, "msg-*.mqtt"))
		for _, f := range files {
			os.Remove(f)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
}
