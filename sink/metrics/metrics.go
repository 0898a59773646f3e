// Package metrics exposes the gateway in the Prometheus text format: the
// latest numeric reading of every meter and field, telegram counters by
// outcome, per-input connection state and silent-meter alarms. It is a
// pipeline sink (it sees every event) and an http.Handler for /metrics.
package metrics

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/pipeline"
)

// InputState is what the metrics say about one input.
type InputState struct {
	Name       string
	Connected  bool
	LastFrame  time.Time
	Frames     uint64
	Reconnects int
}

// MQTTStats is what the metrics say about the MQTT sink (see
// mqtt.Sink.Stats).
type MQTTStats struct {
	Connected bool
	// QueueBytes is what the sink's on-disk outbox takes, QueueLimit its
	// bound.
	QueueBytes, QueueLimit int64
	// Superseded counts queued states dropped because a newer state of
	// the same meter was queued; Refused counts states not queued because
	// the outbox was full even so; Compactions counts the compactions.
	Superseded, Refused, Compactions uint64
}

// DefaultMaxUnknown is Options.MaxUnknown's default.
const DefaultMaxUnknown = 1000

// unknownExpiry: a meter not configured that was not heard for this long
// gives its series up to another (looked for at most once a minute, when
// the cap is reached).
const unknownExpiry = time.Hour

// Options configure the metrics.
type Options struct {
	// MaxUnknown caps the meters not configured (pipeline.Event's
	// Configured false) that get per-meter series (default
	// DefaultMaxUnknown; negative: none). A radio transmitter can invent
	// any number of meter ids; readings of meters beyond the cap are
	// counted in meterwire_unknown_meters_dropped_total. Configured
	// meters are never capped.
	MaxUnknown int
	// MQTT, when set, reports the MQTT sink's state at scrape time (also
	// settable later with SetMQTT).
	MQTT func() MQTTStats
	// Inputs, when set, reports the inputs' states at scrape time.
	Inputs func() []InputState
	// Expect maps configured meter names to how often they must be heard;
	// a meter silent for longer raises meterwire_meter_silent.
	Expect map[string]time.Duration
	// Unknown, when set, counts meters heard but not configured.
	Unknown func() int
	// Now is the clock (tests).
	Now func() time.Time
}

// meter is the latest state of one meter, kept small: a gateway may
// track a hundred thousand of them.
type meter struct {
	fields   []fieldValue
	lastSeen int64 // Unix nanoseconds
	rssi     int32
	hasRSSI  bool
	unknown  bool // not configured: counts against Options.MaxUnknown
}

type fieldValue struct {
	name  string // interned: one copy per field name in the gateway
	value float64
}

func (mt *meter) set(name string, v float64) {
	for i := range mt.fields {
		if mt.fields[i].name == name {
			mt.fields[i].value = v
			return
		}
	}
	// Exactly as long as needed: a meter's fields are added once, and
	// append's spare capacity would cost more than the values.
	fields := make([]fieldValue, len(mt.fields)+1)
	copy(fields, mt.fields)
	fields[len(mt.fields)] = fieldValue{name, v}
	mt.fields = fields
}

// Metrics is the sink and handler.
type Metrics struct {
	opt      Options
	mu       sync.Mutex
	outcomes [16]uint64
	meters   map[string]*meter
	names    map[string]string // interned field names
	started  time.Time
	mqtt     func() MQTTStats

	unknown        int    // meters in meters that are not configured
	unknownDropped uint64 // readings of unknown meters beyond the cap
	swept          int64  // Unix nanoseconds of the last expiry sweep
}

// New returns empty metrics.
func New(opt Options) *Metrics {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxUnknown == 0 {
		opt.MaxUnknown = DefaultMaxUnknown
	}
	return &Metrics{opt: opt, meters: map[string]*meter{}, names: map[string]string{}, started: opt.Now(), mqtt: opt.MQTT}
}

// SetMQTT sets the function reporting the MQTT sink's state (for a sink
// made after the metrics).
func (m *Metrics) SetMQTT(f func() MQTTStats) {
	m.mu.Lock()
	m.mqtt = f
	m.mu.Unlock()
}

// UnknownDropped returns how many readings of meters not configured got
// no series because of the cap.
func (m *Metrics) UnknownDropped() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.unknownDropped
}

// admit adds a meter heard for the first time, unless it is not
// configured and the cap on those is reached.
func (m *Metrics) admit(ev *pipeline.Event) *meter {
	if !ev.Configured {
		if m.unknown >= m.opt.MaxUnknown {
			m.expireUnknown()
		}
		if m.unknown >= m.opt.MaxUnknown {
			m.unknownDropped++
			return nil
		}
		m.unknown++
	}
	mt := &meter{unknown: !ev.Configured}
	m.meters[strings.Clone(ev.Meter)] = mt
	return mt
}

