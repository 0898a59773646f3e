package mqtt

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Records of the compaction tests: message i goes to topic m/<i%meters>,
// retained, with "message <i>" and some padding as its payload.
func meterRecord(b *batch, i, meters int) {
	topic := "m/" + strconv.Itoa(i%meters)
	b.add(fnv32(topic), topic, fmt.Appendf(nil, "message %d %s", i, strings.Repeat("x", i%40)), true)
}

func recordNum(t testing.TB, e entry) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(string(e.Payload), "message %d", &n); err != nil {
		t.Fatalf("payload %q: %v", e.Payload, err)
	}
	return n
}

// dirBytes is what the outbox's files take in dir.
func dirBytes(t testing.TB, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), segPrefix) {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
	}
	return n
}

// readAll reads every record ready, with no acknowledgement.
func readAll(t testing.TB, o *outbox) []entry {
	t.Helper()
	var es []entry
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		e, err := o.next(ctx)
		cancel()
		if err != nil {
			return es
		}
		es = append(es, e)
		if len(es)%(window/2) == 0 { // keep the window open
			for _, x := range es[len(es)-window/2:] {
				o.ack(x.seq)
			}
		}
	}
}

// strictLogf fails the test on a log line about a damaged or skipped
// record.
func strictLogf(t testing.TB) func(string, ...any) {
	var mu sync.Mutex
	ended := false
	t.Cleanup(func() { mu.Lock(); ended = true; mu.Unlock() })
	return func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			return
		}
		line := fmt.Sprintf(format, a...)
		if strings.Contains(line, "skipping") || strings.Contains(line, "leaving out") || strings.Contains(line, "cutting") {
			t.Errorf("outbox: %s", line)
		} else {
			t.Log(line)
		}
	}
}

// TestOutboxCompaction fills an outbox with a limit with the states of
// 300 meters, some read (in flight) and most not: it never goes beyond
// its limit on disk, compaction drops superseded states (never one handed
// out), and what is read back, before and after a reopen, is in the order
// written and ends on every meter's newest state.
func TestOutboxCompaction(t *testing.T) {
	const meters, limit, total = 300, 256 << 10, 30000
	dir := t.TempDir()
	o, err := openOutbox(dir, outboxOptions{SegmentSize: 16 << 10, Limit: limit, Logf: strictLogf(t)})
	if err != nil {
		t.Fatal(err)
	}
	// The reader takes the first records (in flight, never compacted).
	var b batch
	for i := range 100 {
		meterRecord(&b, i, meters)
	}
	if err := o.append(&b); err != nil {
		t.Fatal(err)
	}
	inflight := readAll(t, o)
	if len(inflight) != 100 {
		t.Fatalf("read %d in flight, want 100", len(inflight))
	}
	for i := 100; i < total; {
		b.reset()
		for j := 1 + i%37; j > 0 && i < total; j-- {
			meterRecord(&b, i, meters)
			i++
		}
		if err := o.append(&b); err != nil {
			t.Fatalf("append at %d: %v", i, err)
		}
		if n := dirBytes(t, dir); n > limit || o.size.Load() != n {
			t.Fatalf("after message %d: %d bytes on disk (counted %d), limit %d", i, n, o.size.Load(), limit)
		}
	}
	if o.compactions.Load() == 0 || o.superseded.Load() == 0 || o.refused.Load() != 0 {
		t.Fatalf("%d compactions, %d superseded, %d refused", o.compactions.Load(), o.superseded.Load(), o.refused.Load())
	}
	t.Logf("%d compactions dropped %d superseded messages; %d bytes on disk", o.compactions.Load(), o.superseded.Load(), o.size.Load())

	check := func(es []entry) {
		t.Helper()
		newest := map[string]int{}
		prev := -1
		kept := map[int]bool{}
		for _, e := range es {
			n := recordNum(t, e)
			if n <= prev {
				t.Fatalf("message %d after %d", n, prev)
			}
			prev = n
			kept[n] = true
			if want := "m/" + strconv.Itoa(n%meters); e.Topic != want || !e.Retain {
				t.Fatalf("message %d: topic %s retain %v", n, e.Topic, e.Retain)
			}
			newest[e.Topic] = n
		}
		for m := range meters {
			want := total - meters + m
			if got := newest["m/"+strconv.Itoa(m)]; got != want {
				t.Errorf("meter %d ends on message %d, want %d", m, got, want)
			}
		}
		for _, e := range inflight { // handed out: never compacted
			if !kept[recordNum(t, e)] {
				t.Errorf("message %d, in flight, is gone", recordNum(t, e))
			}
		}
	}
	rest := readAll(t, o)
	check(append(append([]entry(nil), inflight...), rest...))
	if len(rest) > total/4 {
		t.Errorf("%d messages left of %d", len(rest), total)
	}

	// After a crash nothing was acknowledged: the same again.
	crash(o)
	o = openTestOutbox(t, dir, 16<<10)
	defer o.close()
	if n, _ := o.pending(); n != len(inflight)+len(rest) {
		t.Errorf("%d pending after reopening, want %d", n, len(inflight)+len(rest))
	}
	check(readAll(t, o))
}

