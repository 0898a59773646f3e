package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Error is a configuration problem at a place in a file.
type Error struct {
	File string
	Line int // 0 when the problem has no single place
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// Env looks up environment variables (a variable for tests).
var Env = os.LookupEnv

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse checks a configuration given as bytes; file names it in errors
// and resolves relative paths (key file, data directory).
func Parse(file string, data []byte) (*Config, error) {
	p := &parser{file: file, dir: filepath.Dir(file)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlErr(err)
	}
	c := &Config{File: file}
	if len(doc.Content) > 0 {
		if err := p.config(doc.Content[0], c); err != nil {
			return nil, err
		}
	}
	if err := p.finish(c); err != nil {
		return nil, err
	}
	return c, nil
}

// SetDataDir moves the data directory to dir (serve --data-dir), and with
// it the store and the MQTT queue unless the configuration gave them paths
// of their own.
func (c *Config) SetDataDir(dir string) {
	old := c.DataDir
	c.DataDir = dir
	if c.Store.Path == filepath.Join(old, "meterwire.db") {
		c.Store.Path = filepath.Join(dir, "meterwire.db")
	}
	if m := c.Sinks.MQTT; m != nil && m.QueueDir == filepath.Join(old, "mqtt-queue") {
		m.QueueDir = filepath.Join(dir, "mqtt-queue")
	}
}

// Default is the configuration of demo mode and of fields not given.
func Default(dataDir string) *Config {
	c := &Config{DataDir: dataDir}
	applyDefaults(c)
	return c
}

func applyDefaults(c *Config) {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir()
	}
	if c.Store.Path == "" {
		c.Store.Path = filepath.Join(c.DataDir, "meterwire.db")
	}
	if c.Store.MinFree == 0 {
		c.Store.MinFree = DefaultMinFree
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DefaultListen
	}
	if c.Pipeline.DedupWindow == 0 {
		c.Pipeline.DedupWindow = DefaultDedupWindow
	}
	if c.Pipeline.QueueSize == 0 {
		c.Pipeline.QueueSize = DefaultQueueSize
	}
	ApplyBroker(c)
	if m := c.Sinks.MQTT; m != nil {
		if m.TopicPrefix == "" {
			m.TopicPrefix = DefaultTopicPrefix
		}
		if m.DiscoveryPrefix == "" {
			m.DiscoveryPrefix = DefaultDiscoveryPrefix
		}
		if m.ClientID == "" {
			m.ClientID = "meterwire"
		}
		if m.QueueDir == "" {
			m.QueueDir = filepath.Join(c.DataDir, "mqtt-queue")
		}
	}
}

// ApplyBroker completes an embedded broker's settings: its default
// address, and, when no MQTT sink is configured, a sink publishing to it
// with Home Assistant discovery.
func ApplyBroker(c *Config) {
	if c.Broker == nil {
		return
	}
	if c.Broker.Listen == "" {
		c.Broker.Listen = DefaultBrokerListen
	}
	if c.Sinks.MQTT == nil {
		c.Sinks.MQTT = &MQTT{URL: "mqtt://" + c.Broker.Listen, HomeAssistant: true}
	}
	m := c.Sinks.MQTT
	if m.TopicPrefix == "" {
		m.TopicPrefix = DefaultTopicPrefix
	}
	if m.DiscoveryPrefix == "" {
		m.DiscoveryPrefix = DefaultDiscoveryPrefix
	}
	if m.ClientID == "" {
		m.ClientID = "meterwire"
	}
	if m.QueueDir == "" {
		m.QueueDir = filepath.Join(c.DataDir, "mqtt-queue")
	}
}

// DefaultDataDir is $XDG_DATA_HOME/meterwire, ~/.local/share/meterwire, or
// ./meterwire-data when there is no home directory.
func DefaultDataDir() string {
	if d, ok := Env("XDG_DATA_HOME"); ok && d != "" {
		return filepath.Join(d, "meterwire")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "meterwire")
	}
	return "meterwire-data"
}

