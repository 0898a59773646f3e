package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		field, devType string
		want           Sensor
	}{
		{"energy_import_kwh", "electricity", Sensor{"kWh", "energy", "total_increasing"}},
		{"energy_import_t1_kwh", "electricity", Sensor{"kWh", "energy", "total_increasing"}},
		{"total_energy_kwh", "heat (return)", Sensor{"kWh", "energy", "total_increasing"}},
		{"heat_gj", "heat", Sensor{"GJ", "energy", "total_increasing"}},
		{"target_energy_kwh", "heat", Sensor{"kWh", "energy", ""}},
		{"gas_m3", "electricity", Sensor{"m³", "gas", "total_increasing"}}, // P1 gas via the electricity meter
		{"total_m3", "gas", Sensor{"m³", "gas", "total_increasing"}},
		{"total_m3", "water", Sensor{"m³", "water", "total_increasing"}},
		{"total_m3", "warm water", Sensor{"m³", "water", "total_increasing"}},
		{"total_m3", "heat (return)", Sensor{"m³", "volume", "total_increasing"}},
		{"total_storage_5_m3", "water", Sensor{"m³", "water", ""}},
		{"total_l", "water", Sensor{"L", "water", "total_increasing"}},
		{"power_import_kw", "electricity", Sensor{"kW", "power", "measurement"}},
		{"max_power_kw", "heat", Sensor{"kW", "power", ""}},
		{"voltage_l1_v", "electricity", Sensor{"V", "voltage", "measurement"}},
		{"current_l2_a", "electricity", Sensor{"A", "current", "measurement"}},
		{"flow_temperature_c", "heat", Sensor{"°C", "temperature", "measurement"}},
		{"temperature_difference_k", "heat", Sensor{"K", "", "measurement"}},
		{"volume_flow_m3h", "water", Sensor{"m³/h", "volume_flow_rate", "measurement"}},
		{"frequency_hz", "electricity", Sensor{"Hz", "frequency", "measurement"}},
		{"reactive_energy_import_kvarh", "electricity", Sensor{"kvarh", "", "total_increasing"}},
		{"reactive_power_import_kvar", "electricity", Sensor{"kvar", "", "measurement"}},
		{"power_factor", "electricity", Sensor{"", "power_factor", "measurement"}},
		{"meter_stop_count", "electricity", Sensor{"", "", "measurement"}},
		{"rssi_dbm", "water", Sensor{"dBm", "signal_strength", "measurement"}},
	} {
		if got := Classify(c.field, c.devType); got != c.want {
			t.Errorf("Classify(%q, %q) = %+v, want %+v", c.field, c.devType, got, c.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Water.Main": "water_main", "kam-12345678": "kam-12345678", "a+/#b": "a___b",
		"": "unnamed", "Küche": "k_che", strings.Repeat("x", 100): strings.Repeat("x", 64),
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStateJSON(t *testing.T) {
	s := &Sink{}
	rssi := -81
	ev := pipeline.Event{
		Time: time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600)), Meter: "w\"1", Kind: "wmbus",
		Manufacturer: "KAM", ID: "12345678", DeviceType: "water", RSSI: &rssi, Outcome: pipeline.Decoded,
		Fields: map[string]any{
			"total_m3": 12.345, "tiny": 1e-7, "big": 1e22, "nan": math.NaN(), "inf": math.Inf(1),
			"status": "ok\n\x01\xff", "n": 7, "f32": float32(0.1), "list": []int{1, 2},
			"meter": "spoofed", "bad": make(chan int),
		},
	}
	b := s.appendState(nil, &ev)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("state is not JSON: %v\n%s", err, b)
	}
	want := map[string]any{
		"time": "2026-03-04T04:06:07Z", "meter": "w\"1", "kind": "wmbus", "manufacturer": "KAM",
		"id": "12345678", "device_type": "water", "rssi_dbm": -81.0, "total_m3": 12.345,
		"tiny": 1e-7, "big": 1e22, "nan": nil, "inf": nil, "status": "ok\n\x01\ufffd", "n": 7.0,
		"f32": 0.1, "list": []any{1.0, 2.0},
	}
	for k, v := range want {
		if gv, ok := got[k]; !ok || !jsonEqual(gv, v) {
			t.Errorf("%s = %#v, want %#v", k, gv, v)
		}
	}
	if _, ok := got["bad"]; !ok {
		t.Error("a value JSON cannot encode was dropped, want it as a string")
	}
	if !strings.Contains(string(b), `"tiny":1e-7`) || !strings.Contains(string(b), `"f32":0.1`) {
		t.Errorf("number formatting differs from encoding/json: %s", b)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestNewRejects(t *testing.T) {
	dir := t.TempDir()
	for _, cfg := range []config.MQTT{
		{URL: "http://x:1", QueueDir: dir},
		{URL: "mqtt://", QueueDir: dir},
		{URL: "mqtt://127.0.0.1:1"},
		{URL: "mqtt://127.0.0.1:1", QueueDir: dir, TopicPrefix: "a/+"},
		{URL: "mqtt://127.0.0.1:1", QueueDir: dir, HomeAssistant: true, DiscoveryPrefix: "ha/"},
	} {
		if s, err := New(context.Background(), cfg, Options{}); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	// The password is never part of an error message.
	_, err := New(context.Background(), config.MQTT{URL: "http://u:hunter2@x", QueueDir: dir}, Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v", err)
	}
}

// TestMochi publishes a batch to an in-process broker and checks the
// retained states, the Home Assistant discovery messages, the
// availability topic and the sanitized topic of an odd meter name.
func TestMochi(t *testing.T) {
	addr, _ := startMochi(t, "127.0.0.1:0")
	// mochi 2.7.9 races (go test -race) between storing a retained
	// message and a new subscription scanning them; so the subscriptions
	// are made while nothing is published.
	sub := subscribe(t, addr, "checker", false, "meterwire/#", "homeassistant/#")
	cfg := testConfig(addr, t.TempDir())
	cfg.HomeAssistant = true
	cfg.Password = config.Secret("hunter2")
	var (
		logMu sync.Mutex
		logs  strings.Builder
	)
	opt := fastOptions(t)
	opt.Logf = func(f string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(&logs, f, a...)
	}
	opt.Version = "1.2.3"
	s, err := New(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub.waitFor(t, 10*time.Second, "online", func(ms []message) bool {
		st, ok := last(ms, "meterwire/status")
		return ok && string(st.Payload) == "online"
	})

	rssi := -65
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	batch := []pipeline.Event{
		{Time: t0, Kind: "p1", Meter: "grid", Manufacturer: "ISK", ID: "4530303331303033", DeviceType: "electricity",
			Outcome: pipeline.Decoded, Fields: map[string]any{
				"energy_import_kwh": 1234.567, "power_import_kw": 0.42, "voltage_l1_v": 231.0, "gas_m3": 4567.891,
				"equipment_id": "E0003"}},
		{Time: t0, Kind: "wmbus", Meter: "Cellar+/#water", Manufacturer: "KAM", ID: "12345678", DeviceType: "water",
			RSSI: &rssi, Outcome: pipeline.Decoded, Fields: map[string]any{"total_m3": 42.5, "flow_temperature_c": 11.0}},
		{Time: t0, Kind: "wmbus", Meter: "neighbour", Outcome: pipeline.NoKey, Err: "no key"},
		{Time: t0, Kind: "wmbus", Meter: "empty", Outcome: pipeline.Decoded},
	}
	if err := s.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}

	want := []string{"meterwire/grid/state", "meterwire/cellar___water/state"}
	for _, f := range []string{"grid/energy_import_kwh", "grid/power_import_kw", "grid/voltage_l1_v", "grid/gas_m3",
		"cellar___water/total_m3", "cellar___water/flow_temperature_c", "cellar___water/rssi_dbm"} {
		want = append(want, "homeassistant/sensor/"+f+"/config")
	}
	all := func(ms []message) bool {
		for _, w := range want {
			if _, ok := last(ms, w); !ok {
				return false
			}
		}
		return true
	}
	ms := sub.waitFor(t, 10*time.Second, "states, discovery and status", func(ms []message) bool {
		st, ok := last(ms, "meterwire/status")
		return ok && string(st.Payload) == "online" && all(ms)
	})
	for _, m := range ms {
		if strings.ContainsAny(strings.TrimPrefix(m.Topic, "meterwire/"), "+#") || strings.Count(m.Topic, "/") > 4 {
			t.Errorf("unsafe topic %q", m.Topic)
		}
		if strings.Contains(m.Topic, "neighbour") || strings.Contains(m.Topic, "empty") {
			t.Errorf("published %s for an event without readings", m.Topic)
		}
	}

	// A subscriber that comes later gets the states and the discovery
	// messages as retained messages.
	late := subscribe(t, addr, "late", false, "meterwire/+/state", "homeassistant/#")
	retained := late.waitFor(t, 5*time.Second, "the retained messages", all)
	grid, _ := last(ms, "meterwire/grid/state")
	if r, ok := last(retained, "meterwire/grid/state"); !ok || !r.Retain || string(r.Payload) != string(grid.Payload) {
		t.Errorf("state not retained: %+v", r)
	}
	var st map[string]any
	if err := json.Unmarshal(grid.Payload, &st); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"time": "2026-05-06T07:08:09Z", "meter": "grid", "kind": "p1", "manufacturer": "ISK",
		"id": "4530303331303033", "device_type": "electricity", "energy_import_kwh": 1234.567, "power_import_kw": 0.42,
		"voltage_l1_v": 231.0, "gas_m3": 4567.891, "equipment_id": "E0003"} {
		if st[k] != v {
			t.Errorf("grid state %s = %#v, want %#v", k, st[k], v)
		}
	}
	if _, ok := st["rssi_dbm"]; ok {
		t.Error("rssi_dbm present without RSSI")
	}
	water, _ := last(ms, "meterwire/cellar___water/state")
	if err := json.Unmarshal(water.Payload, &st); err != nil {
		t.Fatal(err)
	}
	if st["meter"] != "Cellar+/#water" || st["rssi_dbm"] != -65.0 || st["total_m3"] != 42.5 {
		t.Errorf("water state %s", water.Payload)
	}

	type disc struct {
		Name, UniqueID, ObjectID, StateTopic, ValueTemplate, AvailabilityTopic string
		Unit                                                                   string `json:"unit_of_measurement"`
		DeviceClass                                                            string `json:"device_class"`
		StateClass                                                             string `json:"state_class"`
		UID                                                                    string `json:"unique_id"`
		ST                                                                     string `json:"state_topic"`
		VT                                                                     string `json:"value_template"`
		AT                                                                     string `json:"availability_topic"`
		Device                                                                 struct {
			Identifiers                      []string
			Name, Manufacturer, SerialNumber string
		}
	}
	check := func(topic, unit, class, stateClass, stateTopic, field string) {
		t.Helper()
		m, ok := last(ms, topic)
		if !ok {
			t.Errorf("no %s", topic)
			return
		}
		if r, ok := last(retained, topic); !ok || !r.Retain || string(r.Payload) != string(m.Payload) {
			t.Errorf("%s not retained", topic)
		}
		var d disc
		if err := json.Unmarshal(m.Payload, &d); err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		_ = json.Unmarshal(m.Payload, &raw)
		for _, k := range []string{"name", "unique_id", "object_id", "state_topic", "value_template", "unit_of_measurement", "device_class", "state_class", "availability_topic", "device"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("%s: no %q in %s", topic, k, m.Payload)
			}
		}
		if d.Unit != unit || d.DeviceClass != class || d.StateClass != stateClass || d.ST != stateTopic ||
			d.VT != "{{ value_json."+field+" }}" || d.AT != "meterwire/status" || d.UID == "" || len(d.Device.Identifiers) == 0 {
			t.Errorf("%s: %s", topic, m.Payload)
		}
	}
	check("homeassistant/sensor/grid/energy_import_kwh/config", "kWh", "energy", "total_increasing", "meterwire/grid/state", "energy_import_kwh")
	check("homeassistant/sensor/grid/gas_m3/config", "m³", "gas", "total_increasing", "meterwire/grid/state", "gas_m3")
	check("homeassistant/sensor/cellar___water/total_m3/config", "m³", "water", "total_increasing", "meterwire/cellar___water/state", "total_m3")
	check("homeassistant/sensor/grid/power_import_kw/config", "kW", "power", "measurement", "meterwire/grid/state", "power_import_kw")
	check("homeassistant/sensor/cellar___water/flow_temperature_c/config", "°C", "temperature", "measurement", "meterwire/cellar___water/state", "flow_temperature_c")
	if _, ok := last(ms, "homeassistant/sensor/grid/equipment_id/config"); ok {
		t.Error("text field announced")
	}
	if _, ok := last(ms, "homeassistant/sensor/cellar___water/rssi_dbm/config"); !ok {
		t.Error("no signal strength entity")
	}
	n := func(ms []message, topic string) (c int) {
		for _, m := range ms {
			if m.Topic == topic {
				c++
			}
		}
		return c
	}
	const gasTopic = "homeassistant/sensor/grid/gas_m3/config"
	before := n(sub.messages(), gasTopic)

	// The same fields again: no new discovery messages.
	if err := s.Write(context.Background(), batch[:1]); err != nil {
		t.Fatal(err)
	}
	// Home Assistant restarts: everything is announced again.
	if _, err := sub.cm.Publish(context.Background(), pahoPublish("homeassistant/status", "online")); err != nil {
		t.Fatal(err)
	}
	ms = sub.waitFor(t, 10*time.Second, "discovery again after Home Assistant's online", func(ms []message) bool {
		return n(ms, gasTopic) > before
	})

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	sub.waitFor(t, 5*time.Second, "offline", func(ms []message) bool {
		m, ok := last(ms, "meterwire/status")
		return ok && string(m.Payload) == "offline"
	})
	if err := s.Write(context.Background(), batch); err == nil {
		t.Error("Write after Close succeeded")
	}
	logMu.Lock()
	defer logMu.Unlock()
	if strings.Contains(logs.String(), "hunter2") {
		t.Error("password logged")
	}
	if left, _ := os.ReadDir(cfg.QueueDir); len(left) != 0 {
		t.Errorf("%d files left in the queue directory after Close", len(left))
	}
}

// TestQueueSurvivesRestart writes while the broker is down, closes the
// sink, starts the broker and a new sink on the same queue directory:
// every reading arrives, once and in order.
func TestQueueSurvivesRestart(t *testing.T) {
	port := freePort(t)
	addr := "127.0.0.1:" + itoa(port)
	dir := t.TempDir()
	s, err := New(context.Background(), testConfig(addr, dir), fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		if err := s.Write(context.Background(), []pipeline.Event{reading("water", i)}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	_ = s.Close() // the broker is away: nothing to flush
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with the broker away", d)
	}
	if got := pendingIn(t, dir); got != n {
		t.Fatalf("%d messages on disk, want %d", got, n)
	}

	startMochi(t, addr)
	sub := subscribe(t, addr, "checker", false, "meterwire/+/state")
	s2, err := New(context.Background(), testConfig(addr, dir), fastOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ms := sub.waitFor(t, 10*time.Second, "the queued readings", func(ms []message) bool { return len(ms) >= n })
	seen := map[int]int{}
	for i, m := range ms {
		seen[seqOf(t, m.Payload)]++
		if i > 0 && seqOf(t, m.Payload) < seqOf(t, ms[i-1].Payload) {
			t.Errorf("reading %d arrived after %d", seqOf(t, m.Payload), seqOf(t, ms[i-1].Payload))
		}
	}
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("reading %d arrived %d times", i, seen[i])
		}
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files left in the queue", len(files))
	}
}
