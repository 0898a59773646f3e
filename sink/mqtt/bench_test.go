package mqtt

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

// benchBatch is 1000 readings of meters named m0, m1, ... (meters of
// them), with Home Assistant's extra fields.
func benchBatch(meters int) []pipeline.Event {
	batch := make([]pipeline.Event, 1000)
	for i := range batch {
		batch[i] = reading("m"+strconv.Itoa(i%meters), i)
		batch[i].Fields["flow_temperature_c"] = 21.5
		batch[i].Fields["meter_datetime"] = "2026-01-02 03:04"
	}
	return batch
}

// BenchmarkWrite1000 measures Write of a 1000-event batch into the
// outbox (the broker is away, so nothing drains it meanwhile).
func BenchmarkWrite1000(b *testing.B) {
	for _, sync := range []bool{false, true} {
		name := "nosync"
		if sync {
			name = "sync"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			cfg := testConfig("127.0.0.1:"+itoa(freePort(b)), dir)
			cfg.HomeAssistant = true
			opt := Options{ReconnectMin: 10e9, ReconnectMax: 10e9, SyncWrites: sync}
			s, err := New(context.Background(), cfg, opt)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			batch := benchBatch(4)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkWrite1 measures Write of single events, the batches the
// pipeline hands over when readings trickle in: the cost of
// Options.SyncWrites is one fsync per Write.
func BenchmarkWrite1(b *testing.B) {
	for _, sync := range []bool{false, true} {
		name := "nosync"
		if sync {
			name = "sync"
		}
		b.Run(name, func(b *testing.B) {
			cfg := testConfig("127.0.0.1:"+itoa(freePort(b)), b.TempDir())
			s, err := New(context.Background(), cfg, Options{ReconnectMin: 10e9, ReconnectMax: 10e9, SyncWrites: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			batch := benchBatch(4)[:1]
			ctx := context.Background()
			for b.Loop() {
				if err := s.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkEndToEnd writes 1000-event batches of 1000 meters into a sink
// connected to an in-process mochi broker, and waits until the broker has
// acknowledged every message: events/s is the sink's sustained publishing
// rate (Write, the outbox, the publishers, PUBACK).
func BenchmarkEndToEnd(b *testing.B) {
	for _, pubs := range []int{16, 64} {
		b.Run("publishers="+itoa(pubs), func(b *testing.B) {
			addr, _ := startMochi(b, "127.0.0.1:0")
			cfg := testConfig(addr, b.TempDir())
			opt := Options{Publishers: pubs, FlushTimeout: time.Minute}
			s, err := New(context.Background(), cfg, opt)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if err := s.cm.AwaitConnection(ctx); err != nil {
				b.Fatal(err)
			}
			batch := benchBatch(1000)
			b.ResetTimer()
			for range b.N {
				if err := s.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.ob.waitDrained(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkCompaction compacts an outbox of 5 states of each of 20,000
// meters (~33 MB, 330-byte states) down to the newest state of each:
// MB/s is of the outbox before compaction.
func BenchmarkCompaction(b *testing.B) {
	const meters, rounds = 20000, 5
	payload := make([]byte, 300)
	var total int64
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		o, err := openOutbox(dir, outboxOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var bt batch
		for range rounds {
			for i := range meters {
				topic := "meterwire/meter" + strconv.Itoa(i) + "/state"
				bt.add(fnv32(topic), topic, payload, true)
				if bt.len() == 1000 {
					if err := o.append(&bt); err != nil {
						b.Fatal(err)
					}
					bt.reset()
				}
			}
		}
		b.StartTimer()
		c, err := o.compact()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if c.kept != meters {
			b.Fatalf("kept %d", c.kept)
		}
		total += c.before
		_ = o.close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/1e6/b.Elapsed().Seconds(), "MB/s")
}