type parser struct {
	// names and ids of the meters so far (name, manufacturer:id) with
	// their lines, to refuse duplicates.
	names, ids map[string]int

	file    string
	dir     string
	keyFile string
	keyLine int
	// metersFile is a CSV file of meters (large fleets).
	metersFile string
	metersLine int
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (p *parser) yamlErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimSpace(strings.Replace(msg, m[0]+":", "", 1))
	}
	return &Error{File: p.file, Line: line, Msg: "not valid YAML: " + msg}
}

func (p *parser) errf(n *yaml.Node, hint, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// fields walks a mapping node, calling f for each key; keys not in known
// are errors with a suggestion, a key given twice is an error.
func (p *parser) fields(n *yaml.Node, where string, known []string, f func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		return p.errf(n, "", "%s must be a mapping of keys to values", where)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			hint := "known keys: " + strings.Join(known, ", ")
			if s := closest(k.Value, known); s != "" {
				hint = "did you mean " + strconv.Quote(s) + "?"
			}
			return p.errf(k, hint, "unknown key %q in %s", k.Value, where)
		}
		if seen[k.Value] {
			return p.errf(k, "", "%s: key %q given twice", where, k.Value)
		}
		seen[k.Value] = true
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(v *yaml.Node, where string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v, "", "%s must be a single value", where)
	}
	return v.Value, nil
}

func (p *parser) boolean(v *yaml.Node, where string) (bool, error) {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
		return false, p.errf(v, "write true or false", "%s: %q is not a boolean", where, v.Value)
	}
	return b, nil
}

func (p *parser) duration(v *yaml.Node, where string) (time.Duration, error) {
	s, err := p.str(v, where)
	if err != nil {
		return 0, err
	}
	d, err := ParseDuration(s)
	if err != nil || d < 0 {
		return 0, p.errf(v, "write e.g. 90s, 15m, 2h or 30d", "%s: %q is not a duration", where, s)
	}
	return d, nil
}

// ParseDuration is time.ParseDuration plus whole days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func (p *parser) path(v *yaml.Node, where string) (string, error) {
	s, err := p.str(v, where)
	if err != nil || s == "" {
		return s, err
	}
	if strings.HasPrefix(s, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			s = filepath.Join(h, s[2:])
		}
	}
	if !filepath.IsAbs(s) {
		s = filepath.Join(p.dir, s)
	}
	return s, nil
}

var topKeys = []string{"data_dir", "inputs", "meters", "meters_file", "keys_file", "sinks", "store", "http", "pipeline", "broker"}

func (p *parser) config(n *yaml.Node, c *Config) error {
	return p.fields(n, "the configuration", topKeys, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "data_dir":
			c.DataDir, err = p.path(v, key)
		case "keys_file":
			p.keyFile, err = p.path(v, key)
			p.keyLine = v.Line
		case "meters_file":
			p.metersFile, err = p.path(v, key)
			p.metersLine = v.Line
		case "inputs":
			err = p.inputs(v, c)
		case "meters":
			err = p.meters(v, c)
		case "sinks":
			err = p.sinks(v, c)
		case "store":
			err = p.store(v, c)
		case "http":
			err = p.http(v, c)
		case "pipeline":
			err = p.pipeline(v, c)
		case "broker":
			c.Broker = &Broker{}
			err = p.fields(v, "broker", []string{"listen"}, func(key string, k, v *yaml.Node) (err error) {
				if c.Broker.Listen, err = p.str(v, "broker.listen"); err == nil {
					if _, port, ok := strings.Cut(c.Broker.Listen, ":"); !ok || port == "" {
						err = p.errf(v, "host:port, e.g. 127.0.0.1:1883", "broker.listen %q", c.Broker.Listen)
					}
				}
				return err
			})
		}
		return err
	})
}

