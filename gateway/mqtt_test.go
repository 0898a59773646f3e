package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/meterwire/meterwire/config"
)

// brokerMochi runs an embedded mochi broker on a free loopback port.
func brokerMochi(t *testing.T) string {
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "gw", Address: "127.0.0.1:0"})
	if err := srv.AddListener(l); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	return l.Address()
}

// brokerMosquitto runs Debian's mosquitto on a free loopback port.
func brokerMosquitto(t *testing.T) string {
	bin := "/usr/sbin/mosquitto"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("MW_REQUIRE_MOSQUITTO") != "" {
			t.Fatalf("%s missing (apt-get install mosquitto)", bin)
		}
		t.Skip("mosquitto is not installed (.ci/run installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous true\n", port)), 0o600)
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("mosquitto did not start")
	return ""
}

// freeAddr is a free loopback address.
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// collector subscribes to topic filters and keeps the last payload per
// topic.
type collector struct {
	mu   sync.Mutex
	last map[string][]byte
}

func collect(t *testing.T, addr string, filters ...string) *collector {
	c := &collector{last: map[string][]byte{}}
	u, _ := url.Parse("mqtt://" + addr)
	var subs []paho.SubscribeOptions
	for _, f := range filters {
		subs = append(subs, paho.SubscribeOptions{Topic: f, QoS: 1})
	}
	ready := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	cm, err := autopaho.NewConnection(ctx, autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, KeepAlive: 10, CleanStartOnInitialConnection: true, ConnectTimeout: 2 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			go func() {
				if _, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: subs}); err == nil {
					once.Do(func() { close(ready) })
				}
			}()
		},
		ClientConfig: paho.ClientConfig{ClientID: "gw-test-sub", OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			c.mu.Lock()
			c.last[pr.Packet.Topic] = append([]byte(nil), pr.Packet.Payload...)
			c.mu.Unlock()
			return true, nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cm.Disconnect(context.Background()); cancel() })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("subscriber not connected")
	}
	return c
}

func (c *collector) get(topic string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var m map[string]any
	if b, ok := c.last[topic]; ok {
		json.Unmarshal(b, &m)
	}
	return m
}

// The demo fleet's readings reach a real broker, with Home Assistant
// discovery configs that carry what HA's energy dashboard needs.
func TestMQTTEndToEnd(t *testing.T) {
	for _, b := range []struct {
		name  string
		start func(*testing.T) string
	}{{"mochi", brokerMochi}, {"mosquitto", brokerMosquitto}, {"embedded", func(t *testing.T) string { return freeAddr(t) }}} {
		t.Run(b.name, func(t *testing.T) {
			addr := b.start(t)
			dir := t.TempDir()
			var sub *collector
			if b.name != "embedded" { // the embedded broker starts with serve
				sub = collect(t, addr, "meterwire/+/state", "homeassistant/#")
			}
			g, _ := startDemo(t, dir, func(c *config.Config, d *Demo, _ *Options) {
				d.Backfill = -1
				if b.name == "embedded" {
					c.Broker = &config.Broker{Listen: addr}
					config.ApplyBroker(c) // publishes to it, with discovery
					return
				}
				c.Sinks.MQTT = &config.MQTT{URL: "mqtt://" + addr, TopicPrefix: "meterwire", ClientID: "meterwire-" + b.name, HomeAssistant: true, DiscoveryPrefix: "homeassistant", QueueDir: filepath.Join(dir, "mqtt-queue")}
			})
			if sub == nil {
				sub = collect(t, addr, "meterwire/+/state", "homeassistant/#")
			}
			meters := []string{"cold-water", "warm-water", "heat", "gas", "electricity", "smarty"}
			waitFor(t, "a state message of every meter", func() bool {
				for _, m := range meters {
					if sub.get("meterwire/"+m+"/state") == nil {
						return false
					}
				}
				return true
			})
			if s := sub.get("meterwire/heat/state"); s["total_energy_kwh"] == nil || s["time"] == nil {
				t.Errorf("heat state: %v", s)
			}
			// Discovery: find the configs of an energy, a gas and a water sensor.
			want := map[string][3]string{ // field of meter -> unit, device_class, state_class
				"smarty energy_import_kwh": {"kWh", "energy", "total_increasing"},
				"gas total_m3":             {"m³", "gas", "total_increasing"},
				"cold-water total_m3":      {"m³", "water", "total_increasing"},
			}
			waitFor(t, "discovery configs", func() bool {
				found := 0
				sub.mu.Lock()
				defer sub.mu.Unlock()
				for topic, payload := range sub.last {
					if !strings.HasPrefix(topic, "homeassistant/") || !strings.HasSuffix(topic, "/config") {
						continue
					}
					var d map[string]any
					if json.Unmarshal(payload, &d) != nil {
						continue
					}
					st, _ := d["state_topic"].(string)
					tmpl, _ := d["value_template"].(string)
					for k, w := range want {
						meter, field, _ := strings.Cut(k, " ")
						if st != "meterwire/"+meter+"/state" || !strings.Contains(tmpl, "value_json."+field) {
							continue
						}
						dev, _ := d["device"].(map[string]any)
						if d["unit_of_measurement"] != w[0] || d["device_class"] != w[1] || d["state_class"] != w[2] || d["unique_id"] == nil || dev == nil || dev["identifiers"] == nil {
							t.Errorf("%s: discovery config %v", k, d)
						}
						found++
					}
				}
				return found == len(want)
			})
			// The outbox's state is on /metrics.
			if _, body := get(t, "http://"+g.Addr()+"/metrics"); !strings.Contains(body, "meterwire_mqtt_connected 1") || !strings.Contains(body, "meterwire_mqtt_queue_limit_bytes 268435456") {
				t.Errorf("no MQTT queue series on /metrics")
			}
		})
	}
}