// expireUnknown forgets the meters not configured that were not heard
// for unknownExpiry, at most once a minute.
func (m *Metrics) expireUnknown() {
	now := m.opt.Now().UnixNano()
	if now-m.swept < int64(time.Minute) {
		return
	}
	m.swept = now
	for name, mt := range m.meters {
		if mt.unknown && now-mt.lastSeen > int64(unknownExpiry) {
			delete(m.meters, name)
			m.unknown--
		}
	}
}

// Name implements pipeline.Sink.
func (m *Metrics) Name() string { return "metrics" }

// Write implements pipeline.Sink.
func (m *Metrics) Write(_ context.Context, evs []pipeline.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range evs {
		ev := &evs[i]
		if int(ev.Outcome) < len(m.outcomes) {
			m.outcomes[ev.Outcome]++
		}
		if ev.Outcome != pipeline.Decoded || ev.Meter == "" || ev.Fields == nil {
			continue
		}
		mt := m.meters[ev.Meter]
		if mt == nil {
			if mt = m.admit(ev); mt == nil {
				continue
			}
		} else if mt.unknown && ev.Configured { // configured since
			mt.unknown = false
			m.unknown--
		}
		mt.lastSeen, mt.hasRSSI = ev.Time.UnixNano(), ev.RSSI != nil
		if ev.RSSI != nil {
			mt.rssi = int32(*ev.RSSI)
		}
		for k, v := range ev.Fields {
			if f, ok := number(v); ok {
				name, ok := m.names[k]
				if !ok {
					name = strings.Clone(k)
					m.names[name] = name
				}
				mt.set(name, f)
			}
		}
	}
	return nil
}

// number is a field's numeric value; booleans count as 0 and 1.
func number(v any) (float64, bool) {
	if b, ok := v.(bool); ok {
		if b {
			return 1, true
		}
		return 0, true
	}
	return pipeline.Number(v)
}

// Silent lists the configured meters not heard within their expected
// interval (never heard counts from the start), sorted.
func (m *Metrics) Silent() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.silentLocked(m.opt.Now())
}