func (p *parser) seq(v *yaml.Node, where string, f func(i int, item *yaml.Node) error) error {
	if v.Kind != yaml.SequenceNode {
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			return nil
		}
		return p.errf(v, "start each entry with \"- \"", "%s must be a list", where)
	}
	for i, item := range v.Content {
		if err := f(i, item); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) inputs(v *yaml.Node, c *Config) error {
	return p.seq(v, "inputs", func(i int, item *yaml.Node) error {
		in := Input{Line: item.Line}
		where := fmt.Sprintf("inputs[%d]", i)
		var devNode *yaml.Node
		if item.Kind == yaml.ScalarNode { // - im871a:/dev/ttyUSB0
			devNode = item
		} else if err := p.fields(item, where, []string{"name", "device"}, func(key string, k, v *yaml.Node) (err error) {
			switch key {
			case "name":
				in.Name, err = p.str(v, where+".name")
			case "device":
				devNode = v
			}
			return err
		}); err != nil {
			return err
		}
		if devNode == nil {
			return p.errf(item, "e.g. device: im871a:/dev/ttyUSB0?mode=c1", "%s has no device", where)
		}
		s, err := p.str(devNode, where+".device")
		if err != nil {
			return err
		}
		d, err := radio.ParseDevice(s)
		if err != nil {
			return p.errf(devNode, "", "%s: %v", where, errDetail(err))
		}
		in.Device = d
		if in.Name == "" {
			in.Name = d.Raw
		}
		for _, o := range c.Inputs {
			if o.Name == in.Name {
				return p.errf(item, fmt.Sprintf("the other is on line %d", o.Line), "%s: input %q configured twice", where, in.Name)
			}
		}
		c.Inputs = append(c.Inputs, in)
		return nil
	})
}

// errDetail strips the layer prefix of a codec error for config messages.
func errDetail(err error) string {
	var ce *codec.Error
	if errors.As(err, &ce) && ce.Detail != "" {
		return ce.Detail
	}
	return err.Error()
}

var meterKeys = []string{"name", "id", "manufacturer", "driver", "key", "key_env", "ak", "ak_env", "expect_every"}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (p *parser) meters(v *yaml.Node, c *Config) error {
	return p.seq(v, "meters", func(i int, item *yaml.Node) error {
		m := Meter{Line: item.Line, Driver: "auto"}
		where := fmt.Sprintf("meters[%d]", i)
		err := p.fields(item, where, meterKeys, func(key string, k, v *yaml.Node) (err error) {
			switch key {
			case "name":
				if m.Name, err = p.str(v, where+".name"); err == nil && !nameRE.MatchString(m.Name) {
					err = p.errf(v, "letters, digits, _ . - only, up to 64 (it becomes part of MQTT topics and URLs)", "%s: meter name %q", where, m.Name)
				}
			case "id":
				if m.ID, err = p.str(v, where+".id"); err == nil {
					m.ID, err = p.meterID(v, where, m.ID)
				}
			case "manufacturer":
				if m.Manufacturer, err = p.str(v, where+".manufacturer"); err == nil {
					m.Manufacturer = strings.ToUpper(m.Manufacturer)
					if _, ok := wmbus.ParseManufacturer(m.Manufacturer); !ok {
						err = p.errf(v, "three letters, e.g. KAM, ELS, DME", "%s: manufacturer %q", where, m.Manufacturer)
					}
				}
			case "driver":
				m.Driver, err = p.str(v, where+".driver")
			case "key", "ak":
				var s string
				if s, err = p.str(v, where+"."+key); err == nil {
					err = p.setKey(&m, key, s, v, where)
				}
			case "key_env", "ak_env":
				var name string
				if name, err = p.str(v, where+"."+key); err == nil {
					s, ok := Env(name)
					if !ok || s == "" {
						return p.errf(v, "export it before starting meterwire", "%s: environment variable %s is not set", where, name)
					}
					err = p.setKey(&m, strings.TrimSuffix(key, "_env"), s, v, where)
				}
			case "expect_every":
				m.ExpectEvery, err = p.duration(v, where+".expect_every")
			}
			return err
		})
		if err != nil {
			return err
		}
		if m.ID == "" {
			return p.errf(item, "the 8-digit number printed on the meter, or for P1 meters \"p1\" or the system title", "%s has no id", where)
		}
		if m.Name == "" {
			m.Name = m.ID
		}
		if p.names == nil {
			p.names, p.ids = map[string]int{}, map[string]int{}
		}
		if line, ok := p.names[m.Name]; ok {
			return p.errf(item, fmt.Sprintf("the other is on line %d", line), "%s: meter name %q used twice", where, m.Name)
		}
		if line, ok := p.ids[m.Manufacturer+":"+m.ID]; ok {
			return p.errf(item, fmt.Sprintf("the other is on line %d", line), "%s: meter id %s configured twice", where, m.ID)
		}
		p.names[m.Name], p.ids[m.Manufacturer+":"+m.ID] = m.Line, m.Line
		c.Meters = append(c.Meters, m)
		return nil
	})
}

