package gateway

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/meterwire/meterwire/radio/sim/fleet"
	"github.com/meterwire/meterwire/wmbus"
)

// BenchmarkServeHexTCP is the gateway load test: a real `meterwire serve`
// process with 100,000 configured meters (every one with its own key) reads
// telegrams from a hex+tcp input and writes them to its store (and to an
// MQTT broker when MW_LOAD_MQTT names one, e.g. mqtt://127.0.0.1:1883). It
// reports the sustained telegrams/s from the first to the last telegram
// decoded and the serve process's peak RSS. It is slow to set up (it builds
// the binary and generates the telegrams); run it alone:
//
//	go test -run '^$' -bench ServeHexTCP -benchtime 1x ./gateway
//
// MW_LOAD_METERS and MW_LOAD_ROUNDS change the fleet size (100000) and the
// telegrams per meter (3).
func BenchmarkServeHexTCP(b *testing.B) {
	meters, rounds := envInt("MW_LOAD_METERS", 100000), envInt("MW_LOAD_ROUNDS", 3)
	rig := newLoadRig(b, meters, rounds)
	dir, bin, lines, total, t0 := rig.dir, rig.bin, rig.lines, rig.total, rig.t0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write(lines)
		<-time.After(10 * time.Minute)
		c.Close()
	}()
	httpAddr := freeAddr(b)
	cfgPath := rig.config(b, ln.Addr().String(), httpAddr, os.Getenv("MW_LOAD_MQTT"))
	var mqttCount atomic.Int64
	var mqttLast atomic.Int64
	if u := os.Getenv("MW_LOAD_MQTT"); u != "" {
		countMQTT(b, strings.TrimPrefix(u, "mqtt://"), &mqttCount, &mqttLast)
	}
	cmd := exec.Command(bin, "serve", "-c", cfgPath, "--pprof")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	b.ResetTimer()
	var first, last time.Time
	var decoded uint64
	for time.Now().Before(t0.Add(time.Duration(rounds)*time.Hour + 10*time.Minute)) {
		h, err := health(httpAddr)
		if err == nil {
			if h.Decoded > 0 && first.IsZero() {
				first = time.Now()
				if p := os.Getenv("MW_LOAD_CPU"); p != "" {
					go func() {
						if resp, err := http.Get("http://" + httpAddr + "/debug/pprof/profile?seconds=4"); err == nil {
							f, _ := os.Create(p)
							io.Copy(f, resp.Body)
							f.Close()
							resp.Body.Close()
						}
					}()
				}
			}
			if h.Decoded > decoded {
				decoded, last = h.Decoded, time.Now()
			}
			if int(h.Received) >= total {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	if os.Getenv("MW_LOAD_MQTT") != "" {
		deadline := time.Now().Add(5 * time.Minute)
		for mqttCount.Load() < int64(total) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		secs := time.Unix(0, mqttLast.Load()).Sub(first).Seconds()
		b.Logf("MQTT: %d of %d state messages at the subscriber, the last %.1f s after the first telegram: %.0f readings/s through the broker", mqttCount.Load(), total, secs, float64(mqttCount.Load())/secs)
		b.ReportMetric(float64(mqttCount.Load())/secs, "mqtt-readings/s")
		if mqttCount.Load() < int64(total) {
			b.Errorf("MQTT: %d of %d readings arrived", mqttCount.Load(), total)
		}
	}
	rss, steady := peakRSS(cmd.Process.Pid), currentRSS(cmd.Process.Pid)
	if p := os.Getenv("MW_LOAD_HEAP"); p != "" {
		if resp, err := http.Get("http://" + httpAddr + "/debug/pprof/heap"); err == nil {
			f, _ := os.Create(p)
			io.Copy(f, resp.Body)
			f.Close()
			resp.Body.Close()
		}
	}
	if resp, err := http.Get("http://" + httpAddr + "/metrics"); err == nil {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "meterwire_telegrams_total") && !strings.HasSuffix(sc.Text(), " 0") {
				b.Log(sc.Text())
			}
		}
		resp.Body.Close()
	}
	if decoded != uint64(total) {
		b.Errorf("decoded %d of %d telegrams", decoded, total)
	}
	// Stop serve and count what the store holds.
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	out, err := exec.Command(bin, "export", "--db", filepath.Join(dir, "meterwire.db"), "--format", "csv").Output()
	if err != nil {
		b.Fatal(err)
	}
	stored := strings.Count(string(out), "\n") - 1
	if stored != total {
		b.Errorf("store holds %d of %d readings", stored, total)
	}
	secs := last.Sub(first).Seconds()
	b.ReportMetric(float64(decoded)/secs, "telegrams/s")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(steady)/1024, "RSS-MB")
	b.ReportMetric(float64(meters), "meters")
	b.Logf("%d meters, %d telegrams decoded and stored in %.1f s: %.0f telegrams/s, serve RSS %.1f MB after ingest, peak %.1f MB", meters, decoded, secs, float64(decoded)/secs, float64(steady)/1024, float64(rss)/1024)
}

