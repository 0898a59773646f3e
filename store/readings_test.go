package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const nasty = "he said \"hi\",\nthen <script>alert('x')</script>\t\\ \x01 \u2028 ü€😀"

func TestReadingsRoundTrip(t *testing.T) {
	s := openTemp(t, Options{})
	in := []Reading{
		{Meter: "wmbus:KAM:12345678", Time: t0.Add(123456789 * time.Nanosecond), Telegram: "abc123", Fields: map[string]any{
			"energy_kwh": 1234.567,
			"float_int":  5.0,
			"volume":     float32(0.1),
			"count":      42,
			"big":        int64(math.MaxInt64),
			"huge":       uint64(math.MaxUint64),
			"neg":        int8(-7),
			"text":       nasty,
			"on":         true,
			"none":       nil,
			"nan":        math.NaN(),
			"1-0:1.8.0":  12.5,
			`we"ird\key`: "v",
			"nested":     map[string]any{"a": []int{1, 2}},
			"num":        json.Number("1e3"),
		}},
		{Meter: "p1:E0012", Time: t0.In(time.FixedZone("CET", 3600)), Fields: map[string]any{}},
		{Meter: "p1:E0012", Time: t0.Add(time.Second), Fields: nil},
	}
	if err := s.Add(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Readings(ctx, "wmbus:KAM:12345678", time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d readings", len(got))
	}
	r := got[0]
	if !r.Time.Equal(in[0].Time) || r.Time.Location() != time.UTC || r.Meter != in[0].Meter || r.Telegram != "abc123" {
		t.Errorf("got %v %q %q", r.Time, r.Meter, r.Telegram)
	}
	want := map[string]any{
		"energy_kwh": 1234.567,
		"float_int":  5.0,
		"volume":     0.1,
		"count":      int64(42),
		"big":        int64(math.MaxInt64),
		"huge":       uint64(math.MaxUint64),
		"neg":        int64(-7),
		"text":       nasty,
		"on":         true,
		"none":       nil,
		"nan":        nil,
		"1-0:1.8.0":  12.5,
		`we"ird\key`: "v",
		"nested":     map[string]any{"a": []any{int64(1), int64(2)}},
		"num":        1000.0,
	}
	if !reflect.DeepEqual(r.Fields, want) {
		for k, v := range want {
			if !reflect.DeepEqual(r.Fields[k], v) {
				t.Errorf("field %q = %#v (%T), want %#v (%T)", k, r.Fields[k], r.Fields[k], v, v)
			}
		}
		t.Errorf("fields = %#v", r.Fields)
	}

	got, err = s.Readings(ctx, "p1:E0012", time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Time.Equal(t0) || len(got[0].Fields) != 0 || got[1].Fields == nil || got[0].Telegram != "" {
		t.Errorf("p1 readings = %#v", got)
	}
	if got, err := s.Readings(ctx, "unknown", time.Time{}, time.Time{}, 0); err != nil || len(got) != 0 {
		t.Errorf("unknown meter: %v, %v", got, err)
	}
}

func TestAddValidation(t *testing.T) {
	s := openTemp(t, Options{})
	good := Reading{Meter: "m", Time: t0, Fields: map[string]any{"a": 1}}
	for name, bad := range map[string]Reading{
		"no meter":  {Time: t0},
		"zero time": {Meter: "m"},
		"year 3000": {Meter: "m", Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"bad value": {Meter: "m", Time: t0, Fields: map[string]any{"ch": make(chan int)}},
		"bad num":   {Meter: "m", Time: t0, Fields: map[string]any{"n": json.Number("12abc")}},
	} {
		if err := s.Add(ctx, []Reading{good, bad}); err == nil {
			t.Errorf("%s: Add succeeded", name)
		}
	}
	// Rejected batches leave nothing behind.
	if got, _ := s.Readings(ctx, "m", time.Time{}, time.Time{}, 0); len(got) != 0 {
		t.Errorf("rejected batches stored %d readings", len(got))
	}
	if m, _ := s.Meters(ctx); len(m) != 0 {
		t.Errorf("rejected batches created meters %v", m)
	}
	if err := s.Add(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestAddCancelledContext(t *testing.T) {
	s := openTemp(t, Options{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Add(c, []Reading{{Meter: "m", Time: t0}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with cancelled context: %v", err)
	}
	if got, _ := s.Readings(ctx, "m", time.Time{}, time.Time{}, 0); len(got) != 0 {
		t.Errorf("cancelled Add stored %d readings", len(got))
	}
}

// addSeries stores n readings of meter one second apart from t0, with
// fields seq (int) and v (float, seq*1.5), in batches of batch.
func addSeries(t testing.TB, s *Store, meter string, n, batch int) {
	t.Helper()
	var rs []Reading
	for i := 0; i < n; i++ {
		rs = append(rs, Reading{Meter: meter, Time: t0.Add(time.Duration(i) * time.Second),
			Fields: map[string]any{"seq": i, "v": float64(i) * 1.5}})
		if len(rs) == batch || i == n-1 {
			if err := s.Add(ctx, rs); err != nil {
				t.Fatal(err)
			}
			rs = rs[:0]
		}
	}
}

func seqs(rs []Reading) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.Fields["seq"].(int64))
	}
	return out
}

func TestReadingsRangeBoundaries(t *testing.T) {
	s := openTemp(t, Options{})
	addSeries(t, s, "m", 10, 3)
	addSeries(t, s, "other", 10, 10)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for _, tc := range []struct {
		from, to time.Time
		limit    int
		want     []int64
	}{
		{at(2), at(5), 0, []int64{2, 3, 4}},                            // from inclusive, to exclusive
		{at(2).Add(1), at(5).Add(1), 0, []int64{3, 4, 5}},              // one nanosecond later
		{at(2), at(2), 0, nil},                                         // empty range
		{at(5), at(2), 0, nil},                                         // reversed range
		{time.Time{}, at(2), 0, []int64{0, 1}},                         // open start
		{at(8), time.Time{}, 0, []int64{8, 9}},                         // open end
		{time.Time{}, time.Time{}, 4, []int64{0, 1, 2, 3}},             // limit
		{at(3).In(time.FixedZone("X", -7*3600)), at(4), 0, []int64{3}}, // zones do not matter
	} {
		got, err := s.Readings(ctx, "m", tc.from, tc.to, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if g := seqs(got); !reflect.DeepEqual(g, tc.want) {
			t.Errorf("Readings(%v, %v, %d) = %v, want %v", tc.from, tc.to, tc.limit, g, tc.want)
		}
	}
	// Equal times keep insertion order.
	s.Add(ctx, []Reading{
		{Meter: "same", Time: t0, Fields: map[string]any{"seq": 1}},
		{Meter: "same", Time: t0, Fields: map[string]any{"seq": 2}},
	})
	s.Add(ctx, []Reading{{Meter: "same", Time: t0, Fields: map[string]any{"seq": 3}}})
	got, _ := s.Readings(ctx, "same", t0, t0.Add(1), 0)
	if g := seqs(got); !reflect.DeepEqual(g, []int64{1, 2, 3}) {
		t.Errorf("equal times: %v", g)
	}
}

func TestSeries(t *testing.T) {
	s := openTemp(t, Options{})
	addSeries(t, s, "m", 1000, 250)
	// Non-numeric values of the field are skipped.
	s.Add(ctx, []Reading{
		{Meter: "m", Time: t0.Add(-time.Second), Fields: map[string]any{"v": "n/a"}},
		{Meter: "m", Time: t0.Add(-2 * time.Second), Fields: map[string]any{"v": true}},
		{Meter: "m", Time: t0.Add(-3 * time.Second), Fields: map[string]any{"other": 1}},
		{Meter: "m", Time: t0.Add(-4 * time.Second), Fields: map[string]any{"v": nil}},
	})

	pts, err := s.Series(ctx, "m", "v", t0, t0.Add(10*time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 10 || pts[3].Value != 4.5 || !pts[3].Time.Equal(t0.Add(3*time.Second)) {
		t.Errorf("raw series = %v", pts)
	}
	all, err := s.Series(ctx, "m", "v", time.Time{}, time.Time{}, 1000)
	if err != nil || len(all) != 1000 || all[0].Value != 0 {
		t.Fatalf("series with maxPoints == samples: %d points, %v", len(all), err)
	}

	pts, err = s.Series(ctx, "m", "v", time.Time{}, time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 100 {
		t.Fatalf("downsampled to %d points, want 100", len(pts))
	}
	// The non-numeric readings widen the span by 4s; each bucket covers
	// about 10 samples, and its mean value and time line up with v = 1.5*i.
	for i, p := range pts {
		wantV := 1.5 * p.Time.Sub(t0).Seconds()
		if math.Abs(p.Value-wantV) > 1e-6 {
			t.Errorf("point %d: %v at %v, want %v", i, p.Value, p.Time, wantV)
		}
		if i > 0 && !p.Time.After(pts[i-1].Time) {
			t.Errorf("point %d not after point %d", i, i-1)
		}
	}
	if first, last := pts[0].Time, pts[len(pts)-1].Time; first.Sub(t0) > 10*time.Second || t0.Add(999*time.Second).Sub(last) > 10*time.Second {
		t.Errorf("points span %v..%v, want about the whole range", first, last)
	}

	if pts, err := s.Series(ctx, "m", "other", time.Time{}, time.Time{}, 10); err != nil || len(pts) != 1 || pts[0].Value != 1 {
		t.Errorf("sparse field: %v, %v", pts, err)
	}
	if pts, err := s.Series(ctx, "m", "missing", time.Time{}, time.Time{}, 10); err != nil || len(pts) != 0 {
		t.Errorf("missing field: %v, %v", pts, err)
	}
	if pts, err := s.Series(ctx, "nope", "v", time.Time{}, time.Time{}, 10); err != nil || len(pts) != 0 {
		t.Errorf("missing meter: %v, %v", pts, err)
	}
	// Field names with JSON-path syntax in them.
	for _, name := range []string{"1-0:1.8.0", `a"b`, `c\d`, "e.f", "g[0]", "$", ""} {
		s.Add(ctx, []Reading{{Meter: "names", Time: t0, Fields: map[string]any{name: 7, "x": 1}}})
		pts, err := s.Series(ctx, "names", name, time.Time{}, time.Time{}, 0)
		if err != nil || len(pts) == 0 || pts[len(pts)-1].Value != 7 {
			t.Errorf("field %q: %v, %v", name, pts, err)
		}
	}
}

func TestMeters(t *testing.T) {
	s := openTemp(t, Options{})
	if m, err := s.Meters(ctx); err != nil || len(m) != 0 {
		t.Fatalf("empty store: %v, %v", m, err)
	}
	addSeries(t, s, "b", 5, 2)
	// Out-of-order readings: the newest by time keeps the last fields.
	s.Add(ctx, []Reading{
		{Meter: "a", Time: t0.Add(time.Hour), Fields: map[string]any{"x": "newest"}},
		{Meter: "a", Time: t0, Fields: map[string]any{"x": "older"}},
	})
	s.Add(ctx, []Reading{{Meter: "a", Time: t0.Add(-time.Hour), Fields: map[string]any{"x": "oldest"}}})
	m, err := s.Meters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []MeterSummary{
		{Meter: "a", First: t0.Add(-time.Hour), Last: t0.Add(time.Hour), Count: 3, Fields: map[string]any{"x": "newest"}},
		{Meter: "b", First: t0, Last: t0.Add(4 * time.Second), Count: 5, Fields: map[string]any{"seq": int64(4), "v": 6.0}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Meters() = %+v\nwant %+v", m, want)
	}
}

func TestPrune(t *testing.T) {
	s := openTemp(t, Options{})
	addSeries(t, s, "a", 12000, 1000) // more than one prune chunk
	addSeries(t, s, "b", 10, 10)
	s.Add(ctx, []Reading{{Meter: "c", Time: t0.Add(-time.Hour)}})

	if n, err := s.Prune(ctx, time.Time{}); n != 0 || err != nil {
		t.Errorf("Prune(zero) = %d, %v", n, err)
	}
	cut := t0.Add(11000 * time.Second)
	n, err := s.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(11000 + 10 + 1); n != want {
		t.Errorf("Prune deleted %d, want %d", n, want)
	}
	got, _ := s.Readings(ctx, "a", time.Time{}, time.Time{}, 0)
	if len(got) != 1000 || !got[0].Time.Equal(cut) {
		t.Errorf("after prune: %d readings, first %v", len(got), got[0].Time)
	}
	m, _ := s.Meters(ctx)
	if len(m) != 1 || m[0].Meter != "a" || m[0].Count != 1000 || !m[0].First.Equal(cut) || !m[0].Last.Equal(t0.Add(11999*time.Second)) {
		t.Errorf("Meters after prune = %+v", m)
	}
	if n, err := s.Prune(ctx, cut); n != 0 || err != nil {
		t.Errorf("second Prune = %d, %v", n, err)
	}
	// A pruned-away meter comes back cleanly.
	s.Add(ctx, []Reading{{Meter: "b", Time: t0, Fields: map[string]any{"seq": 1}}})
	m, _ = s.Meters(ctx)
	if len(m) != 2 || m[1].Meter != "b" || m[1].Count != 1 {
		t.Errorf("Meters after re-adding b = %+v", m)
	}
	integrityCheck(t, s.Path())
}

func TestExportCSV(t *testing.T) {
	s := openTemp(t, Options{})
	s.Add(ctx, []Reading{
		{Meter: "m1", Time: t0, Fields: map[string]any{"b": 1, "a": 2.5, "text": nasty}},
		{Meter: "m2", Time: t0, Fields: map[string]any{"z": true, "big": 1e22, "tiny": 1e-9}},
		{Meter: "m1", Time: t0.Add(time.Second), Fields: map[string]any{"c": nil, "f": "=cmd()", "n": map[string]any{"x": 1}}},
		{Meter: "m1", Time: t0.Add(2 * time.Second), Fields: map[string]any{"outside": 1}},
	})
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, "m1", t0, t0.Add(2*time.Second), FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want := [][]string{
		{"time", "meter", "a", "b", "c", "f", "n", "text"},
		{"2025-03-01T12:00:00Z", "m1", "2.5", "1", "", "", "", nasty},
		{"2025-03-01T12:00:01Z", "m1", "", "", "", "'=cmd()", `{"x":1}`, ""},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("CSV =\n%q\nwant\n%q", recs, want)
	}

	buf.Reset()
	if err := s.Export(ctx, &buf, "", time.Time{}, time.Time{}, FormatCSV); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || strings.Join(recs[0], ",") != "time,meter,a,b,big,c,f,n,outside,text,tiny,z" {
		t.Fatalf("all meters CSV = %q", recs)
	}
	if recs[4][1] != "m2" || recs[4][4] != "1e+22" || recs[4][10] != "1e-09" || recs[4][11] != "true" {
		t.Errorf("m2 row = %q", recs[4])
	}

	buf.Reset()
	if err := s.Export(ctx, &buf, "nope", time.Time{}, time.Time{}, FormatCSV); err != nil || buf.String() != "time,meter\n" {
		t.Errorf("empty CSV = %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := s.Export(ctx, &buf, "m1", time.Time{}, time.Time{}, "xml"); err == nil || buf.Len() != 0 {
		t.Errorf("unknown format: %v, wrote %q", err, buf.String())
	}
}

type exported struct {
	Time     time.Time      `json:"time"`
	Meter    string         `json:"meter"`
	Fields   map[string]any `json:"fields"`
	Telegram string         `json:"telegram"`
}

func TestExportJSON(t *testing.T) {
	s := openTemp(t, Options{})
	in := []Reading{
		{Meter: "m1", Time: t0, Telegram: "t1", Fields: map[string]any{"b": 1, "text": nasty}},
		{Meter: "m2", Time: t0.Add(time.Millisecond), Fields: map[string]any{"z": false}},
		{Meter: "m1", Time: t0.Add(time.Second + 5), Fields: map[string]any{"c": nil, "n": []any{1.5, "x"}}},
	}
	if err := s.Add(ctx, in); err != nil {
		t.Fatal(err)
	}
	wantOrder := []int{0, 2, 1} // by meter, then time

	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, "", time.Time{}, time.Time{}, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var arr []exported
	if err := json.Unmarshal(buf.Bytes(), &arr); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	check := func(name string, got []exported) {
		t.Helper()
		if len(got) != len(wantOrder) {
			t.Fatalf("%s: %d objects", name, len(got))
		}
		for i, j := range wantOrder {
			w := in[j]
			g := got[i]
			wf, _ := json.Marshal(w.Fields)
			gf, _ := json.Marshal(g.Fields)
			if !g.Time.Equal(w.Time) || g.Meter != w.Meter || g.Telegram != w.Telegram || string(wf) != string(gf) {
				t.Errorf("%s[%d] = %+v, want %+v", name, i, g, w)
			}
		}
	}
	check("json", arr)

	buf.Reset()
	if err := s.Export(ctx, &buf, "", time.Time{}, time.Time{}, FormatJSONLines); err != nil {
		t.Fatal(err)
	}
	var lines []exported
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var e exported
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		lines = append(lines, e)
	}
	check("jsonl", lines)

	buf.Reset()
	if err := s.Export(ctx, &buf, "none", time.Time{}, time.Time{}, FormatJSON); err != nil || buf.String() != "[]\n" {
		t.Errorf("empty JSON export = %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := s.Export(ctx, &buf, "none", time.Time{}, time.Time{}, FormatJSONLines); err != nil || buf.Len() != 0 {
		t.Errorf("empty JSONL export = %q, %v", buf.String(), err)
	}
}

func TestTelegramLog(t *testing.T) {
	s := openTemp(t, Options{TelegramLogSize: 50})
	rssi := -71
	var want []TelegramLog
	for batch := 0; batch < 8; batch++ {
		var es []TelegramLog
		for i := 0; i < 13; i++ {
			n := batch*13 + i
			e := TelegramLog{Time: t0.Add(time.Duration(n) * time.Second), Meter: fmt.Sprintf("m%d", n%3),
				Input: "rf0", Outcome: []string{OutcomeDecoded, OutcomeNoKey, OutcomeCRC, OutcomeReplay}[n%4], Hex: fmt.Sprintf("%04x", n)}
			if n%2 == 0 {
				e.RSSI = &rssi
			}
			es = append(es, e)
		}
		if err := s.AddTelegrams(ctx, es); err != nil {
			t.Fatal(err)
		}
		want = append(want, es...)
	}
	var count int
	s.rdb.QueryRow("SELECT count(*) FROM telegrams").Scan(&count)
	if count != 50 {
		t.Errorf("log holds %d entries, want 50", count)
	}
	got, err := s.RecentTelegrams(ctx, TelegramFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("RecentTelegrams returned %d", len(got))
	}
	for i, g := range got {
		w := want[len(want)-1-i]
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("entry %d = %+v, want %+v", i, g, w)
		}
	}
	got, _ = s.RecentTelegrams(ctx, TelegramFilter{Meter: "m1", Outcome: OutcomeNoKey, Limit: 3})
	if len(got) != 3 {
		t.Fatalf("filtered: %d", len(got))
	}
	for _, g := range got {
		if g.Meter != "m1" || g.Outcome != OutcomeNoKey {
			t.Errorf("filter returned %+v", g)
		}
	}
	if got[0].Hex != "0061" { // n = 97: 97%3 == 1, 97%4 == 1
		t.Errorf("newest match = %+v", got[0])
	}
	if got, _ := s.RecentTelegrams(ctx, TelegramFilter{}); len(got) != 50 {
		t.Errorf("default limit returned %d", len(got))
	}

	// A batch larger than the log keeps only its newest entries.
	var big []TelegramLog
	for i := 0; i < 120; i++ {
		big = append(big, TelegramLog{Meter: "x", Hex: fmt.Sprint(i), Outcome: OutcomeDuplicate})
	}
	if err := s.AddTelegrams(ctx, big); err != nil {
		t.Fatal(err)
	}
	got, _ = s.RecentTelegrams(ctx, TelegramFilter{Limit: 100})
	if len(got) != 50 || got[0].Hex != "119" || got[49].Hex != "70" || got[0].Time.IsZero() {
		t.Errorf("after big batch: %d entries, newest %+v", len(got), got[0])
	}

	off := openTemp(t, Options{TelegramLogSize: -1})
	if err := off.AddTelegrams(ctx, big); err != nil {
		t.Fatal(err)
	}
	if got, _ := off.RecentTelegrams(ctx, TelegramFilter{}); len(got) != 0 {
		t.Errorf("disabled log holds %d", len(got))
	}
}

// TestConcurrentReadersWhileWriting checks that readers always see whole
// batches and never fail while a writer ingests (run with -race).
func TestConcurrentReadersWhileWriting(t *testing.T) {
	s := openTemp(t, Options{ReadConns: 3})
	const batches, size = 100, 50
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for b := 0; b < batches; b++ {
			rs := make([]Reading, size)
			for i := range rs {
				n := b*size + i
				rs[i] = Reading{Meter: fmt.Sprintf("m%d", i%2), Time: t0.Add(time.Duration(n) * time.Millisecond), Fields: map[string]any{"seq": n, "v": float64(n)}}
			}
			if err := s.Add(ctx, rs); err != nil {
				errs <- err
				return
			}
			if err := s.AddTelegrams(ctx, []TelegramLog{{Meter: "m0", Outcome: OutcomeDecoded, Hex: "00"}}); err != nil {
				errs <- err
				return
			}
			if err := s.PutState(ctx, "m0", StateFrameCounter, []byte{byte(b)}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for !done.Load() {
				rs, err := s.Readings(ctx, "m0", time.Time{}, time.Time{}, 0)
				if err != nil {
					errs <- err
					return
				}
				if len(rs)%(size/2) != 0 || len(rs) < last {
					errs <- fmt.Errorf("reader saw %d readings of m0 (before: %d)", len(rs), last)
					return
				}
				last = len(rs)
				if _, err := s.Series(ctx, "m1", "v", time.Time{}, time.Time{}, 20); err != nil {
					errs <- err
					return
				}
				ms, err := s.Meters(ctx)
				if err != nil {
					errs <- err
					return
				}
				for _, m := range ms {
					if m.Count%(size/2) != 0 {
						errs <- fmt.Errorf("meter summary count %d", m.Count)
						return
					}
				}
				if _, err := s.RecentTelegrams(ctx, TelegramFilter{Meter: "m0"}); err != nil {
					errs <- err
					return
				}
				if _, _, err := s.State(ctx, "m0", StateFrameCounter); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rs, _ := s.Readings(ctx, "m0", time.Time{}, time.Time{}, 0)
	if len(rs) != batches*size/2 {
		t.Errorf("final count %d", len(rs))
	}
}