var (
	idRE    = regexp.MustCompile(`^[0-9A-Fa-f]{8}$`)
	titleRE = regexp.MustCompile(`^[0-9A-Fa-f]{16}$`)
)

func (p *parser) meterID(v *yaml.Node, where, s string) (string, error) {
	switch {
	case strings.EqualFold(s, "p1"):
		return "p1", nil
	case idRE.MatchString(s), titleRE.MatchString(s):
		return strings.ToUpper(s), nil
	}
	return "", p.errf(v, "8 digits for wM-Bus meters (quote it: id: \"01234567\"), 16 hex digits (system title) or p1 for P1 meters", "%s: id %q", where, s)
}

// setKey checks and stores a key. The value is never part of an error.
func (p *parser) setKey(m *Meter, which, s string, v *yaml.Node, where string) error {
	k, err := parseKeyHex(s)
	if err != nil {
		return p.errf(v, "an AES-128 key is 32 hex digits (16 bytes)", "%s.%s: %v", where, which, err)
	}
	if which == "ak" {
		m.AK = k
	} else {
		m.Key = k
	}
	return nil
}

func parseKeyHex(s string) ([]byte, error) {
	s = strings.NewReplacer(" ", "", ":", "", "-", "").Replace(strings.TrimSpace(s))
	if len(s) != 32 {
		return nil, fmt.Errorf("key has %d hex digits, want 32", len(s))
	}
	k := make([]byte, 16)
	for i := range k {
		b, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, errors.New("key has characters that are not hex digits")
		}
		k[i] = byte(b)
	}
	return k, nil
}

func (p *parser) sinks(v *yaml.Node, c *Config) error {
	return p.fields(v, "sinks", []string{"stdout", "mqtt"}, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "stdout":
			c.Sinks.Stdout, err = p.boolean(v, "sinks.stdout")
		case "mqtt":
			m := &MQTT{}
			c.Sinks.MQTT = m
			err = p.fields(v, "sinks.mqtt", []string{"url", "topic_prefix", "client_id", "username", "password", "password_env", "homeassistant", "discovery_prefix", "queue_dir", "queue_max"}, func(key string, k, v *yaml.Node) (err error) {
				w := "sinks.mqtt." + key
				switch key {
				case "url":
					if m.URL, err = p.str(v, w); err == nil {
						err = p.checkBrokerURL(v, m.URL)
					}
				case "topic_prefix":
					m.TopicPrefix, err = p.str(v, w)
					if err == nil && (strings.ContainsAny(m.TopicPrefix, "#+") || m.TopicPrefix == "") {
						err = p.errf(v, "no # or + and not empty", "%s: %q", w, m.TopicPrefix)
					}
				case "client_id":
					m.ClientID, err = p.str(v, w)
				case "username":
					m.Username, err = p.str(v, w)
				case "password":
					var s string
					s, err = p.str(v, w)
					m.Password = Secret(s)
				case "password_env":
					var name string
					if name, err = p.str(v, w); err == nil {
						s, ok := Env(name)
						if !ok {
							return p.errf(v, "", "%s: environment variable %s is not set", w, name)
						}
						m.Password = Secret(s)
					}
				case "homeassistant":
					m.HomeAssistant, err = p.boolean(v, w)
				case "discovery_prefix":
					m.DiscoveryPrefix, err = p.str(v, w)
				case "queue_dir":
					m.QueueDir, err = p.path(v, w)
				case "queue_max":
					m.QueueMax, err = p.size(v, w, MinQueueMax, "a size of at least 1MiB, e.g. 256MiB, 1GB or 268435456 (bytes)")
				}
				return err
			})
			if err == nil && m.URL == "" {
				err = p.errf(v, "e.g. url: mqtt://127.0.0.1:1883", "sinks.mqtt has no url")
			}
		}
		return err
	})
}

// MinQueueMax is the smallest sinks.mqtt.queue_max accepted.
const MinQueueMax = 1 << 20