// countMQTT counts the state messages a broker delivers (QoS 1, so a
// message sent twice counts twice; the count is checked against the
// number of telegrams, not required to be exact).
func countMQTT(b *testing.B, addr string, count, last *atomic.Int64) {
	u, _ := url.Parse("mqtt://" + addr)
	ready := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	_, err := autopaho.NewConnection(ctx, autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, KeepAlive: 30, CleanStartOnInitialConnection: true, ConnectTimeout: 5 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			go func() {
				if _, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "meterwire/+/state", QoS: 1}}}); err == nil {
					once.Do(func() { close(ready) })
				}
			}()
		},
		ClientConfig: paho.ClientConfig{ClientID: "load-counter", OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			if !pr.Packet.Retain {
				count.Add(1)
				last.Store(time.Now().UnixNano())
			}
			return true, nil
		}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		b.Fatal("MQTT counter not subscribed")
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func health(addr string) (Health, error) {
	var h Health
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/api/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

// peakRSS is a process's peak resident set (VmHWM) in KiB.
func peakRSS(pid int) int { return procStatus(pid, "VmHWM:") }

// currentRSS is a process's resident set (VmRSS) in KiB.
func currentRSS(pid int) int { return procStatus(pid, "VmRSS:") }

func procStatus(pid int, key string) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// loadRig is what the load and crash tests share: a built meterwire, a
// fleet of meters with their keys in a CSV file, and its telegrams as hex
// lines (with format A CRCs, as receivers print them), generated before
// anything is measured.
type loadRig struct {
	dir, bin string
	fleet    *fleet.Fleet
	lines    []byte
	total    int
	t0       time.Time
}

func newLoadRig(tb testing.TB, meters, rounds int) *loadRig {
	r := &loadRig{dir: tb.TempDir()}
	r.bin = filepath.Join(r.dir, "meterwire")
	build := exec.Command("go", "build", "-o", r.bin, "github.com/meterwire/meterwire/cmd/meterwire")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		tb.Fatal(err)
	}
	r.fleet = fleet.Generate(meters, 1)
	r.t0 = time.Now().Add(-time.Duration(rounds) * time.Hour)
	for n := 0; n < rounds; n++ {
		for _, m := range r.fleet.Meters() {
			fr, err := m.Next(r.t0.Add(time.Duration(n) * time.Hour))
			if err != nil {
				tb.Fatal(err)
			}
			// Without CRCs, one frame in 65536 would look like one with a CRC.
			withCRC, err := wmbus.AppendCRC(nil, fr.Data, wmbus.FormatA)
			if err != nil {
				tb.Fatal(err)
			}
			r.lines = hex.AppendEncode(r.lines, withCRC)
			r.lines = append(r.lines, '\n')
			r.total++
		}
	}
	// A fleet this size is a CSV file (meters_file), as a utility exports it.
	var csv strings.Builder
	csv.WriteString("name,id,manufacturer,key\n")
	for _, m := range r.fleet.Meters() {
		fmt.Fprintf(&csv, "%s,%s,%s,%X\n", m.Name, m.Address.IDString(), m.Address.ManufacturerCode(), m.Key)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "fleet.csv"), []byte(csv.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return r
}

// config writes a configuration reading hex+tcp from input, serving HTTP
// on httpAddr and publishing to mqttURL when it is set; it returns its path.
func (r *loadRig) config(tb testing.TB, input, httpAddr, mqttURL string) string {
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "data_dir: %s\ninputs:\n  - hex+tcp://%s\nhttp:\n  listen: %s\nmeters_file: fleet.csv\n", r.dir, input, httpAddr)
	if mqttURL != "" {
		fmt.Fprintf(&cfg, "sinks:\n  mqtt:\n    url: %s\n    homeassistant: true\n", mqttURL)
	}
	p := filepath.Join(r.dir, "meterwire.yaml")
	if err := os.WriteFile(p, []byte(cfg.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}
