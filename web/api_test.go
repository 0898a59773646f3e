package web

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
)

const (
	omsMode7    = "434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1"
	omsMode7Key = "000102030405060708090A0B0C0D0E0F"
	omsMode5    = "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A"
	omsMode5Key = "0102030405060708090A0B0C0D0E0F11"
	wrongKey    = "F0E0D0C0B0A090807060504030201000"
)

var fleet = []string{"cold-water", "warm-water", "heat", "gas", "electricity", "smarty"}

func metersOf(t *testing.T, tg *testGW) map[string]Meter {
	t.Helper()
	code, body := tg.get(t, "/api/meters")
	if code != 200 {
		t.Fatalf("GET /api/meters: %d %s", code, body)
	}
	var ms []Meter
	if err := json.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatalf("GET /api/meters is not a JSON array of meters: %v", err)
	}
	out := map[string]Meter{}
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// waitLive waits until every meter of the fleet was heard live (after the
// backfill) and is not silent.
func waitLive(t *testing.T, tg *testGW) {
	t.Helper()
	waitFor(t, "every meter decoded live", func() bool {
		ms := metersOf(t, tg)
		for _, n := range fleet {
			m := ms[n]
			if m.LastOutcome != "decoded" || m.LastSeen == nil || time.Since(*m.LastSeen) > 10*time.Second || len(m.Problems) > 0 {
				return false
			}
		}
		return true
	})
}

