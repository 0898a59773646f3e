package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

const mosquittoBin = "/usr/sbin/mosquitto"

// mosquitto is a broker run as a child process on a loopback port, with
// persistence in its directory so that a restart keeps sessions and
// retained messages.
type mosquitto struct {
	t    testing.TB
	dir  string
	conf string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

func needMosquitto(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(mosquittoBin); err != nil {
		if os.Getenv("MW_REQUIRE_MOSQUITTO") == "1" {
			t.Fatalf("%s not found and MW_REQUIRE_MOSQUITTO=1 (Debian package mosquitto)", mosquittoBin)
		}
		t.Skipf("%s not found: install the Debian package mosquitto (.ci/run installs it); MW_REQUIRE_MOSQUITTO=1 makes this a failure", mosquittoBin)
	}
}

func newMosquitto(t *testing.T) *mosquitto {
	t.Helper()
	dir := t.TempDir()
	m := &mosquitto{t: t, dir: dir, conf: filepath.Join(dir, "mosquitto.conf"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	_, port, _ := net.SplitHostPort(m.addr)
	conf := fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\n", port, dir)
	// A new subscriber gets the retained state of every meter at once:
	// more than the default 1000 queued messages.
	conf += "max_queued_messages 100000\n"
	if os.Geteuid() == 0 {
		conf += "user root\n" // else it drops to the mosquitto user, who cannot write dir
	}
	if err := os.WriteFile(m.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	m.start()
	t.Cleanup(func() { m.stop(syscall.SIGKILL) })
	return m
}

// start runs the broker and waits until it accepts connections.
func (m *mosquitto) start() {
	m.t.Helper()
	log, err := os.OpenFile(filepath.Join(m.dir, "mosquitto.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		m.t.Fatal(err)
	}
	m.cmd = exec.Command(mosquittoBin, "-c", m.conf)
	m.cmd.Stdout, m.cmd.Stderr = log, log
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.done = make(chan struct{})
	go func() { _ = m.cmd.Wait(); log.Close(); close(m.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", m.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-m.done:
			b, _ := os.ReadFile(filepath.Join(m.dir, "mosquitto.log"))
			m.t.Fatalf("mosquitto exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mosquitto does not listen on %s: %v", m.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the broker (SIGTERM: it saves its persistence file) and waits.
func (m *mosquitto) stop(sig os.Signal) {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(sig)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd = nil
}

// TestMosquittoOutage streams readings of three meters through a real
// mosquitto, stops it for 30 s mid-stream while readings keep coming,
// starts it again on the same port, and checks that every reading reaches
// a subscriber with a persistent session, in order per meter, that the
// retained state of every meter ends on its last reading, and that QoS 1
// resends (duplicates) are few.
func TestMosquittoOutage(t *testing.T) {
	needMosquitto(t)
	if testing.Short() && os.Getenv("MW_REQUIRE_MOSQUITTO") != "1" {
		t.Skip("takes 30 s: the broker outage")
	}
	outage := 30 * time.Second
	const before, during, after = 100, 300, 100
	const maxDups = 5
	meters := []string{"water", "heat", "gas"}
	meterOf := func(seq int) string { return meters[seq%len(meters)] }
	m := newMosquitto(t)
	sub := subscribe(t, m.addr, "outage-checker", true, "meterwire/+/state")
	s, err := New(context.Background(), testConfig(m.addr, t.TempDir()), fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// live keeps the readings that arrived live (not as the retained
	// message a new subscription gets).
	live := func(ms []message) []message {
		var out []message
		for _, x := range ms {
			if !x.Retain {
				out = append(out, x)
			}
		}
		return out
	}
	write := func(i int) {
		t.Helper()
		start := time.Now()
		if err := s.Write(context.Background(), []pipeline.Event{reading(meterOf(i), i)}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Write took %v", d)
		}
	}

	seq := 0
	for ; seq < before; seq++ {
		write(seq)
	}
	sub.waitFor(t, 10*time.Second, "the readings before the outage", func(ms []message) bool { return len(live(ms)) >= before })

	m.stop(syscall.SIGTERM)
	t.Logf("broker stopped; %d readings during the %v outage", during, outage)
	tick := outage / during
	for ; seq < before+during; seq++ {
		write(seq)
		time.Sleep(tick)
	}
	m.start()
	t.Log("broker restarted")
	drainStart := time.Now()
	for ; seq < before+during+after; seq++ {
		write(seq)
	}
	total := before + during + after
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := map[int]bool{}
		for _, x := range live(sub.messages()) {
			got[seqOf(t, x.Payload)] = true
		}
		if len(got) == total {
			t.Logf("all %d readings arrived %v after the restart", total, time.Since(drainStart).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			var missing []int
			for i := range total {
				if !got[i] {
					missing = append(missing, i)
				}
			}
			t.Errorf("after 60 s, readings %v are missing", missing)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // late duplicates
	ms := live(sub.messages())

	// Per meter, the first arrival of every reading comes after the first
	// arrival of every earlier reading; anything older than the newest
	// seen must be a resend of a reading already seen.
	count := map[int]int{}
	newest := map[string]int{}
	var dups, reordered []int
	for _, x := range ms {
		n := seqOf(t, x.Payload)
		if want := "meterwire/" + meterOf(n) + "/state"; x.Topic != want {
			t.Errorf("reading %d on %s, want %s", n, x.Topic, want)
		}
		count[n]++
		last, ok := newest[x.Topic]
		switch {
		case count[n] > 1:
			dups = append(dups, n)
		case ok && n < last:
			reordered = append(reordered, n)
		}
		if !ok || n > last {
			newest[x.Topic] = n
		}
	}
	var lost []int
	for i := range total {
		if count[i] == 0 {
			lost = append(lost, i)
		}
	}
	t.Logf("%d messages for %d readings: %d lost, %d duplicates %v, %d out of order %v",
		len(ms), total, len(lost), len(dups), dups, len(reordered), reordered)
	if len(lost) > 0 {
		t.Errorf("readings lost: %v", lost)
	}
	if len(reordered) > 0 {
		t.Errorf("readings that arrived, for the first time, after a later reading of their meter: %v", reordered)
	}
	// QoS 1 is at least once: a duplicate is a resend of a message whose
	// acknowledgement the broker's stop cut off; there are at most a
	// few messages in flight at a time.
	if len(dups) > maxDups {
		t.Errorf("%d duplicates, want at most %d", len(dups), maxDups)
	}

	// The retained state a new subscriber gets is the meter's latest reading.
	fresh := subscribe(t, m.addr, "late-checker", false, "meterwire/+/state")
	r := fresh.waitFor(t, 5*time.Second, "the retained states", func(ms []message) bool { return len(ms) >= len(meters) })
	for _, x := range r {
		n := seqOf(t, x.Payload)
		want := total - 1
		for meterOf(want) != meterOf(n) {
			want--
		}
		if !x.Retain || x.Topic != "meterwire/"+meterOf(n)+"/state" || n != want {
			t.Errorf("retained state of %s is reading %d (retain %v), want %d", x.Topic, n, x.Retain, want)
		}
	}
	if err := s.Close(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v", err)
	}
}

// TestMosquittoOutageBounded writes 100 readings of each of 3,000 meters
// into a sink whose outbox is bounded to 4 MiB while mosquitto is
// stopped: the outbox stays within its bound (compacting, nothing
// refused), and once the broker is back every meter's retained state is
// its last reading.
func TestMosquittoOutageBounded(t *testing.T) {
	needMosquitto(t)
	const meters, rounds, limit = 3000, 100, 4 << 20
	m := newMosquitto(t)
	dir := t.TempDir()
	cfg := testConfig(m.addr, dir)
	cfg.QueueMax = limit
	s, err := New(context.Background(), cfg, fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.cm.AwaitConnection(ctx); err != nil {
		t.Fatal(err)
	}
	m.stop(syscall.SIGTERM)

	name := func(i int) string { return "meter" + itoa(i) }
	batch := make([]pipeline.Event, 0, 1000)
	peak := int64(0)
	for r := range rounds {
		for i := range meters {
			batch = append(batch, reading(name(i), r*meters+i))
			if len(batch) == cap(batch) {
				if err := s.Write(ctx, batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
				if n := dirBytes(t, dir); n > limit {
					t.Fatalf("round %d: the outbox takes %d bytes, limit %d", r, n, limit)
				}
				peak = max(peak, s.Stats().QueueBytes)
			}
		}
	}
	st := s.Stats()
	t.Logf("%d readings written while the broker was down: %+v, peak %d bytes", meters*rounds, st, peak)
	if st.Superseded == 0 || st.Refused != 0 || st.QueueLimit != limit || st.Connected {
		t.Errorf("stats %+v", st)
	}

	m.start()
	if err := s.ob.waitDrained(ctx); err != nil {
		t.Fatalf("the outbox did not drain: %v", err)
	}
	sub := subscribe(t, m.addr, "bounded-checker", false, "meterwire/+/state")
	got := sub.waitFor(t, 20*time.Second, "every meter's retained state", func(ms []message) bool { return len(ms) >= meters })
	last := map[string]int{}
	for _, x := range got {
		if !x.Retain {
			continue
		}
		last[x.Topic] = seqOf(t, x.Payload)
	}
	for i := range meters {
		topic := "meterwire/" + name(i) + "/state"
		if want := (rounds-1)*meters + i; last[topic] != want {
			t.Errorf("%s: retained state is reading %d, want %d", topic, last[topic], want)
		}
	}
}
