package mqtt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho/queue/file"
	"github.com/eclipse/paho.golang/paho"
)

func openTestOutbox(t testing.TB, dir string, segSize int64) *outbox {
	t.Helper()
	o, err := openOutbox(dir, outboxOptions{SegmentSize: segSize, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// crash drops the outbox as a killed process would: files closed, the
// acknowledged offset not saved.
func crash(o *outbox) {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	if o.r != nil {
		o.r.Close()
		o.r = nil
	}
	if o.w != nil {
		o.w.Close()
		o.w = nil
	}
}

// pendingIn counts the messages not yet acknowledged in a queue
// directory, leaving it as it is.
func pendingIn(t testing.TB, dir string) int {
	t.Helper()
	o := openTestOutbox(t, dir, 0)
	defer crash(o)
	n, err := o.pending()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func appendN(t testing.TB, o *outbox, from, n, perBatch int) {
	t.Helper()
	var b batch
	for i := from; i < from+n; {
		b.reset()
		for j := 0; j < perBatch && i < from+n; j++ {
			b.add(uint32(i%7), fmt.Sprintf("t/%d", i%7), fmt.Appendf(nil, "message %d", i), i%2 == 0)
			i++
		}
		if err := o.append(&b); err != nil {
			t.Fatal(err)
		}
	}
}

func msgNum(t testing.TB, e entry) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(string(e.Payload), "message %d", &n); err != nil {
		t.Fatalf("payload %q: %v", e.Payload, err)
	}
	if e.Topic != fmt.Sprintf("t/%d", n%7) || e.Key != uint32(n%7) || e.Retain != (n%2 == 0) {
		t.Fatalf("record %d: %+v", n, e.record)
	}
	return n
}

// readN reads n records, checking they are numbered from from on.
func readN(t testing.TB, o *outbox, from, n int, ack bool) []entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var es []entry
	for i := from; i < from+n; i++ {
		e, err := o.next(ctx)
		if err != nil {
			t.Fatalf("reading record %d: %v", i, err)
		}
		if got := msgNum(t, e); got != i {
			t.Fatalf("read record %d, want %d", got, i)
		}
		if ack {
			o.ack(e.seq)
		}
		es = append(es, e)
	}
	return es
}

// nothingNext checks that no record is ready.
func nothingNext(t testing.TB, o *outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if e, err := o.next(ctx); err == nil {
		t.Fatalf("unexpected record %q", e.Payload)
	}
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, segPrefix+"*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func TestRecordRoundTrip(t *testing.T) {
	var b batch
	b.add(42, "a/b", []byte("payload"), true)
	b.add(0, "", nil, false)
	b.add(1<<31, strings.Repeat("x", 0xFFFF), bytes.Repeat([]byte{0}, 1000), false)
	buf := b.buf
	for i, want := range []record{
		{42, "a/b", []byte("payload"), true},
		{0, "", []byte{}, false},
		{1 << 31, strings.Repeat("x", 0xFFFF), bytes.Repeat([]byte{0}, 1000), false},
	} {
		r, n, err := decodeRecord(buf)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if r.Key != want.Key || r.Topic != want.Topic || !bytes.Equal(r.Payload, want.Payload) || r.Retain != want.Retain {
			t.Errorf("record %d = %+v", i, r)
		}
		buf = buf[n:]
	}
	if len(buf) != 0 {
		t.Errorf("%d bytes left", len(buf))
	}
	// Every cut is recognised, every flipped bit too.
	one := appendRecord(nil, 7, "topic", []byte("some payload"), true)
	for i := range len(one) {
		if _, _, err := decodeRecord(one[:i]); err == nil {
			t.Errorf("a record cut to %d bytes decodes", i)
		}
		for bit := range 8 {
			c := bytes.Clone(one)
			c[i] ^= 1 << bit
			if _, _, err := decodeRecord(c); err == nil {
				t.Errorf("a record with bit %d of byte %d flipped decodes", bit, i)
			}
		}
	}
}

// TestOutboxTornTail cuts the last record short, as a crash in the middle
// of a write would, and reopens: the whole records before it are read,
// the torn one is gone, and appending goes on after them.
func TestOutboxTornTail(t *testing.T) {
	for _, damage := range []struct {
		name string
		do   func(name string, size int64) error
	}{
		{"truncated", func(name string, size int64) error { return os.Truncate(name, size-5) }},
		{"header only", func(name string, size int64) error {
			// the last record is "message 19" in t/5: 8 + 7 + 3 + 10 bytes
			return os.Truncate(name, size-28+6)
		}},
		{"zeros", func(name string, size int64) error {
			f, err := os.OpenFile(name, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt(make([]byte, 40), size-20) // the tail zeroed, and beyond
			return err
		}},
	} {
		t.Run(damage.name, func(t *testing.T) {
			dir := t.TempDir()
			o := openTestOutbox(t, dir, 0)
			appendN(t, o, 0, 20, 5)
			crash(o)
			segs := segFiles(t, dir)
			if len(segs) != 1 {
				t.Fatalf("segments %v", segs)
			}
			fi, _ := os.Stat(segs[0])
			if err := damage.do(segs[0], fi.Size()); err != nil {
				t.Fatal(err)
			}
			o = openTestOutbox(t, dir, 0)
			defer o.close()
			if fi2, _ := os.Stat(segs[0]); fi2.Size() != fi.Size()-28 {
				t.Errorf("segment is %d bytes after opening, want %d", fi2.Size(), fi.Size()-28)
			}
			if n, _ := o.pending(); n != 19 {
				t.Errorf("%d pending, want 19", n)
			}
			readN(t, o, 0, 19, true)
			nothingNext(t, o)
			appendN(t, o, 19, 5, 5)
			readN(t, o, 19, 5, true)
		})
	}
}

// TestOutboxRotation fills several small segments and checks that the
// acknowledged ones are deleted, and that a drained outbox leaves no
// files when closed.
func TestOutboxRotation(t *testing.T) {
	dir := t.TempDir()
	o := openTestOutbox(t, dir, 1000) // ~35 records a segment
	appendN(t, o, 0, 300, 10)
	segs := segFiles(t, dir)
	if len(segs) < 8 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, s := range segs {
		if fi, _ := os.Stat(s); fi.Size() > 1000 {
			t.Errorf("%s is %d bytes", filepath.Base(s), fi.Size())
		}
	}
	readN(t, o, 0, 150, true)
	if err := o.persist(); err != nil {
		t.Fatal(err)
	}
	left := segFiles(t, dir)
	if len(left) >= len(segs) || len(left) == 0 {
		t.Fatalf("%d of %d segments left after half was acknowledged", len(left), len(segs))
	}
	if left[len(left)-1] != segs[len(segs)-1] {
		t.Error("the active segment was deleted")
	}
	// Everything still unacknowledged is there after a restart.
	crash(o)
	o = openTestOutbox(t, dir, 1000)
	if n, _ := o.pending(); n != 150 {
		t.Errorf("%d pending after reopening, want 150", n)
	}
	readN(t, o, 150, 150, true)
	nothingNext(t, o)
	if err := o.persist(); err != nil {
		t.Fatal(err)
	}
	if left := segFiles(t, dir); len(left) != 1 {
		t.Errorf("%d segments left when all is acknowledged", len(left))
	}
	if err := o.close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left after closing a drained outbox", len(ents))
	}
	// and it starts afresh
	o = openTestOutbox(t, dir, 1000)
	defer o.close()
	appendN(t, o, 0, 3, 3)
	readN(t, o, 0, 3, true)
}

// TestOutboxOffset checks that the acknowledged offset survives a restart,
// and that it stops at the first record not acknowledged.
func TestOutboxOffset(t *testing.T) {
	dir := t.TempDir()
	o := openTestOutbox(t, dir, 0)
	appendN(t, o, 0, 100, 10)
	es := readN(t, o, 0, 60, false)
	for i, e := range es {
		if i != 30 {
			o.ack(e.seq)
		}
	}
	if err := o.persist(); err != nil {
		t.Fatal(err)
	}
	crash(o)
	o = openTestOutbox(t, dir, 0)
	if n, _ := o.pending(); n != 70 {
		t.Errorf("%d pending, want 70 (from the unacknowledged record 30 on)", n)
	}
	readN(t, o, 30, 70, true)
	// Acknowledged but not yet saved: sent again after a crash.
	crash(o)
	o = openTestOutbox(t, dir, 0)
	readN(t, o, 30, 70, true)
	// A clean close saves it.
	if err := o.close(); err != nil {
		t.Fatal(err)
	}
	o = openTestOutbox(t, dir, 0)
	defer o.close()
	nothingNext(t, o)
	// A damaged offset file: everything is sent again rather than lost.
	appendN(t, o, 0, 10, 10)
	readN(t, o, 0, 5, true)
	if err := o.persist(); err != nil {
		t.Fatal(err)
	}
	crash(o)
	if err := os.WriteFile(filepath.Join(dir, ackName), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	o = openTestOutbox(t, dir, 0)
	readN(t, o, 0, 10, true)
}

// TestOutboxOrder appends from one goroutine and reads from another, over
// many segment rotations, acknowledging out of order: the reader sees
// every record once, in order, and the window bounds what is handed out.
func TestOutboxOrder(t *testing.T) {
	dir := t.TempDir()
	o := openTestOutbox(t, dir, 4096)
	defer o.close()
	const n = 20000
	go func() {
		var b batch
		for i := 0; i < n; {
			b.reset()
			for j := 0; j < 1+i%13 && i < n; j++ {
				b.add(uint32(i%7), fmt.Sprintf("t/%d", i%7), fmt.Appendf(nil, "message %d", i), i%2 == 0)
				i++
			}
			if err := o.append(&b); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var held []uint64
	for i := range n {
		e, err := o.next(ctx)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if got := msgNum(t, e); got != i {
			t.Fatalf("read %d, want %d", got, i)
		}
		held = append(held, e.seq)
		if len(held) == 100 { // acknowledge in reverse
			for j := len(held) - 1; j >= 0; j-- {
				o.ack(held[j])
			}
			held = held[:0]
		}
	}
	for _, s := range held {
		o.ack(s)
	}
	if !o.drained() {
		t.Error("not drained")
	}

	// The window: no more than window records are handed out.
	appendN(t, o, 0, window+10, 1000)
	var first entry
	for i := range window {
		e, err := o.next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = e
		}
	}
	nothingNext(t, o)
	o.ack(first.seq)
	if _, err := o.next(ctx); err != nil {
		t.Fatalf("after an acknowledgement: %v", err)
	}
}

// TestOutboxImport takes over what autopaho's file queue left behind.
func TestOutboxImport(t *testing.T) {
	dir := t.TempDir()
	q, err := file.New(dir, "msg-", ".mqtt")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var buf bytes.Buffer
		p := &paho.Publish{Topic: "meterwire/water/state", Payload: fmt.Appendf(nil, "message %d", i), QoS: 1, Retain: true}
		if _, err := p.Packet().WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := q.Enqueue(&buf); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // distinct modification times
	}
	o := openTestOutbox(t, dir, 0)
	defer o.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		e, err := o.next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != fmt.Sprintf("message %d", i) || e.Topic != "meterwire/water/state" || !e.Retain {
			t.Errorf("record %d: %+v", i, e.record)
		}
		o.ack(e.seq)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "msg-*")); len(left) != 0 {
		t.Errorf("%v left", left)
	}
}

// FuzzRecordReader feeds arbitrary bytes as a segment: opening never
// fails or panics on them, keeps exactly the run of valid records at the
// start, and reads those records back.
func FuzzRecordReader(f *testing.F) {
	var b batch
	b.add(1, "a/b", []byte("x"), true)
	b.add(2, "c", nil, false)
	f.Add(b.buf)
	f.Add(b.buf[:len(b.buf)-1])
	f.Add(append(bytes.Clone(b.buf), 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add([]byte{})
	f.Add([]byte{255, 255, 255, 255, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []record
		for off := 0; off < len(data); {
			r, n, err := decodeRecord(data[off:])
			if err != nil {
				if n < 0 || n > maxRecordBody+frameHeader {
					t.Fatalf("length %d", n)
				}
				break
			}
			if !bytes.Equal(appendRecord(nil, r.Key, r.Topic, r.Payload, r.Retain), data[off:off+n]) {
				t.Fatal("a record does not encode back to its bytes")
			}
			want = append(want, r)
			off += n
		}
		valid := validPrefix(data)

		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segName(0)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := openOutbox(dir, outboxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer crash(o)
		if o.end.Load() != int64(valid) {
			t.Fatalf("end %d, valid prefix %d", o.end.Load(), valid)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for i, w := range want {
			e, err := o.next(ctx)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			if e.Key != w.Key || e.Topic != w.Topic || !bytes.Equal(e.Payload, w.Payload) || e.Retain != w.Retain {
				t.Fatalf("record %d: %+v, want %+v", i, e.record, w)
			}
			o.ack(e.seq)
		}
		short, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel2()
		if _, err := o.next(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("after the valid records: %v", err)
		}
	})
}