// size reads a size (ParseSize) of at least least bytes.
func (p *parser) size(v *yaml.Node, where string, least int64, hint string) (int64, error) {
	s, err := p.str(v, where)
	if err != nil {
		return 0, err
	}
	n, err := ParseSize(s)
	if err != nil || n < least {
		return 0, p.errf(v, hint, "%s %q", where, s)
	}
	return n, nil
}

// ParseSize reads a size in bytes: a whole number, optionally followed by
// a unit, B, kB/KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of
// 1024), with or without a space: "268435456", "256MiB", "1 GB".
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: no number", s)
	}
	units := map[string]int64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}
	mul, ok := units[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok {
		return 0, fmt.Errorf("size %q: unit must be B, kB, MB, GB, KiB, MiB or GiB", s)
	}
	if n > (1<<62)/mul {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mul, nil
}

func (p *parser) checkBrokerURL(v *yaml.Node, s string) error {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || rest == "" || !slices.Contains([]string{"mqtt", "mqtts", "tcp", "ssl", "tls", "ws", "wss"}, scheme) {
		return p.errf(v, "e.g. mqtt://127.0.0.1:1883 or mqtts://broker:8883", "sinks.mqtt.url %q is not a broker URL", s)
	}
	return nil
}

func (p *parser) store(v *yaml.Node, c *Config) error {
	return p.fields(v, "store", []string{"path", "retention", "disabled", "min_free"}, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "min_free":
			c.Store.MinFree, err = p.size(v, "store.min_free", 0, "a size such as 256MB or 1GiB (0 turns the guard off)")
			if c.Store.MinFree == 0 {
				c.Store.MinFree = -1 // off; 0 means the default
			}
		case "path":
			c.Store.Path, err = p.path(v, "store.path")
		case "retention":
			c.Store.Retention, err = p.duration(v, "store.retention")
		case "disabled":
			c.Store.Disabled, err = p.boolean(v, "store.disabled")
		}
		return err
	})
}

func (p *parser) http(v *yaml.Node, c *Config) error {
	return p.fields(v, "http", []string{"listen", "token", "token_env", "disabled", "hosts", "read_timeout", "write_timeout", "idle_timeout", "max_connections", "max_live_streams"}, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "hosts":
			err = p.seq(v, "http.hosts", func(i int, item *yaml.Node) error {
				h, err := p.str(item, "http.hosts")
				h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
				if err == nil && (h == "" || strings.ContainsAny(h, ":/@ ")) && net.ParseIP(h) == nil {
					err = p.errf(item, "a host name without scheme or port, e.g. myserver or myserver.lan", "http.hosts[%d] %q", i, item.Value)
				}
				c.HTTP.Hosts = append(c.HTTP.Hosts, h)
				return err
			})
		case "read_timeout":
			c.HTTP.ReadTimeout, err = p.duration(v, "http.read_timeout")
		case "write_timeout":
			c.HTTP.WriteTimeout, err = p.duration(v, "http.write_timeout")
		case "idle_timeout":
			c.HTTP.IdleTimeout, err = p.duration(v, "http.idle_timeout")
		case "max_connections", "max_live_streams":
			var s string
			if s, err = p.str(v, "http."+key); err == nil {
				n, e := strconv.Atoi(s)
				if e != nil || n < 1 || n > 1<<20 {
					return p.errf(v, "a whole number from 1 to 1048576", "http.%s %q", key, s)
				}
				if key == "max_connections" {
					c.HTTP.MaxConnections = n
				} else {
					c.HTTP.MaxLiveStreams = n
				}
			}
		case "listen":
			if c.HTTP.Listen, err = p.str(v, "http.listen"); err == nil {
				if _, port, ok := strings.Cut(c.HTTP.Listen, ":"); !ok || port == "" {
					err = p.errf(v, "host:port, e.g. 127.0.0.1:8080 (0.0.0.0:8080 for every interface)", "http.listen %q", c.HTTP.Listen)
				}
			}
		case "token":
			var s string
			s, err = p.str(v, "http.token")
			c.HTTP.Token = Secret(s)
		case "token_env":
			var name string
			if name, err = p.str(v, "http.token_env"); err == nil {
				s, ok := Env(name)
				if !ok || s == "" {
					return p.errf(v, "", "http.token_env: environment variable %s is not set", name)
				}
				c.HTTP.Token = Secret(s)
			}
		case "disabled":
			c.HTTP.Disabled, err = p.boolean(v, "http.disabled")
		}
		return err
	})
}

