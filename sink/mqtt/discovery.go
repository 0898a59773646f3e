package mqtt

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meterwire/meterwire/pipeline"
)

// Sensor is what Home Assistant is told about one field: its unit and, when
// one fits, its device class and state class (empty: none).
type Sensor struct {
	Unit        string
	DeviceClass string
	StateClass  string
}

// Home Assistant state classes.
const (
	measurement     = "measurement"
	totalIncreasing = "total_increasing"
)

// units maps a field name's unit suffix to the Home Assistant unit and the
// device class that accepts it. Units whose device class is missing from
// Home Assistant releases older than 2025 (kvar, kvarh, kVA, temperature
// differences in K) get none, since an unknown class makes Home Assistant
// reject the entity. counter marks quantities that only grow.
var units = map[string]struct {
	unit, class string
	counter     bool
}{
	"kwh":   {"kWh", "energy", true},
	"wh":    {"Wh", "energy", true},
	"mwh":   {"MWh", "energy", true},
	"mj":    {"MJ", "energy", true},
	"gj":    {"GJ", "energy", true},
	"kw":    {"kW", "power", false},
	"w":     {"W", "power", false},
	"m3":    {"m³", "", true}, // gas, water or volume: see Classify
	"l":     {"L", "", true},
	"m3h":   {"m³/h", "volume_flow_rate", false},
	"lh":    {"L/h", "volume_flow_rate", false},
	"c":     {"°C", "temperature", false},
	"k":     {"K", "", false}, // temperature difference
	"v":     {"V", "voltage", false},
	"a":     {"A", "current", false},
	"hz":    {"Hz", "frequency", false},
	"bar":   {"bar", "pressure", false},
	"dbm":   {"dBm", "signal_strength", false},
	"s":     {"s", "duration", false},
	"min":   {"min", "duration", false},
	"h":     {"h", "duration", false},
	"d":     {"d", "duration", false},
	"kg":    {"kg", "weight", false},
	"kgh":   {"kg/h", "", false},
	"kvar":  {"kvar", "", false},
	"kvarh": {"kvarh", "", true},
	"kva":   {"kVA", "", false},
	"kvah":  {"kVAh", "", true},
	"pct":   {"%", "", false},
	"deg":   {"°", "", false},
	"hca":   {"", "", true}, // heat cost allocator units
}

// Classify derives the Home Assistant description of a numeric field from
// its name's unit suffix ("energy_import_kwh", "total_m3") and the meter's
// device type (which tells water from gas from heat for volumes).
func Classify(field, deviceType string) Sensor {
	suffix := field
	if i := strings.LastIndexByte(field, '_'); i >= 0 {
		suffix = field[i+1:]
	}
	u, ok := units[suffix]
	if !ok || suffix == field {
		if strings.Contains(field, "power_factor") {
			return Sensor{DeviceClass: "power_factor", StateClass: measurement}
		}
		return Sensor{StateClass: measurement}
	}
	s := Sensor{Unit: u.unit, DeviceClass: u.class}
	if suffix == "m3" || suffix == "l" {
		dt := strings.ToLower(deviceType)
		switch {
		case strings.Contains(field, "gas") || strings.Contains(dt, "gas"):
			s.DeviceClass = "gas"
			if suffix == "l" { // gas in L is accepted only by recent releases
				s.DeviceClass = "volume"
			}
		case strings.Contains(field, "water") || strings.Contains(dt, "water"):
			s.DeviceClass = "water"
		default: // the water through a heat meter, say
			s.DeviceClass = "volume"
		}
	}
	if strings.Contains(field, "battery") && suffix == "pct" {
		s.DeviceClass = "battery"
	}
	switch {
	case historic(field):
		// a stored or extreme value: no statistics
	case u.counter:
		s.StateClass = totalIncreasing
	default:
		s.StateClass = measurement
	}
	return s
}

// historic reports fields that are not the meter's present value: values
// at the set date or in storage, maxima and minima, limits, rates per
// period and the times things started.
func historic(field string) bool {
	for _, p := range []string{"target_", "max_", "min_", "error_"} {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	for _, p := range []string{"_storage_", "_limit", "_start", "_per_", "_delta", "_exceeds_", "_duration_"} {
		if strings.Contains(field, p) {
			return true
		}
	}
	return false
}

type haDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Model        string   `json:"model,omitempty"`
	SerialNumber string   `json:"serial_number,omitempty"`
}

type haOrigin struct {
	Name      string `json:"name"`
	SWVersion string `json:"sw_version,omitempty"`
}

// haSensor is a discovery message of an MQTT sensor.
type haSensor struct {
	Name              string   `json:"name"`
	UniqueID          string   `json:"unique_id"`
	ObjectID          string   `json:"object_id"`
	DefaultEntityID   string   `json:"default_entity_id"`
	StateTopic        string   `json:"state_topic"`
	ValueTemplate     string   `json:"value_template"`
	Unit              string   `json:"unit_of_measurement,omitempty"`
	DeviceClass       string   `json:"device_class,omitempty"`
	StateClass        string   `json:"state_class,omitempty"`
	EntityCategory    string   `json:"entity_category,omitempty"`
	EnabledByDefault  *bool    `json:"enabled_by_default,omitempty"`
	AvailabilityTopic string   `json:"availability_topic"`
	PayloadAvailable  string   `json:"payload_available"`
	PayloadNotAvail   string   `json:"payload_not_available"`
	Device            haDevice `json:"device"`
	Origin            haOrigin `json:"origin"`
}

