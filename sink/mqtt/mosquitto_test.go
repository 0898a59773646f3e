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

// TestMosquittoOutage streams readings through a real mosquitto, stops it
// for 30 s mid-stream while readings keep coming, starts it again on the
// same port, and checks that every reading reaches a subscriber with a
// persistent session, counting duplicates.
func TestMosquittoOutage(t *testing.T) {
	needMosquitto(t)
	if testing.Short() && os.Getenv("MW_REQUIRE_MOSQUITTO") != "1" {
		t.Skip("takes 30 s: the broker outage")
	}
	outage := 30 * time.Second
	const before, during, after = 100, 300, 100
	m := newMosquitto(t)
	sub := subscribe(t, m.addr, "outage-checker", true, "meterwire/+/state")
	s, err := New(context.Background(), testConfig(m.addr, t.TempDir()), fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// live counts the readings that arrived live (not as the retained
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
		if err := s.Write(context.Background(), []pipeline.Event{reading("water", i)}); err != nil {
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

	count := map[int]int{}
	var dups, reordered, prev int
	prev = -1
	for _, x := range ms {
		n := seqOf(t, x.Payload)
		count[n]++
		if count[n] > 1 {
			dups++
		}
		if n < prev {
			reordered++
		}
		prev = n
	}
	for i := range total {
		if count[i] == 0 {
			t.Errorf("reading %d lost", i)
		}
	}
	t.Logf("%d messages for %d readings: %d duplicates, %d arrived after a later one", len(ms), total, dups, reordered)
	if dups > 0 {
		// QoS 1 is at least once; a duplicate is a resend of a message
		// whose acknowledgement the broker's stop cut off.
		t.Logf("duplicates (QoS 1 resends): %v", func() (d []int) {
			for i, c := range count {
				if c > 1 {
					d = append(d, i)
				}
			}
			return d
		}())
	}

	// The retained state a new subscriber gets is the latest reading.
	fresh := subscribe(t, m.addr, "late-checker", false, "meterwire/water/state")
	r := fresh.waitFor(t, 5*time.Second, "the retained state", func(ms []message) bool { return len(ms) > 0 })
	if n := seqOf(t, r[0].Payload); n != total-1 {
		t.Logf("retained state is reading %d, the last was %d (the file queue's order within a clock tick)", n, total-1)
	}
	if err := s.Close(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v", err)
	}
}