// TestOutboxFull: distinct topics only, so compaction cannot make room:
// appends are refused and counted, the limit holds, and what was queued
// is all there, in order.
func TestOutboxFull(t *testing.T) {
	const limit = 64 << 10
	dir := t.TempDir()
	var logs []string
	o, err := openOutbox(dir, outboxOptions{SegmentSize: 4 << 10, Limit: limit, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	var b batch
	queued := 0
	for i := range 5000 {
		b.reset()
		meterRecord(&b, i, 1<<30) // a new topic every time
		switch err := o.append(&b); err {
		case nil:
			queued++
		case errFull:
		default:
			t.Fatal(err)
		}
		if n := dirBytes(t, dir); n > limit {
			t.Fatalf("%d bytes on disk, limit %d", n, limit)
		}
	}
	if o.refused.Load() == 0 || int(o.refused.Load())+queued != 5000 {
		t.Errorf("%d refused, %d queued of 5000", o.refused.Load(), queued)
	}
	es := readAll(t, o)
	if len(es) != queued {
		t.Errorf("read %d, queued %d", len(es), queued)
	}
	for i, e := range es {
		if recordNum(t, e) != i {
			t.Fatalf("record %d is message %d", i, recordNum(t, e))
		}
	}
	refusals := 0
	for _, l := range logs {
		if strings.Contains(l, "refusing") {
			refusals++
		}
	}
	if refusals != 1 {
		t.Errorf("%d log lines about refusing, want 1: %q", refusals, logs)
	}
	// Once the broker took them, it is back under its limit and says so.
	for _, e := range es {
		o.ack(e.seq)
	}
	if err := o.persist(); err != nil {
		t.Fatal(err)
	}
	if last := logs[len(logs)-1]; !strings.Contains(last, "back under its limit") {
		t.Errorf("last log line %q", last)
	}
	b.reset()
	meterRecord(&b, 1, 1<<30)
	if err := o.append(&b); err != nil {
		t.Errorf("append after draining: %v", err)
	}
}

const (
	helperOutboxEnv  = "METERWIRE_OUTBOX_HELPER_DIR"
	helperOutboxFrom = "METERWIRE_OUTBOX_HELPER_FROM"
	helperOutboxStop = "METERWIRE_OUTBOX_HELPER_STOP" // a compaction stage to be killed at
	helperMeters     = 150
	helperLimit      = 96 << 10
)

// TestHelperOutboxWriter is not a test: TestKillDuringCompaction runs the
// test binary again with only this function selected. It appends batches
// of meter states numbered from helperOutboxFrom on to an outbox with a
// small limit, so that it compacts every few batches, and prints
// "ACK <last>" after each append returned. With helperOutboxStop set it
// kills itself (SIGKILL) when a compaction reaches that stage.
func TestHelperOutboxWriter(t *testing.T) {
	dir := os.Getenv(helperOutboxEnv)
	if dir == "" {
		t.Skip("helper process for TestKillDuringCompaction")
	}
	if stage := os.Getenv(helperOutboxStop); stage != "" {
		compactTestHook = func(s string) {
			if s == stage {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	seq, _ := strconv.Atoi(os.Getenv(helperOutboxFrom))
	o, err := openOutbox(dir, outboxOptions{SegmentSize: 8 << 10, Limit: helperLimit, Logf: func(f string, a ...any) { fmt.Printf("LOG "+f+"\n", a...) }})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var b batch
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		b.reset()
		for range 1 + seq%23 {
			seq++
			meterRecord(&b, seq, helperMeters)
		}
		if err := o.append(&b); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "ACK %d\n", seq)
		out.Flush()
	}
	os.Exit(3)
}

// TestKillDuringCompaction kills a process appending to an outbox that
// compacts all the time (SIGKILL, at random moments and at each stage of
// a compaction) and reopens the outbox after each kill: it opens without
// damaged records, stays within its limit (plus the one compaction's
// output), and what it holds goes, for every meter, from older to newer
// states (a state may come twice: after a crash in a compaction its
// sources are sent, then the compacted state) and ends on the newest state
// each meter had when the killed process last saw an append return.
func TestKillDuringCompaction(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "q")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stages := []string{"", "written", "renamed", "removing", "", "written", "renamed", "removing", "", ""}
	written := 0
	for round, stage := range stages {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOutboxWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperOutboxEnv+"="+dir, helperOutboxFrom+"="+strconv.Itoa(written), helperOutboxStop+"="+stage)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killAfter := 50 + rand.IntN(400)
		acks := 0
		acked := written
		var other []string
		for sc.Scan() {
			line := sc.Text()
			v, ok := strings.CutPrefix(line, "ACK ")
			if !ok {
				if strings.Contains(line, "skipping") || strings.Contains(line, "leaving out") || strings.HasPrefix(line, "ERR") {
					t.Errorf("round %d: helper: %s", round, line)
				}
				other = append(other, line)
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("bad line %q", line)
			}
			acked = n
			acks++
			if stage == "" && acks == killAfter {
				time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
				_ = cmd.Process.Kill() // SIGKILL
			}
		}
		err = cmd.Wait()
		if !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("round %d: helper ended with %v after %d appends, want killed: %q", round, err, acks, other)
		}

		var logs []string
		o, err := openOutbox(dir, outboxOptions{SegmentSize: 8 << 10, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if n := dirBytes(t, dir); n > 2*helperLimit {
			t.Errorf("round %d: %d bytes on disk, limit %d", round, n, helperLimit)
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, "*"+tmpSuffix)); len(tmps) > 0 {
			t.Errorf("round %d: %v left after opening", round, tmps)
		}
		es := readAll(t, o)
		newest := map[string]int{}
		maxSeen := 0
		for _, e := range es {
			n := recordNum(t, e)
			if prev, ok := newest[e.Topic]; ok && n < prev {
				t.Fatalf("round %d (stage %q): %s goes from message %d back to %d", round, stage, e.Topic, prev, n)
			}
			newest[e.Topic] = n
			maxSeen = max(maxSeen, n)
		}
		for m := range helperMeters {
			want := acked - ((acked-m)%helperMeters+helperMeters)%helperMeters // the newest message of meter m up to acked
			if want <= 0 {
				continue
			}
			if got := newest["m/"+strconv.Itoa(m)]; got < want {
				t.Errorf("round %d (stage %q): meter %d ends on message %d, want %d or later", round, stage, m, got, want)
			}
		}
		for _, l := range logs {
			if strings.Contains(l, "skipping") || strings.Contains(l, "cutting") && stage != "" {
				t.Errorf("round %d (stage %q): %s", round, stage, l)
			}
		}
		crash(o)
		t.Logf("round %d (stage %q): killed after %d appends (message %d); %d messages queued, %d bytes", round, stage, acks, acked, len(es), dirBytes(t, dir))
		written = maxSeen
	}
}

// TestOutboxCompactionReading compacts while a reader takes records,
// acknowledges them out of order and saves its position, as the
// publishers do with a slow broker: every meter's messages arrive in
// order, none twice, the limit holds, and each meter ends on its newest
// state.
func TestOutboxCompactionReading(t *testing.T) {
	const meters, limit, total = 300, 128 << 10, 100000
	dir := t.TempDir()
	o, err := openOutbox(dir, outboxOptions{SegmentSize: 8 << 10, Limit: limit, Logf: strictLogf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	errc := make(chan error, 1)
	go func() {
		var b batch
		for i := 0; i < total; {
			b.reset()
			for j := 1 + i%29; j > 0 && i < total; j-- {
				meterRecord(&b, i, meters)
				i++
			}
			if err := o.append(&b); err != nil {
				errc <- fmt.Errorf("append at %d: %w", i, err)
				return
			}
			if n := o.size.Load(); n > limit {
				errc <- fmt.Errorf("after message %d: %d bytes, limit %d", i, n, limit)
				return
			}
		}
		errc <- nil
	}()
	newest := map[string]int{}
	var held []uint64
	read, maxRead := 0, 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := false
	for !done || !o.drained() {
		if !done {
			select {
			case err := <-errc:
				if err != nil {
					t.Fatal(err)
				}
				done = true
			default:
			}
		}
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Millisecond)
		e, err := o.next(wctx)
		wcancel()
		if err != nil {
			if ctx.Err() != nil {
				t.Fatal("timed out")
			}
			for _, s := range held { // nothing more to read for now
				o.ack(s)
			}
			held = held[:0]
			continue
		}
		n := recordNum(t, e)
		if prev, ok := newest[e.Topic]; ok && n <= prev {
			t.Fatalf("%s: message %d after %d", e.Topic, n, prev)
		}
		newest[e.Topic] = n
		maxRead = max(maxRead, n)
		read++
		if read%500 == 0 {
			time.Sleep(2 * time.Millisecond) // a slow broker
		}
		if read%20000 == 0 && !done { // the broker away until the outbox compacts
			for c := o.compactions.Load(); o.compactions.Load() == c && len(errc) == 0; {
				time.Sleep(time.Millisecond)
			}
		}
		held = append(held, e.seq)
		if len(held) == 64 {
			for j := len(held) - 1; j >= 0; j-- {
				o.ack(held[j])
			}
			held = held[:0]
			if read%4096 == 0 {
				if err := o.persist(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for m := range meters {
		want := total - 1 - (total-1-m)%meters
		if got := newest["m/"+strconv.Itoa(m)]; got != want {
			t.Errorf("meter %d ends on message %d, want %d", m, got, want)
		}
	}
	t.Logf("read %d of %d messages; %d compactions dropped %d; max %d", read, total, o.compactions.Load(), o.superseded.Load(), maxRead)
	if read+int(o.superseded.Load()) != total || o.compactions.Load() == 0 {
		t.Errorf("read %d + superseded %d != %d written (%d compactions)", read, o.superseded.Load(), total, o.compactions.Load())
	}
}
