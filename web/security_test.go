package web

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
)

// DNS rebinding, with the default configuration (no token, 127.0.0.1): a
// page on evil.example, its name now pointing at 127.0.0.1, sends its own
// name in Host and Origin. It may neither replace a meter's key nor read
// readings; the same requests under the gateway's own address work.
func TestDNSRebinding(t *testing.T) {
	tg := startGateway(t, nil)
	waitLive(t, tg)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(tg.base, "http://"))
	evil := "evil.example:" + port
	var heat config.Meter
	for _, m := range tg.g.Pipeline().Meters() {
		if m.Name == "heat" {
			heat = m
		}
	}
	send := func(method, path, body, host string) (int, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, tg.base+path, rd)
		req.Host = host
		req.Header.Set("Origin", "http://"+host)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		client := http.Client{Timeout: 5 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096)) // a stream does not end
		return resp.StatusCode, string(b)
	}
	steal := `{"name":"heat","id":"` + heat.ID + `","manufacturer":"` + heat.Manufacturer + `","key":"` + wrongKey + `"}`
	if code, body := send("POST", "/api/meters", steal, evil); code != http.StatusMisdirectedRequest || !strings.Contains(body, "http.hosts") {
		t.Errorf("POST /api/meters from evil.example: %d %s", code, body)
	}
	for _, p := range []string{"/api/meters/heat/readings", "/api/meters", "/api/events", "/", "/healthz", "/metrics"} {
		if code, body := send("GET", p, "", evil); code != http.StatusMisdirectedRequest {
			t.Errorf("GET %s from evil.example: %d %s", p, code, body[:min(len(body), 200)])
		}
	}
	for _, m := range tg.g.Pipeline().Meters() {
		if m.Name == "heat" && !bytes.Equal(m.Key, heat.Key) {
			t.Fatal("the heat meter's key was replaced")
		}
	}
	if code, body := send("GET", "/api/meters/heat/readings?limit=1", "", "localhost:"+port); code != 200 || !strings.HasPrefix(body, "[") {
		t.Errorf("readings under localhost: %d %s", code, body)
	}
}

