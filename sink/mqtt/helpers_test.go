package mqtt

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMochi runs an in-process broker on addr ("127.0.0.1:0" for any
// port) and returns its address.
func startMochi(t testing.TB, addr string) (string, *mochi.Server) {
	t.Helper()
	srv := mochi.New(&mochi.Options{
		InlineClient: true,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "t", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Close() })
	return tcp.Address(), srv
}

// message is one message a subscriber received.
type message struct {
	Topic   string
	Payload []byte
	Retain  bool
}

// subscriber collects what arrives on its topic filters.
type subscriber struct {
	cm *autopaho.ConnectionManager
	mu sync.Mutex
	ms []message
	ch chan struct{} // pinged on every message
}

// subscribe connects a collecting client. With persistent, the session
// outlives the connection (clean start false from the first connection
// on, one hour expiry), so messages published while it is away (a broker
// restart) are kept for it. (mosquitto 2.0.11 does not bring back, after
// its restart, the subscriptions of a session begun with clean start:
// messages published before such a client reconnects find no subscriber.)
func subscribe(t testing.TB, addr, clientID string, persistent bool, filters ...string) *subscriber {
	t.Helper()
	u, err := url.Parse("mqtt://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &subscriber{ch: make(chan struct{}, 1)}
	var subs []paho.SubscribeOptions
	for _, f := range filters {
		subs = append(subs, paho.SubscribeOptions{Topic: f, QoS: 1})
	}
	subscribed := make(chan struct{}, 1)
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     10,
		CleanStartOnInitialConnection: !persistent,
		ReconnectBackoff:              autopaho.NewConstantBackoff(100 * time.Millisecond),
		ConnectTimeout:                2 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if _, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: subs}); err == nil {
					select {
					case subscribed <- struct{}{}:
					default:
					}
				}
			}()
		},
		ClientConfig: paho.ClientConfig{
			ClientID: clientID,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
				s.mu.Lock()
				s.ms = append(s.ms, message{pr.Packet.Topic, append([]byte(nil), pr.Packet.Payload...), pr.Packet.Retain})
				s.mu.Unlock()
				select {
				case s.ch <- struct{}{}:
				default:
				}
				return true, nil
			}},
		},
	}
	if persistent {
		cfg.SessionExpiryInterval = 3600
	}
	ctx, cancel := context.WithCancel(context.Background())
	if s.cm, err = autopaho.NewConnection(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer dcancel()
		_ = s.cm.Disconnect(dctx)
		cancel()
	})
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("subscriber: no SUBACK within 10 s")
	}
	return s
}

// messages returns a copy of what arrived so far.
func (s *subscriber) messages() []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]message(nil), s.ms...)
}

// waitFor waits until cond holds for the messages received, or fails.
func (s *subscriber) waitFor(t testing.TB, d time.Duration, what string, cond func([]message) bool) []message {
	t.Helper()
	deadline := time.After(d)
	for {
		ms := s.messages()
		if cond(ms) {
			return ms
		}
		select {
		case <-s.ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited %v for %s; %d messages arrived", d, what, len(ms))
		}
	}
}

// last returns the last message on topic.
func last(ms []message, topic string) (message, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Topic == topic {
			return ms[i], true
		}
	}
	return message{}, false
}

func testConfig(addr, dir string) config.MQTT {
	return config.MQTT{URL: "mqtt://" + addr, QueueDir: dir}
}

// fastOptions reconnect quickly, for tests.
// Its Logf logs to the test until the test ends (the sink's goroutines
// may still report a connection error while they stop).
func fastOptions(t testing.TB) Options {
	var mu sync.Mutex
	ended := false
	t.Cleanup(func() { mu.Lock(); ended = true; mu.Unlock() })
	return Options{
		ReconnectMin: 100 * time.Millisecond,
		ReconnectMax: 500 * time.Millisecond,
		FlushTimeout: 10 * time.Second,
		Logf: func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			if !ended {
				t.Logf(f, a...)
			}
		},
	}
}

// reading is a decoded water meter reading carrying a sequence number.
func reading(meter string, seq int) pipeline.Event {
	rssi := -70
	return pipeline.Event{
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(seq) * time.Second),
		Kind: "wmbus", Meter: meter, Configured: true, Manufacturer: "KAM", ID: "12345678",
		DeviceType: "water", RSSI: &rssi, Outcome: pipeline.Decoded, Input: "attic",
		Fields: map[string]any{"seq": seq, "total_m3": 100 + float64(seq)/1000},
	}
}

func seqOf(t testing.TB, payload []byte) int {
	t.Helper()
	// the state's keys are sorted; find "seq": quickly without a full decode
	const key = `"seq":`
	i := bytes.Index(payload, []byte(key))
	if i < 0 {
		t.Fatalf("no seq in %s", payload)
	}
	j := i + len(key)
	k := j
	for k < len(payload) && payload[k] >= '0' && payload[k] <= '9' {
		k++
	}
	n, err := strconv.Atoi(string(payload[j:k]))
	if err != nil {
		t.Fatalf("seq in %s: %v", payload, err)
	}
	return n
}

func pahoPublish(topic, payload string) *paho.Publish {
	return &paho.Publish{Topic: topic, Payload: []byte(payload), QoS: 1}
}

func itoa(i int) string { return strconv.Itoa(i) }