func TestAPIMeters(t *testing.T) {
	tg := startGateway(t, nil)
	waitLive(t, tg)
	ms := metersOf(t, tg)
	for _, n := range fleet {
		m := ms[n]
		if !m.Configured || !m.HasKey || len(m.Values) == 0 || len(m.NumericFields) == 0 || m.LastSeen == nil || m.Readings == 0 || len(m.Problems) != 0 {
			t.Errorf("%s: %+v", n, m)
		}
	}
	if ms["heat"].RSSI == nil || ms["heat"].SecurityStatus != "decrypted" || ms["smarty"].Kind != "p1" {
		t.Errorf("heat %+v smarty %+v", ms["heat"], ms["smarty"])
	}

	code, body := tg.get(t, "/api/meters/heat")
	var m Meter
	if code != 200 || json.Unmarshal([]byte(body), &m) != nil || m.Name != "heat" || !strings.Contains(strings.Join(m.NumericFields, ","), "total_energy_kwh") {
		t.Fatalf("GET /api/meters/heat: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/meters/nope")
	if code != 404 || !strings.Contains(body, `"error"`) {
		t.Fatalf("unknown meter: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/nothing")
	if code != 404 || !strings.Contains(body, `"error"`) {
		t.Fatalf("unknown endpoint: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/unknown")
	if code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("GET /api/unknown with the whole fleet configured: %d %s", code, body)
	}
}

func TestAPIHistory(t *testing.T) {
	tg := startGateway(t, nil)
	waitLive(t, tg)

	code, body := tg.get(t, "/api/meters/heat/readings?range=24h&limit=5")
	var rs []Reading
	if code != 200 || json.Unmarshal([]byte(body), &rs) != nil || len(rs) != 5 || rs[0].Fields["total_energy_kwh"] == nil || !rs[0].Time.Before(rs[4].Time) {
		t.Fatalf("readings asc: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/meters/heat/readings?range=24h&limit=3&order=desc")
	if code != 200 || json.Unmarshal([]byte(body), &rs) != nil || len(rs) != 3 || !rs[0].Time.After(rs[2].Time) || time.Since(rs[0].Time) > time.Minute {
		t.Fatalf("readings desc: %d %s", code, body)
	}
	from := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
	code, body = tg.get(t, "/api/meters/heat/readings?from="+from.Format(time.RFC3339))
	if code != 200 || json.Unmarshal([]byte(body), &rs) != nil || len(rs) < 12 || rs[0].Time.Before(from) {
		t.Fatalf("readings from: %d %d", code, len(rs))
	}
	for _, bad := range []string{"range=yesterday", "from=x", "limit=0", "order=up", "from=2030-01-01T00:00:00Z"} {
		if code, body := tg.get(t, "/api/meters/heat/readings?"+bad); code != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}

	code, body = tg.get(t, "/api/meters/heat/series?field=total_energy_kwh&range=7d&points=10")
	var s Series
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil || len(s.Points) < 5 || len(s.Points) > 10 || s.Points[0][1] <= 0 {
		t.Fatalf("series: %d %s", code, body)
	}
	if code, _ := tg.get(t, "/api/meters/heat/series"); code != 400 {
		t.Errorf("series without field: %d", code)
	}

	code, body, h := tg.do(t, "GET", "/api/meters/heat/export?format=csv&range=24h", "", "")
	if code != 200 || !strings.HasPrefix(body, "time,meter,") || strings.Count(body, "\n") < 20 || !strings.Contains(h.Get("Content-Disposition"), "heat.csv") {
		t.Fatalf("export csv: %d %q %v", code, body[:min(len(body), 200)], h)
	}
	if code, _ := tg.get(t, "/api/meters/heat/export?format=xml"); code != 400 {
		t.Errorf("export xml: %d", code)
	}
	code, body = tg.get(t, "/api/meters/heat/export?format=json&range=1h")
	var rows []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &rows) != nil || len(rows) == 0 {
		t.Fatalf("export json: %d %s", code, body)
	}
}

func TestAPITelegrams(t *testing.T) {
	tg := startGateway(t, nil)
	var (
		code int
		body string
		ts   []Telegram
	)
	waitFor(t, "telegrams in the log", func() bool {
		code, body = tg.get(t, "/api/telegrams?meter=gas&outcome=decoded&limit=5")
		return code != 200 || json.Unmarshal([]byte(body), &ts) != nil || len(ts) == 5
	})
	if code != 200 || len(ts) != 5 {
		t.Fatalf("telegrams: %d %s", code, body)
	}
	for _, e := range ts {
		if e.Meter != "gas" || e.Outcome != "decoded" || e.Hex == "" || e.Input != "demo" {
			t.Errorf("entry %+v", e)
		}
	}
	if code, body := tg.get(t, "/api/telegrams?outcome=bogus"); code != 400 || !strings.Contains(body, "wrong-key") {
		t.Errorf("bad outcome: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/inputs")
	var in Inputs
	if code != 200 || json.Unmarshal([]byte(body), &in) != nil || !in.Demo || in.Received == 0 || in.Outcomes["decoded"] == 0 || !strings.Contains(body, `"simulated fleet"`) {
		t.Fatalf("inputs: %d %s", code, body)
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct{ name, data string }

func readEvents(t *testing.T, sc *bufio.Scanner, n int, keep func(sseEvent) bool) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" && keep(cur) {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func TestAPIEvents(t *testing.T) {
	tg := startGateway(t, nil)
	resp, err := http.Get(tg.base + "/api/events?meter=gas")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	evs := readEvents(t, sc, 4, func(e sseEvent) bool { return e.name == "telegram" || e.name == "reading" })
	if len(evs) < 4 {
		t.Fatalf("got %d events", len(evs))
	}
	sawReading := false
	for _, e := range evs {
		var v struct {
			Meter, Outcome string
			Fields         map[string]any
		}
		if err := json.Unmarshal([]byte(e.data), &v); err != nil || v.Meter != "gas" {
			t.Fatalf("%s event %s", e.name, e.data)
		}
		if e.name == "reading" {
			sawReading = len(v.Fields) > 0
		}
		tg.noSecrets(t, "event", e.data)
	}
	if !sawReading {
		t.Error("no reading event")
	}
	if code, _ := tg.get(t, "/api/events?outcome=nope"); code != 400 {
		t.Errorf("bad outcome filter: %d", code)
	}
	// Stopping the gateway ends the stream instead of making the server
	// wait for it.
	start := time.Now()
	if err := tg.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("stopping with an open stream took %v", d)
	}
	for sc.Scan() {
	}
}

type decodeAnswer struct {
	Analysis
	Error string `json:"error"`
}

func (tg *testGW) decode(t *testing.T, body any) (int, decodeAnswer, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, resp, _ := tg.do(t, "POST", "/api/decode", "application/json", string(b))
	var a decodeAnswer
	if err := json.Unmarshal([]byte(resp), &a); err != nil {
		t.Fatalf("decode answer is not JSON: %s", resp)
	}
	return code, a, resp
}

func TestAPIDecode(t *testing.T) {
	tg := startGateway(t, nil)
	for _, k := range []string{omsMode7Key, wrongKey, omsMode5Key} {
		b, _ := hex.DecodeString(k)
		tg.addSecret(b)
	}
	code, a, raw := tg.decode(t, DecodeRequest{Telegram: omsMode7, Key: omsMode7Key})
	if code != 200 || len(a.Results) != 1 || a.Results[0].Problem != nil {
		t.Fatalf("OMS mode 7: %d %s", code, raw)
	}
	var rep struct {
		Security struct{ Status, MAC string }
		Fields   map[string]any
		Layers   []struct{ Name string }
	}
	b, _ := json.Marshal(a.Results[0].Report)
	json.Unmarshal(b, &rep)
	if rep.Security.Status != "decrypted" || rep.Security.MAC != "verified" || rep.Fields == nil || len(rep.Layers) < 4 {
		t.Fatalf("OMS mode 7 report: %s", b)
	}
	for i, v := range a.Results[0].LayerViews {
		if v != 0 {
			t.Errorf("layer %s in view %d", rep.Layers[i].Name, v)
		}
	}

	cases := []struct {
		name, telegram, key, class string
	}{
		{"wrong key", omsMode7, wrongKey, "wrong-key"},
		{"no key", omsMode7, "", "no-key"},
		{"truncated", omsMode7[:60], omsMode7Key, "truncated"},
		{"crc", omsMode5[:40] + "00" + omsMode5[42:], omsMode5Key, "crc"},
	}
	for _, c := range cases {
		code, a, raw := tg.decode(t, DecodeRequest{Telegram: c.telegram, Key: c.key})
		if code != 200 || len(a.Results) != 1 || a.Results[0].Problem == nil || a.Results[0].Problem.Class != c.class || a.Results[0].Problem.Help == "" {
			t.Errorf("%s: %d %s", c.name, code, raw)
		}
	}

	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"not hex", DecodeRequest{Telegram: "xyz"}, "not hex"},
		{"empty", DecodeRequest{}, "no telegram"},
		{"short key", DecodeRequest{Telegram: omsMode7, Key: omsMode7Key[:30]}, "key: 15 bytes"},
		{"key not hex", DecodeRequest{Telegram: omsMode7, Key: "zz" + omsMode7Key[2:]}, "key: not hex"},
		{"bad ak", DecodeRequest{Telegram: omsMode7, AK: "12"}, "ak: 1 bytes"},
	} {
		code, a, raw := tg.decode(t, c.body)
		if code != 400 || !strings.Contains(a.Error, c.want) {
			t.Errorf("%s: %d %s", c.name, code, raw)
		}
	}
	code, body, _ := tg.do(t, "POST", "/api/decode", "application/json", `{"telegram": `)
	if code != 400 || !strings.Contains(body, "not valid JSON") {
		t.Errorf("broken JSON: %d %s", code, body)
	}

	// Size limit: 64 KiB.
	big, _ := json.Marshal(DecodeRequest{Telegram: strings.Repeat("00", 40<<10), Key: omsMode7Key})
	code, body, h := tg.do(t, "POST", "/api/decode", "application/json", string(big))
	if code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
		t.Errorf("oversized body: %d %s", code, body)
	}
	code, _, _ = tg.do(t, "POST", "/api/decode", "text/plain", `{"telegram":"00"}`)
	if code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d", code)
	}
	code, _, _ = tg.do(t, "POST", "/api/decode", "application/json", `{"telegram":"00"}`, "Origin", "http://evil.example")
	if code != http.StatusForbidden {
		t.Errorf("cross-origin: %d", code)
	}
	code, _, _ = tg.do(t, "POST", "/api/decode", "application/json", `{"telegram":"00"}`, "Origin", tg.base)
	if code != 200 {
		t.Errorf("same origin: %d", code)
	}
	if code, _ := tg.get(t, "/api/decode"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/decode: %d", code)
	}
}