// openStream opens GET /api/events.
func openStream(t *testing.T, tg *testGW) *http.Response {
	t.Helper()
	resp, err := http.Get(tg.base + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// The live streams are capped (http.max_live_streams): one more gets 503
// with a message naming the key, and gets in once a stream closes.
func TestLiveStreamCap(t *testing.T) {
	tg := startGateway(t, func(c *config.Config) { c.HTTP.MaxLiveStreams = 2 })
	a, b := openStream(t, tg), openStream(t, tg)
	if a.StatusCode != 200 || b.StatusCode != 200 {
		t.Fatalf("two streams under a cap of 2: %d %d", a.StatusCode, b.StatusCode)
	}
	code, body, h := tg.do(t, "GET", "/api/events", "", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "http.max_live_streams") || h.Get("Retry-After") == "" {
		t.Fatalf("a third stream: %d %s", code, body)
	}
	var in Inputs
	_, body = tg.get(t, "/api/inputs")
	if json.Unmarshal([]byte(body), &in) != nil || in.Live != 2 || in.LiveMax != 2 {
		t.Errorf("inputs: %s", body)
	}
	a.Body.Close()
	waitFor(t, "a free stream", func() bool {
		resp, err := http.Get(tg.base + "/api/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// A live stream outlives the server's write and read timeouts: it keeps
// sending long after both passed.
func TestLiveStreamPastTimeouts(t *testing.T) {
	tg := startGateway(t, func(c *config.Config) {
		c.HTTP.WriteTimeout = 300 * time.Millisecond
		c.HTTP.ReadTimeout = 300 * time.Millisecond
	})
	resp := openStream(t, tg)
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	start := time.Now()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var last time.Time
	for sc.Scan() && time.Since(start) < 2*time.Second {
		if strings.HasPrefix(sc.Text(), "event: ") || sc.Text() == ": ping" {
			last = time.Now()
		}
	}
	if d := last.Sub(start); d < 1500*time.Millisecond {
		t.Fatalf("the stream went quiet %v after it opened (write timeout 300ms): %v", d, sc.Err())
	}
	// Ordinary answers still work under these timeouts.
	if code, _ := tg.get(t, "/api/meters"); code != 200 {
		t.Errorf("GET /api/meters: %d", code)
	}
}

// Request bodies are one JSON object: arrays, other values and data after
// the object get errors in JSON's words, not Go's.
func TestAPIBodyShape(t *testing.T) {
	var gas config.Meter
	tg := startGateway(t, func(c *config.Config) {
		for i, m := range c.Meters {
			if m.Name == "gas" {
				gas = m
				c.Meters = append(c.Meters[:i], c.Meters[i+1:]...)
				break
			}
		}
	})
	tg.addSecret(gas.Key)
	good := `{"telegram":"` + omsMode7 + `"}`
	meter := `{"name":"g","id":"` + gas.ID + `","key":"` + strings.ToUpper(hex.EncodeToString(gas.Key)) + `"}`
	for _, c := range []struct{ path, body, want string }{
		{"/api/decode", good + ` {"telegram":"00"}`, "unexpected data after the JSON object"},
		{"/api/decode", good + `garbage`, "unexpected data after the JSON object"},
		{"/api/decode", good + `}`, "unexpected data after the JSON object"},
		{"/api/decode", `[` + good + `]`, `expected a JSON object like {"telegram": "...", "key": "..."}, got an array`},
		{"/api/decode", `"` + omsMode7 + `"`, "got a string"},
		{"/api/decode", `42`, "got a number"},
		{"/api/decode", `null`, "got null"},
		{"/api/decode", `  `, "the body is empty"},
		{"/api/decode", `{"telegram": 42}`, "telegram must be a string, got number"},
		{"/api/decode", `{"telegram": ["00"]}`, "telegram must be a string, got array"},
		{"/api/decode", `<xml/>`, "not valid JSON"},
		{"/api/meters", meter + ` {"name":"h"}`, "unexpected data after the JSON object"},
		{"/api/meters", `[` + meter + `]`, `got an array`},
		{"/api/meters", `{"name": 1}`, "name must be a string, got number"},
	} {
		code, body, _ := tg.do(t, "POST", c.path, "application/json", c.body)
		var e apiError
		json.Unmarshal([]byte(body), &e)
		if code != 400 || !strings.Contains(e.Error, c.want) || strings.Contains(e.Error, "web.") || strings.Contains(e.Error, "Request") {
			t.Errorf("POST %s %.60q: %d %s", c.path, c.body, code, body)
		}
	}
	if code, body, _ := tg.do(t, "POST", "/api/decode", "application/json", " \n"+good+"\n\t "); code != 200 {
		t.Errorf("white space around the object: %d %s", code, body)
	}
	if code, body, _ := tg.do(t, "POST", "/api/meters", "application/json", meter+"\n"); code != http.StatusCreated {
		t.Errorf("add meter: %d %s", code, body)
	}
}

func TestTrackerDrops(t *testing.T) {
	tr := newTracker(2)
	now := time.Now()
	tr.update([]pipeline.Event{{Meter: "a", Time: now}, {Meter: "b", Time: now}, {Meter: "c", Time: now}, {Meter: "a", Time: now}, {Meter: "d", Time: now}, {Meter: "c", Time: now}})
	if st := tr.stats(); st != (TrackerStats{Meters: 2, Max: 2, Dropped: 3}) {
		t.Errorf("stats %+v", st)
	}
	if _, ok := tr.get("c"); ok {
		t.Error("meter c tracked beyond the cap")
	}

	// Through the API: the fleet of six against a cap of 2.
	tg := startGatewayOpt(t, Options{Heartbeat: 200 * time.Millisecond, MaxTracked: 2}, nil)
	var in Inputs
	waitFor(t, "dropped telegrams in /api/inputs", func() bool {
		_, body := tg.get(t, "/api/inputs")
		return json.Unmarshal([]byte(body), &in) == nil && in.Dashboard.Dropped > 0
	})
	if in.Dashboard.Meters != 2 || in.Dashboard.Max != 2 {
		t.Errorf("dashboard %+v", in.Dashboard)
	}
}