// discoveryMsg is an announcement sent, kept to send it again.
// node is what discovery remembers of one meter: enough to announce its
// fields again (after Home Assistant or the broker restarted) without
// keeping the messages, which for 100,000 meters would take half a
// gigabyte.
type node struct {
	key                                    uint32
	meter, manufacturer, id, devType, kind string
	fields                                 []string // announced, interned
}

func (n *node) has(field string) bool {
	for _, f := range n.fields {
		if f == field {
			return true
		}
	}
	return false
}

// event is the part of an event discoveryMessage uses.
func (n *node) event() *pipeline.Event {
	return &pipeline.Event{Meter: n.meter, Manufacturer: n.manufacturer, ID: n.id, DeviceType: n.devType, Kind: n.kind}
}

// announced is a field announced in the batch being written.
type announced struct{ node, field string }

// intern returns one shared copy of a field name.
func (s *Sink) intern(k string) string {
	if v, ok := s.names[k]; ok {
		return v
	}
	k = strings.Clone(k)
	s.names[k] = k
	return k
}

// announce queues the discovery messages of ev's numeric fields that were
// not announced yet, under the meter's key. Called with s.mu held.
func (s *Sink) announce(ev *pipeline.Event, name string, key uint32) error {
	n := s.nodes[name]
	if n == nil {
		n = &node{key: key, meter: strings.Clone(ev.Meter), manufacturer: s.intern(ev.Manufacturer), id: strings.Clone(ev.ID), devType: s.intern(ev.DeviceType), kind: s.intern(ev.Kind)}
		s.nodes[strings.Clone(name)] = n
	}
	var pending []string
	for k, v := range ev.Fields {
		if n.has(k) || !isNumber(v) || !validField(k) || reserved[k] {
			continue
		}
		pending = append(pending, k)
	}
	if ev.RSSI != nil && !n.has("rssi_dbm") {
		pending = append(pending, "rssi_dbm")
	}
	for _, k := range pending {
		topic, payload, err := s.discoveryMessage(ev, name, k)
		if err != nil {
			return err
		}
		s.enqueue(key, topic, payload)
		k = s.intern(k)
		n.fields = append(n.fields, k)
		s.fresh = append(s.fresh, announced{name, k})
	}
	return nil
}

// unannounce forgets the announcements of a batch that was not written,
// so that the next reading announces them again. Called with s.mu held.
func (s *Sink) unannounce() {
	for _, a := range s.fresh {
		if n := s.nodes[a.node]; n != nil {
			for i, f := range n.fields {
				if f == a.field {
					n.fields = append(n.fields[:i], n.fields[i+1:]...)
					break
				}
			}
		}
	}
	s.fresh = s.fresh[:0]
}

func (s *Sink) discoveryMessage(ev *pipeline.Event, node, field string) (string, []byte, error) {
	sn := Classify(field, ev.DeviceType)
	id := strings.ReplaceAll(node, "-", "_") + "_" + field // entity ids: a-z, 0-9, _
	m := haSensor{
		Name:              fieldTitle(field),
		UniqueID:          "meterwire_" + id,
		ObjectID:          id,
		DefaultEntityID:   "sensor." + id,
		StateTopic:        s.prefix + "/" + node + "/state",
		ValueTemplate:     "{{ value_json." + field + " }}",
		Unit:              sn.Unit,
		DeviceClass:       sn.DeviceClass,
		StateClass:        sn.StateClass,
		AvailabilityTopic: s.statusTopic,
		PayloadAvailable:  "online",
		PayloadNotAvail:   "offline",
		Device: haDevice{
			Identifiers:  []string{"meterwire_" + node},
			Name:         ev.Meter,
			Manufacturer: ev.Manufacturer,
			Model:        model(ev),
			SerialNumber: ev.ID,
		},
		Origin: haOrigin{Name: "meterwire", SWVersion: s.opt.Version},
	}
	if m.Device.Name == "" {
		m.Device.Name = node
	}
	if field == "rssi_dbm" {
		m.EntityCategory = "diagnostic"
	}
	if strings.Contains(field, "_storage_") {
		off := false
		m.EnabledByDefault = &off
	}
	p, err := json.Marshal(&m)
	if err != nil {
		return "", nil, fmt.Errorf("mqtt: discovery message: %w", err)
	}
	return s.discovery + "/sensor/" + node + "/" + field + "/config", p, nil
}

func model(ev *pipeline.Event) string {
	switch {
	case ev.DeviceType != "" && ev.Kind != "":
		return ev.DeviceType + " meter (" + ev.Kind + ")"
	case ev.DeviceType != "":
		return ev.DeviceType + " meter"
	}
	return ev.Kind
}

// validField accepts the field names that can be a topic level, an entity
// id part and a template attribute as they are.
func validField(k string) bool {
	if k == "" || len(k) > 64 || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// fieldTitle makes an entity name of a field: "energy_import_t1_kwh" →
// "Energy import T1", "flow_temperature_c" → "Flow temperature".
func fieldTitle(field string) string {
	parts := strings.Split(field, "_")
	if len(parts) > 1 {
		if _, ok := units[parts[len(parts)-1]]; ok {
			parts = parts[:len(parts)-1]
		}
	}
	for i, p := range parts {
		if len(p) == 2 && (p[0] == 'l' || p[0] == 't') && p[1] >= '0' && p[1] <= '9' {
			parts[i] = strings.ToUpper(p)
		}
	}
	s := strings.Join(parts, " ")
	if s == "rssi dbm" || s == "rssi" {
		return "Signal strength"
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// isNumber reports whether a field value is a number (discovery announces
// numeric fields only).
func isNumber(v any) bool {
	_, ok := pipeline.Number(v)
	return ok
}
