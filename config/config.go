// Package config reads meterwire.yaml, the configuration of `meterwire
// serve`: inputs (device addresses), meters with their keys, sinks, the
// history store and the HTTP server. Reading is strict: an unknown key or a
// bad value is an error naming the file, the line and what would be right.
// Keys may be written in the file, kept in a separate key file or taken
// from environment variables; they are held as Secret values, which never
// print.
package config

import (
	"fmt"
	"time"

	"github.com/meterwire/meterwire/radio"
)

// Config is a whole configuration.
type Config struct {
	// File is the path the configuration was read from ("" for defaults).
	File string
	// DataDir holds the store and the MQTT queue unless their own paths
	// are given.
	DataDir  string
	Inputs   []Input
	Meters   []Meter
	Sinks    Sinks
	Store    Store
	HTTP     HTTP
	Pipeline Pipeline
	// Broker, when set, runs an MQTT broker inside meterwire.
	Broker *Broker
	// Warnings are problems that do not stop the gateway (a key file
	// others can read); serve prints them at start.
	Warnings []string
}

// Input is one receiver or P1 port.
type Input struct {
	Name   string
	Device radio.Device
	Line   int // where it was configured (0 for defaults)
}

// Meter is one configured meter.
type Meter struct {
	Name string
	// ID identifies the meter: the 8-digit wM-Bus identification number,
	// or for a P1/DLMS meter its 16-hex-digit system title or "p1" (any P1
	// meter on the inputs).
	ID string
	// Manufacturer is the three-letter wM-Bus manufacturer code, when
	// given; with it the meter is matched on manufacturer and id.
	Manufacturer string
	// Driver names the field mapping ("auto": from the telegram).
	Driver string
	Key    Secret
	AK     Secret
	// ExpectEvery, when set, raises an alarm when the meter stays silent
	// for longer.
	ExpectEvery time.Duration
	Line        int
}

// IsP1 reports whether the meter is a P1/DLMS meter.
func (m *Meter) IsP1() bool { return m.ID == "p1" || len(m.ID) == 16 }

// Sinks are where readings go besides the store.
type Sinks struct {
	// Stdout prints each reading as a JSON line.
	Stdout bool
	MQTT   *MQTT
}

// MQTT is the MQTT sink.
type MQTT struct {
	URL         string // mqtt://host:1883, mqtts://, ws://
	TopicPrefix string // default "meterwire"
	ClientID    string
	Username    string
	Password    Secret
	// HomeAssistant enables MQTT discovery under DiscoveryPrefix.
	HomeAssistant   bool
	DiscoveryPrefix string // default "homeassistant"
	// QueueDir holds messages while the broker is away (default
	// DataDir/mqtt-queue).
	QueueDir string
	// QueueMax bounds the bytes the queue takes on disk (0: the sink's
	// default, 256 MiB). At the bound the queue keeps only the newest
	// message of each topic (each meter's latest state).
	QueueMax int64
}

// Broker is the embedded MQTT broker.
type Broker struct {
	Listen string // host:port, default 127.0.0.1:1883
}

// Store is the embedded history.
type Store struct {
	Disabled  bool
	Path      string        // default DataDir/meterwire.db
	Retention time.Duration // 0: keep everything
	// MinFree is the free space the file system of the store (and of the
	// MQTT queue) must keep: below it the gateway pauses ingest, with a
	// message, before SQLite fails with "disk full" (default
	// DefaultMinFree; negative: no guard).
	MinFree int64
}

// DefaultMinFree is the default Store.MinFree: room for a few minutes of
// ingest at full rate, SQLite's WAL and a checkpoint.
const DefaultMinFree = 256 << 20

// HTTP is the web UI and API server. Zero limits take the defaults
// below.
type HTTP struct {
	Disabled bool
	Listen   string // default 127.0.0.1:8080
	Token    Secret // bearer token required by the API when set
	// Hosts are further host names the server answers to (besides
	// localhost, IP addresses and the listen address's host), e.g. the
	// name people open the UI by on their LAN. Requests naming any other
	// host get 421: that is what stops DNS rebinding.
	Hosts []string
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer (the live stream and exports
	// extend it as they make progress).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle for longer.
	IdleTimeout time.Duration
	// MaxConnections caps open connections; more wait for a free one
	// (idle keep-alive connections are closed to make room).
	MaxConnections int
	// MaxLiveStreams caps live-event (Server-Sent Events) clients; more
	// get 503.
	MaxLiveStreams int
}

// Defaults of the HTTP server's limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxConnections    = 256
	DefaultMaxLiveStreams    = 32
)

// Pipeline tunes the decode pipeline.
type Pipeline struct {
	// DedupWindow: the same telegram heard again within it (by another
	// receiver) is a duplicate. Default 10 s.
	DedupWindow time.Duration
	// QueueSize bounds each stage's queue. Default 4096.
	QueueSize int
	// ReplayReset: a meter none of whose telegrams was accepted for this
	// long (silent, or refused as replays after a reset of the meter) is
	// accepted again with its next telegram. Default 24 h (see the
	// pipeline package's replay guard).
	ReplayReset time.Duration
}

// Secret is key material. It formats as "[redacted]" everywhere (%v, %s,
// %x, %#v, JSON, YAML), so a key cannot leak through logs or output by
// accident; use the bytes directly.
type Secret []byte

const redacted = "[redacted]"

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter for every verb.
func (s Secret) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Set reports whether the secret holds a value.
func (s Secret) Set() bool { return len(s) > 0 }

// Defaults.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultBrokerListen    = "127.0.0.1:1883"
	DefaultTopicPrefix     = "meterwire"
	DefaultDiscoveryPrefix = "homeassistant"
	DefaultDedupWindow     = 10 * time.Second
	DefaultQueueSize       = 4096
)