func (p *parser) pipeline(v *yaml.Node, c *Config) error {
	return p.fields(v, "pipeline", []string{"dedup_window", "queue_size", "replay_reset"}, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "dedup_window":
			c.Pipeline.DedupWindow, err = p.duration(v, "pipeline.dedup_window")
		case "replay_reset":
			c.Pipeline.ReplayReset, err = p.duration(v, "pipeline.replay_reset")
		case "queue_size":
			var s string
			if s, err = p.str(v, "pipeline.queue_size"); err == nil {
				n, e := strconv.Atoi(s)
				if e != nil || n < 1 || n > 1<<20 {
					err = p.errf(v, "a whole number from 1 to 1048576", "pipeline.queue_size %q", s)
				}
				c.Pipeline.QueueSize = n
			}
		}
		return err
	})
}

// finish reads the meters and key files and fills in defaults.
func (p *parser) finish(c *Config) error {
	if p.metersFile != "" {
		if err := p.readMetersFile(c); err != nil {
			return err
		}
	}
	if p.keyFile != "" {
		if err := p.readKeyFile(c); err != nil {
			return err
		}
	}
	applyDefaults(c)
	unknownDrivers(c)
	return nil
}

// unknownDrivers warns (once per name) about meters whose driver this
// build does not have: they are decoded with the records' generic names
// rather than refused, so a configuration from wmbusmeters still starts.
func unknownDrivers(c *Config) {
	seen := map[string]bool{}
	for i := range c.Meters {
		m := &c.Meters[i]
		if seen[m.Driver] || driver.Check(m.Driver) == nil {
			continue
		}
		seen[m.Driver] = true
		c.Warnings = append(c.Warnings, fmt.Sprintf("meter %s: this meterwire has no driver %q yet (meterwire drivers lists those it has); its records are decoded with generic names, or set driver: auto", m.Name, m.Driver))
	}
}

// readKeyFile reads a YAML mapping of meter name or id to a key (32 hex
// digits) or to {key: ..., ak: ...}, and warns when others may read it.
func (p *parser) readKeyFile(c *Config) error {
	fi, err := os.Stat(p.keyFile)
	if err != nil {
		return &Error{File: p.file, Line: p.keyLine, Msg: fmt.Sprintf("keys_file: %v", err)}
	}
	if fi.Mode().Perm()&0o077 != 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s is readable by group or others (mode %04o): chmod 600 %s", p.keyFile, fi.Mode().Perm(), p.keyFile))
	}
	data, err := os.ReadFile(p.keyFile)
	if err != nil {
		return &Error{File: p.file, Line: p.keyLine, Msg: fmt.Sprintf("keys_file: %v", err)}
	}
	kp := &parser{file: p.keyFile, dir: filepath.Dir(p.keyFile)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return kp.yamlErr(err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return kp.errf(root, "write one line per meter: name: 32 hex digits", "the key file must be a mapping of meter names or ids to keys")
	}
	byName := make(map[string]*Meter, 2*len(c.Meters))
	for i := range c.Meters {
		m := &c.Meters[i]
		byName[strings.ToUpper(m.ID)] = m
	}
	for i := range c.Meters { // names win over ids
		byName[c.Meters[i].Name] = &c.Meters[i]
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		m := byName[k.Value]
		if m == nil {
			m = byName[strings.ToUpper(k.Value)]
		}
		if m == nil {
			return kp.errf(k, "the key file names meters of the configuration by name or id", "no meter %q in %s", k.Value, p.file)
		}
		where := "key file entry " + strconv.Quote(k.Value)
		if v.Kind == yaml.ScalarNode {
			if err := kp.setKey(m, "key", v.Value, v, where); err != nil {
				return err
			}
			continue
		}
		if err := kp.fields(v, where, []string{"key", "ak"}, func(key string, _, v *yaml.Node) error {
			s, err := kp.str(v, where+"."+key)
			if err != nil {
				return err
			}
			return kp.setKey(m, key, s, v, where)
		}); err != nil {
			return err
		}
	}
	return nil
}

// closest returns the known word nearest to s (edit distance at most 2,
// or a prefix), or "".
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
