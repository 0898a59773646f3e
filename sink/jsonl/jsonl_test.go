package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	s := New(&b, false)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s.Write(context.Background(), []pipeline.Event{
		{Time: now, Meter: "water", Kind: "wmbus", Outcome: pipeline.Decoded, Fields: map[string]any{"total_m3": 1.5, "text": "<script>\n"}},
		{Time: now, Meter: "x", Outcome: pipeline.NoKey},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%q", b.String())
	}
	var r Reading
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Meter != "water" || r.Fields["total_m3"] != 1.5 || r.Fields["text"] != "<script>\n" || r.Time != "2026-11-30T12:00:00Z" {
		t.Fatalf("%v %+v", err, r)
	}
	b.Reset()
	New(&b, true).Write(context.Background(), []pipeline.Event{{Time: now, Meter: "x", Outcome: pipeline.NoKey, Err: "no key"}})
	if !strings.Contains(b.String(), `"outcome":"no-key"`) {
		t.Fatalf("%q", b.String())
	}
}