func (m *Metrics) silentLocked(now time.Time) []string {
	var out []string
	for name, every := range m.opt.Expect {
		if every <= 0 {
			continue
		}
		// Silence counts from the start at the earliest: a meter last
		// heard before (a restart, the demo's backfilled history) has
		// not been awaited for longer than the gateway runs.
		last := m.started
		if mt := m.meters[name]; mt != nil && mt.lastSeen > last.UnixNano() {
			last = time.Unix(0, mt.lastSeen)
		}
		if now.Sub(last) > every {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ServeHTTP writes the metrics in the Prometheus text format 0.0.4.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriterSize(w, 64<<10)
	m.WriteText(bw)
	bw.Flush()
}

// WriteText writes the metrics in the Prometheus text format.
func (m *Metrics) WriteText(w *bufio.Writer) {
	var inputs []InputState
	if m.opt.Inputs != nil {
		inputs = m.opt.Inputs()
	}
	unknown := -1
	if m.opt.Unknown != nil {
		unknown = m.opt.Unknown()
	}
	m.mu.Lock()
	mqttStats := m.mqtt
	m.mu.Unlock()
	var mq *MQTTStats
	if mqttStats != nil {
		st := mqttStats()
		mq = &st
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opt.Now()

	header(w, "meterwire_telegrams_total", "counter", "Telegrams received, by what became of them.")
	for _, o := range pipeline.Outcomes() {
		fmt.Fprintf(w, "meterwire_telegrams_total{outcome=%s} %d\n", quote(o.String()), m.outcomes[o])
	}

	names := make([]string, 0, len(m.meters))
	for n := range m.meters {
		names = append(names, n)
	}
	slices.Sort(names)
	header(w, "meterwire_reading", "gauge", "Latest numeric reading of a meter field (unit in the field name).")
	for _, n := range names {
		mt := m.meters[n]
		slices.SortFunc(mt.fields, func(a, b fieldValue) int { return strings.Compare(a.name, b.name) })
		for _, f := range mt.fields {
			fmt.Fprintf(w, "meterwire_reading{meter=%s,field=%s} %s\n", quote(n), quote(f.name), float(f.value))
		}
	}
	header(w, "meterwire_meter_last_seen_timestamp_seconds", "gauge", "When a meter's last decoded telegram arrived.")
	for _, n := range names {
		fmt.Fprintf(w, "meterwire_meter_last_seen_timestamp_seconds{meter=%s} %s\n", quote(n), float(seconds(time.Unix(0, m.meters[n].lastSeen))))
	}
	header(w, "meterwire_meter_rssi_dbm", "gauge", "Signal strength of a meter's last telegram.")
	for _, n := range names {
		if mt := m.meters[n]; mt.hasRSSI {
			fmt.Fprintf(w, "meterwire_meter_rssi_dbm{meter=%s} %d\n", quote(n), mt.rssi)
		}
	}
	if len(m.opt.Expect) > 0 {
		silent := m.silentLocked(now)
		header(w, "meterwire_meter_silent", "gauge", "1 when a configured meter was not heard for longer than expected.")
		expected := make([]string, 0, len(m.opt.Expect))
		for n, every := range m.opt.Expect {
			if every > 0 {
				expected = append(expected, n)
			}
		}
		slices.Sort(expected)
		for _, n := range expected {
			v := 0
			if slices.Contains(silent, n) {
				v = 1
			}
			fmt.Fprintf(w, "meterwire_meter_silent{meter=%s} %d\n", quote(n), v)
		}
	}
	if inputs != nil {
		header(w, "meterwire_input_connected", "gauge", "1 while an input's device or connection is up.")
		for _, in := range inputs {
			v := 0
			if in.Connected {
				v = 1
			}
			fmt.Fprintf(w, "meterwire_input_connected{input=%s} %d\n", quote(in.Name), v)
		}
		header(w, "meterwire_input_frames_total", "counter", "Frames an input delivered.")
		for _, in := range inputs {
			fmt.Fprintf(w, "meterwire_input_frames_total{input=%s} %d\n", quote(in.Name), in.Frames)
		}
		header(w, "meterwire_input_reconnects_total", "counter", "Times an input was reopened after it failed.")
		for _, in := range inputs {
			fmt.Fprintf(w, "meterwire_input_reconnects_total{input=%s} %d\n", quote(in.Name), in.Reconnects)
		}
		header(w, "meterwire_input_last_frame_timestamp_seconds", "gauge", "When an input last delivered a frame (0: never).")
		for _, in := range inputs {
			fmt.Fprintf(w, "meterwire_input_last_frame_timestamp_seconds{input=%s} %s\n", quote(in.Name), float(seconds(in.LastFrame)))
		}
	}
	if unknown >= 0 {
		header(w, "meterwire_unknown_meters", "gauge", "Meters heard that are not in the configuration.")
		fmt.Fprintf(w, "meterwire_unknown_meters %d\n", unknown)
	}
	header(w, "meterwire_unknown_meters_dropped_total", "counter", "Readings of meters not configured that got no per-meter series: the cap on such meters was reached.")
	fmt.Fprintf(w, "meterwire_unknown_meters_dropped_total %d\n", m.unknownDropped)
	if mq != nil {
		connected := 0
		if mq.Connected {
			connected = 1
		}
		header(w, "meterwire_mqtt_connected", "gauge", "1 while the MQTT sink is connected to its broker.")
		fmt.Fprintf(w, "meterwire_mqtt_connected %d\n", connected)
		header(w, "meterwire_mqtt_queue_bytes", "gauge", "Bytes the MQTT sink's on-disk outbox takes.")
		fmt.Fprintf(w, "meterwire_mqtt_queue_bytes %d\n", mq.QueueBytes)
		header(w, "meterwire_mqtt_queue_limit_bytes", "gauge", "The bound of the MQTT sink's outbox (sinks.mqtt.queue_max).")
		fmt.Fprintf(w, "meterwire_mqtt_queue_limit_bytes %d\n", mq.QueueLimit)
		header(w, "meterwire_mqtt_queue_superseded_total", "counter", "Queued MQTT states dropped at the outbox's bound because a newer state of the same meter was queued (the store keeps every reading).")
		fmt.Fprintf(w, "meterwire_mqtt_queue_superseded_total %d\n", mq.Superseded)
		header(w, "meterwire_mqtt_queue_refused_total", "counter", "MQTT messages not queued because the outbox was full even with only the newest state of each meter.")
		fmt.Fprintf(w, "meterwire_mqtt_queue_refused_total %d\n", mq.Refused)
		header(w, "meterwire_mqtt_queue_compactions_total", "counter", "Compactions of the MQTT sink's outbox.")
		fmt.Fprintf(w, "meterwire_mqtt_queue_compactions_total %d\n", mq.Compactions)
	}
}

func header(w *bufio.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func seconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

func float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// quote returns a label value in double quotes, escaped.
func quote(s string) string { return `"` + labelEscaper.Replace(s) + `"` }