func TestAPIAddMeter(t *testing.T) {
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
	var unknown []struct {
		Identity, ID, Manufacturer string
		NeedsKey                   bool `json:"needs_key"`
	}
	waitFor(t, "the gas meter heard as unknown", func() bool {
		_, body := tg.get(t, "/api/unknown")
		json.Unmarshal([]byte(body), &unknown)
		return len(unknown) == 1
	})
	if u := unknown[0]; u.ID != gas.ID || !u.NeedsKey {
		t.Fatalf("unknown %+v", u)
	}
	key := strings.ToUpper(hex.EncodeToString(gas.Key))
	for _, c := range []struct{ body, want string }{
		{`{"name":"g","id":"123"}`, "id:"},
		{`{"name":"g","id":"` + gas.ID + `"}`, "key: the meter's AES key is required"},
		{`{"name":"g h","id":"` + gas.ID + `","key":"` + key + `"}`, "name:"},
		{`{"name":"heat","id":"` + gas.ID + `","key":"` + key + `"}`, "another id"},
		{`{"name":"g","id":"` + gas.ID + `","key":"` + key[:20] + `"}`, "key: 10 bytes"},
		{`{"name":"g","id":"` + gas.ID + `","manufacturer":"x1","key":"` + key + `"}`, "manufacturer"},
	} {
		code, body, _ := tg.do(t, "POST", "/api/meters", "application/json", c.body)
		if code/100 != 4 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", c.body, code, body)
		}
	}
	code, body, _ := tg.do(t, "POST", "/api/meters", "application/json", `{"name":"kitchen-gas","id":"`+gas.ID+`","manufacturer":"`+unknown[0].Manufacturer+`","key":"`+key+`"}`)
	if code != http.StatusCreated || !strings.Contains(body, `"has_key":true`) || !strings.Contains(body, "kitchen-gas") {
		t.Fatalf("add meter: %d %s", code, body)
	}
	waitFor(t, "the added meter decoded", func() bool { return metersOf(t, tg)["kitchen-gas"].LastOutcome == "decoded" })
	if _, body := tg.get(t, "/api/unknown"); strings.TrimSpace(body) != "[]" {
		t.Errorf("still unknown: %s", body)
	}
}

