package store

import (
	"fmt"
	"testing"
	"time"
)

func benchBatch(batch []Reading, start, meters int) {
	for i := range batch {
		n := start + i
		batch[i] = Reading{
			Meter: fmt.Sprintf("wmbus:KAM:%08d", n%meters),
			Time:  t0.Add(time.Duration(n) * time.Second),
			Fields: map[string]any{
				"energy_kwh":  float64(n) * 0.125,
				"volume_m3":   float64(n) * 0.001,
				"power_w":     n % 5000,
				"flow_temp_c": 55.5,
				"status":      "ok",
			},
		}
	}
}

func benchmarkAdd(b *testing.B, meters int) {
	s := openTemp(b, Options{})
	const size = 1000
	// Build the batches up front so that only Add is measured.
	batches := make([][]Reading, 64)
	for i := range batches {
		batches[i] = make([]Reading, size)
		benchBatch(batches[i], i*size, meters)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		batch := batches[i%len(batches)]
		if err := s.Add(ctx, batch); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i*size)/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*size), "ns/reading")
}

// BenchmarkAdd stores batches of 1000 readings with 5 fields each, spread
// over 100 meters.
func BenchmarkAdd(b *testing.B) { benchmarkAdd(b, 100) }

// BenchmarkAddDistinctMeters is the worst case for the meter summaries:
// every reading of a batch belongs to another meter.
func BenchmarkAddDistinctMeters(b *testing.B) { benchmarkAdd(b, 1000) }

// fill stores n readings spread over meters meters.
func fill(b *testing.B, s *Store, n, meters int) {
	batch := make([]Reading, 1000)
	for i := 0; i < n; i += len(batch) {
		benchBatch(batch, i, meters)
		if err := s.Add(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadings queries 1000 consecutive readings of one meter out of
// 200,000 readings of 20 meters.
func BenchmarkReadings(b *testing.B) {
	s := openTemp(b, Options{})
	fill(b, s, 200000, 20)
	from := t0.Add(50000 * time.Second)
	to := from.Add(20000 * time.Second) // every 20th reading belongs to meter 0
	b.ReportAllocs()
	for b.Loop() {
		rs, err := s.Readings(ctx, "wmbus:KAM:00000000", from, to, 0)
		if err != nil || len(rs) != 1000 {
			b.Fatal(len(rs), err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkSeries downsamples one field of 10,000 readings to 500 points.
func BenchmarkSeries(b *testing.B) {
	s := openTemp(b, Options{})
	fill(b, s, 200000, 20)
	b.ReportAllocs()
	for b.Loop() {
		pts, err := s.Series(ctx, "wmbus:KAM:00000000", "energy_kwh", time.Time{}, time.Time{}, 500)
		if err != nil || len(pts) != 500 {
			b.Fatal(len(pts), err)
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkAddTelegrams appends batches of 1000 entries to a telegram log
// capped at 10,000 entries.
func BenchmarkAddTelegrams(b *testing.B) {
	s := openTemp(b, Options{})
	rssi := -70
	batch := make([]TelegramLog, 1000)
	for i := range batch {
		batch[i] = TelegramLog{Time: t0.Add(time.Duration(i) * time.Millisecond), Meter: fmt.Sprintf("wmbus:KAM:%08d", i%100),
			Input: "rf0", Outcome: OutcomeDecoded, RSSI: &rssi, Hex: "2e442d2c7856341230078c20f5900f002c25b30a000021924d4f2fb66e017a75002007109058475f4bc91df878b80a1b0f98b629024aac727942bfc549233c0140829b93"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.AddTelegrams(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "telegrams/s")
}
