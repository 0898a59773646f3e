package history

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/store"
)

func TestWrite(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st)
	acked := 0
	s.Committed = func(r []store.Reading) { acked += len(r) }
	now := time.Now().UTC().Truncate(time.Millisecond)
	rssi := -70
	err = s.Write(context.Background(), []pipeline.Event{
		{Time: now, Meter: "water", Input: "stick", Outcome: pipeline.Decoded, RSSI: &rssi, Fields: map[string]any{"total_m3": 1.5}, Hex: "2E44"},
		{Time: now, Meter: "kam-1", Input: "stick", Outcome: pipeline.NoKey, Hex: "2E45"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs, err := st.Readings(ctx, "water", time.Time{}, now.Add(time.Second), 0)
	if err != nil || len(rs) != 1 || rs[0].Fields["total_m3"] != 1.5 || acked != 1 {
		t.Fatalf("readings %v %v, acked %d", rs, err, acked)
	}
	log, err := st.RecentTelegrams(ctx, store.TelegramFilter{})
	if err != nil || len(log) != 2 || log[0].Outcome == log[1].Outcome {
		t.Fatalf("telegram log %+v %v", log, err)
	}
	nk, _ := st.RecentTelegrams(ctx, store.TelegramFilter{Outcome: "no-key"})
	if len(nk) != 1 || nk[0].Meter != "kam-1" || nk[0].Hex != "2E45" {
		t.Fatalf("no-key entries %+v", nk)
	}
}