// With a token, every API path needs it as "Authorization: Bearer" (the
// scheme in any case); ?token= opens the live stream only (EventSource
// cannot send headers); the UI page, which holds no data, loads without it.
func TestAPIToken(t *testing.T) {
	tg := startGateway(t, func(c *config.Config) { c.HTTP.Token = config.Secret("letmein-0123") })
	tg.secrets = append(tg.secrets, "letmein-0123")
	for _, p := range []string{"/api/meters", "/api/events", "/api/telegrams", "/api/meters/heat/readings", "/api/inputs", "/api/health", "/metrics"} {
		if code, _ := tg.get(t, p); code != 401 {
			t.Errorf("%s without token: %d", p, code)
		}
	}
	if code, _, _ := tg.do(t, "POST", "/api/decode", "application/json", `{"telegram":"`+omsMode7+`"}`); code != 401 {
		t.Errorf("decode without token: %d", code)
	}
	if code, _ := tg.get(t, "/api/meters", "Authorization", "Bearer wrong"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	for _, auth := range []string{"Bearer letmein-0123", "bearer letmein-0123", "BEARER letmein-0123"} {
		if code, body := tg.get(t, "/api/meters", "Authorization", auth); code != 200 || !strings.HasPrefix(body, "[") {
			t.Errorf("with %q: %d %s", auth, code, body)
		}
	}
	if code, _, _ := tg.do(t, "POST", "/api/decode", "application/json", `{"telegram":"`+omsMode7+`"}`, "Authorization", "Bearer letmein-0123"); code != 200 {
		t.Errorf("decode with token: %d", code)
	}
	// ?token= ends up in logs and history: refused but on the stream.
	for _, p := range []string{"/api/meters?token=letmein-0123", "/api/meters/heat/export?format=csv&token=letmein-0123", "/api/inputs?token=letmein-0123", "/metrics?token=letmein-0123"} {
		if code, body := tg.get(t, p); code != 401 || !strings.Contains(body, "/api/events only") {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	resp, err := http.Get(tg.base + "/api/events?token=letmein-0123")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("stream with ?token=: %d", resp.StatusCode)
	}
	code, body, h := tg.do(t, "GET", "/", "", "")
	if code != 200 || !strings.Contains(body, "<script>") || h.Get("Content-Security-Policy") == "" {
		t.Errorf("UI page without token: %d", code)
	}
	// /healthz without the token: the status, nothing about inputs or
	// meters; the report is at /api/health.
	code, body = tg.get(t, "/healthz")
	var status map[string]string
	if json.Unmarshal([]byte(body), &status) != nil || len(status) != 1 || status["status"] == "" || code != 200 && code != 503 {
		t.Errorf("healthz without token: %d %s", code, body)
	}
	code, body = tg.get(t, "/api/health", "Authorization", "Bearer letmein-0123")
	if code != 200 || !strings.Contains(body, `"inputs"`) || !strings.Contains(body, `"device"`) {
		t.Errorf("/api/health with token: %d %s", code, body)
	}
	if code, _, _ := tg.do(t, "POST", "/api/health", "", "", "Authorization", "Bearer letmein-0123"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/health: %d", code)
	}
}

func TestIndex(t *testing.T) {
	tg := startGateway(t, nil)
	code, body, h := tg.do(t, "GET", "/", "", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d", code)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'sha256-") || strings.Contains(csp, "unsafe-inline") || strings.Contains(body, "<!--JS-->") || strings.Contains(body, "http://") && strings.Contains(body, "src=\"http") {
		t.Fatalf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", h)
	}
	for _, b := range [][]byte{mustRead(t, "ui/app.js"), mustRead(t, "ui/app.css")} {
		if strings.Contains(string(b), "innerHTML") || strings.Contains(string(b), "https://") {
			t.Error("the UI uses innerHTML or loads from the network")
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	b, err := uiFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
