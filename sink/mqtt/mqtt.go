package mqtt

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
)

// Defaults of Options.
const (
	DefaultKeepAlive      = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultReconnectMin   = time.Second
	DefaultReconnectMax   = 30 * time.Second
	DefaultFlushTimeout   = 5 * time.Second
	DefaultSessionExpiry  = time.Hour
	DefaultPublishers     = 16

	// DefaultQueueMax bounds the outbox when config.MQTT.QueueMax is 0.
	// A meter's state is 300 to 500 bytes, so 256 MiB holds the newest
	// states of half a million meters (Home Assistant's announcements,
	// sent once per field, take a few times more per meter). The load
	// test's 100,000 meters (~12 MB/s of messages) fill it in ~20 s of
	// outage; from then on compaction holds it near their newest states
	// (~40 MB) plus what arrived since the last compaction. And it stays
	// a small share of the disk that the store, the record of every
	// reading, needs.
	DefaultQueueMax = 256 << 20
)

// publishTimeout bounds one publication's wait for its PUBACK. A
// publication outlives a dropped connection (the MQTT session sends it
// again on the next one), so this is long: it only frees a publisher from
// a broker that never answers on a live connection.
const publishTimeout = 10 * time.Minute

// persistInterval is how often the outbox's acknowledged offset is
// written to disk: after a crash, at most this much of what was already
// delivered is sent again.
const persistInterval = time.Second

// Options tune the sink; the zero value is fine.
type Options struct {
	// Logf reports connection problems. It never receives the password.
	Logf func(format string, args ...any)
	// Version is meterwire's version, announced to Home Assistant as the
	// discovery origin's sw_version.
	Version string
	// TLSConfig is used for mqtts:// and wss:// URLs (nil: system roots).
	TLSConfig *tls.Config
	// KeepAlive is the MQTT keep-alive period (default 30 s).
	KeepAlive time.Duration
	// ConnectTimeout bounds one connection attempt (default 10 s).
	ConnectTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the delay between connection
	// attempts, which doubles from ReconnectMin up to ReconnectMax
	// (defaults 1 s and 30 s).
	ReconnectMin, ReconnectMax time.Duration
	// FlushTimeout bounds how long Close waits for the queue to empty
	// (default 5 s).
	FlushTimeout time.Duration
	// SessionExpiry is how long the broker keeps the session (and the
	// messages it has not acknowledged yet) after the connection drops
	// (default 1 h).
	SessionExpiry time.Duration
	// Publishers is how many messages may await their acknowledgement at
	// once (default 16). The meters are spread over that many publishers
	// by a hash of their topic level; each publisher sends its meters'
	// messages one at a time, in the order they were written.
	Publishers int
	// SyncWrites makes Write fsync the outbox before it returns, so that
	// what Write accepted survives a power loss too. Without it (the
	// default) what Write accepted survives the process being killed (it
	// is in the kernel's page cache), and a power loss can lose what the
	// kernel had not written back yet (up to about 30 s of readings with
	// Linux's defaults). The cost is one fsync per Write; the pipeline
	// hands over larger batches when readings come faster.
	SyncWrites bool
	// SegmentSize is the size of the outbox's segment files (default
	// DefaultSegmentSize, or a sixteenth of the queue's bound when that is
	// less); a segment is deleted once all its messages are acknowledged.
	SegmentSize int64
}

// Sink publishes readings to MQTT; it implements pipeline.Sink.
type Sink struct {
	opt         Options
	prefix      string // topic prefix, no trailing "/"
	discovery   string // discovery prefix ("" unless Home Assistant is on)
	statusTopic string
	haStatus    string // <discovery>/status

	cm     *autopaho.ConnectionManager
	ob     *outbox
	ctx    context.Context // the sink's life
	cancel context.CancelFunc
	wg     sync.WaitGroup // the background goroutines
	pubs   []chan entry   // one per publisher

	// up is closed while the connection is up; gen is the context of
	// publications, cancelled when a connection comes up without the
	// session (whose lost in-flight messages will never be acknowledged).
	upMu      sync.Mutex
	up        chan struct{}
	gen       context.Context
	genCancel context.CancelFunc
	dropLog   atomic.Int64 // unix nanoseconds of the last "dropped" report

	connected     atomic.Bool
	everConnected atomic.Bool
	closed        atomic.Bool
	closeOnce     sync.Once
	closeErr      error

	// events wakes the background loop: connection up (with whether the
	// broker kept the session) or Home Assistant's "online".
	events chan loopEvent

	mu     sync.Mutex // serialises Write and guards what follows
	batch  batch
	fresh  []announced // discovery added to batch, undone if it fails
	buf    []byte
	keys   []string
	topics map[string]string // meter name → topic level
	nodes  map[string]*node  // topic level → what was announced
	names  map[string]string // interned field names
}

type loopEvent uint8

const (
	evConnected loopEvent = iota + 1
	evConnectedNoSession
	evHAOnline
)

// Name implements pipeline.Sink.
func (s *Sink) Name() string { return "mqtt" }

// New opens the outbox in cfg.QueueDir, connects to the broker in the
// background and returns at once: a broker that is away is not an error
// (readings wait in the outbox). It fails on a bad configuration or an
// unusable QueueDir. ctx bounds the sink's life like Close does.
func New(ctx context.Context, cfg config.MQTT, opt Options) (*Sink, error) {
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	setDefault(&opt.KeepAlive, DefaultKeepAlive)
	setDefault(&opt.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&opt.ReconnectMin, DefaultReconnectMin)
	setDefault(&opt.ReconnectMax, DefaultReconnectMax)
	setDefault(&opt.FlushTimeout, DefaultFlushTimeout)
	setDefault(&opt.SessionExpiry, DefaultSessionExpiry)
	if opt.Publishers <= 0 {
		opt.Publishers = DefaultPublishers
	}
	if opt.ReconnectMax < opt.ReconnectMin {
		opt.ReconnectMax = opt.ReconnectMin
	}

	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("mqtt: the broker URL does not parse")
	}
	switch u.Scheme {
	case "mqtt", "tcp", "mqtts", "ssl", "tls", "ws", "wss":
	default:
		return nil, fmt.Errorf("mqtt: broker URL %s: scheme must be mqtt, mqtts, ws or wss", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("mqtt: broker URL %s has no host", u.Redacted())
	}
	username, password := cfg.Username, []byte(cfg.Password)
	if u.User != nil { // credentials in the URL, unless configured apart
		if username == "" {
			username = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && len(password) == 0 {
			password = []byte(p)
		}
		u.User = nil // keep them out of anything that prints the URL
	}

	prefix := cfg.TopicPrefix
	if prefix == "" {
		prefix = config.DefaultTopicPrefix
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, fmt.Errorf("mqtt: topic prefix %q: %w", prefix, err)
	}
	s := &Sink{
		opt:         opt,
		prefix:      prefix,
		statusTopic: prefix + "/status",
		events:      make(chan loopEvent, 4),
		up:          make(chan struct{}),
		topics:      map[string]string{},
		nodes:       map[string]*node{},
		names:       map[string]string{},
	}
	if cfg.HomeAssistant {
		s.discovery = cfg.DiscoveryPrefix
		if s.discovery == "" {
			s.discovery = config.DefaultDiscoveryPrefix
		}
		if err := checkPrefix(s.discovery); err != nil {
			return nil, fmt.Errorf("mqtt: discovery prefix %q: %w", s.discovery, err)
		}
		s.haStatus = s.discovery + "/status"
	}

	if cfg.QueueDir == "" {
		return nil, errors.New("mqtt: no queue directory")
	}
	dir, err := filepath.Abs(cfg.QueueDir)
	if err != nil {
		return nil, fmt.Errorf("mqtt: queue directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mqtt: queue directory: %w", err)
	}
	limit := cfg.QueueMax
	if limit <= 0 {
		limit = DefaultQueueMax
	}
	segSize := opt.SegmentSize
	if segSize <= 0 {
		// The segment the reader is in cannot be compacted: keep it small
		// beside the bound.
		segSize = min(DefaultSegmentSize, max(limit/16, 4<<10))
	}
	if s.ob, err = openOutbox(dir, outboxOptions{SegmentSize: segSize, Sync: opt.SyncWrites, Logf: opt.Logf, Limit: limit}); err != nil {
		return nil, fmt.Errorf("mqtt: queue directory %s: %w", dir, err)
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.gen, s.genCancel = context.WithCancel(s.ctx)

	clientID := cfg.ClientID
	if clientID == "" {
		clientID = defaultClientID(dir)
	}
	lo, hi := opt.ReconnectMin, opt.ReconnectMax
	ac := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		TlsCfg:                        opt.TLSConfig,
		KeepAlive:                     uint16(min1s(opt.KeepAlive) / time.Second),
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         uint32(opt.SessionExpiry / time.Second),
		ConnectTimeout:                opt.ConnectTimeout,
		ReconnectBackoff: func(attempt int) time.Duration {
			if attempt <= 0 {
				return 0
			}
			d := lo
			for i := 1; i < attempt && d < hi; i++ {
				d *= 2
			}
			return minDur(d, hi)
		},
		// No Queue: the sink publishes from its own outbox.
		ConnectUsername: username,
		ConnectPassword: password,
		WillMessage:     &paho.WillMessage{Topic: s.statusTopic, Payload: []byte("offline"), QoS: 1, Retain: true},
		// 0x04: "disconnect with will message", so that a Close that
		// could not publish "offline" itself still leaves it behind.
		DisconnectPacketBuilder: func() *paho.Disconnect { return &paho.Disconnect{ReasonCode: 0x04} },
		OnConnectionUp: func(_ *autopaho.ConnectionManager, ca *paho.Connack) {
			s.connected.Store(true)
			s.connUp(ca.SessionPresent)
			ev := evConnected
			// The queue holds what was announced before the first
			// connection; later, a broker without our session may have
			// lost the retained announcements too.
			if !ca.SessionPresent && s.everConnected.Swap(true) {
				ev = evConnectedNoSession
			}
			s.signal(ev)
		},
		OnConnectionDown: func() bool {
			s.connected.Store(false)
			s.connDown()
			return true
		},
		OnConnectError: func(err error) { opt.Logf("mqtt: connecting to %s: %v", u.Redacted(), err) },
		ClientConfig: paho.ClientConfig{
			ClientID:      clientID,
			PacketTimeout: publishTimeout,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){
				func(pr paho.PublishReceived) (bool, error) {
					if s.haStatus != "" && pr.Packet.Topic == s.haStatus && string(pr.Packet.Payload) == "online" {
						s.signal(evHAOnline)
					}
					return true, nil
				},
			},
		},
	}
	if s.cm, err = autopaho.NewConnection(s.ctx, ac); err != nil {
		s.cancel()
		_ = s.ob.close()
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	s.start()
	return s, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

func min1s(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d
}

// checkPrefix accepts topic prefixes such as "meterwire" or "home/meters".
func checkPrefix(p string) error {
	switch {
	case p == "":
		return errors.New("empty")
	case strings.ContainsAny(p, "+#\x00"):
		return errors.New("wildcards are not allowed")
	case strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//"):
		return errors.New("empty topic level")
	case strings.HasPrefix(p, "$"):
		return errors.New("topics starting with $ are reserved")
	}
	return nil
}

// defaultClientID is stable for a gateway and its queue, so that the
// broker finds the session again after a restart.
func defaultClientID(queueDir string) string {
	host, _ := os.Hostname()
	h := sha256.Sum256([]byte(host + "\x00" + queueDir))
	return "meterwire-" + hex.EncodeToString(h[:6])
}

func (s *Sink) signal(ev loopEvent) {
	select {
	case s.events <- ev:
	default: // a burst: the loop republishes everything anyway
	}
}

// loop announces the sink on every connection and answers Home
// Assistant's restarts. It runs until the sink's context ends.
func (s *Sink) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.events:
			switch ev {
			case evConnected, evConnectedNoSession:
				s.online(ctx, ev == evConnectedNoSession)
			case evHAOnline:
				s.announceAgain()
			}
		}
	}
}

func (s *Sink) online(ctx context.Context, lostSession bool) {
	pctx, cancel := context.WithTimeout(ctx, s.opt.ConnectTimeout)
	defer cancel()
	if s.haStatus != "" {
		if _, err := s.cm.Subscribe(pctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: s.haStatus, QoS: 1}}}); err != nil {
			s.opt.Logf("mqtt: subscribing to %s: %v", s.haStatus, err)
		}
	}
	if _, err := s.cm.Publish(pctx, &paho.Publish{Topic: s.statusTopic, Payload: []byte("online"), QoS: 1, Retain: true}); err != nil {
		s.opt.Logf("mqtt: publishing %s: %v", s.statusTopic, err)
	}
	if lostSession {
		s.announceAgain()
	}
}

// announceAgain queues every discovery message sent so far.
func (s *Sink) announceAgain() {
	if s.discovery == "" || s.closed.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.nodes))
	for name := range s.nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	s.batch.reset()
	for _, name := range names {
		n := s.nodes[name]
		ev := n.event()
		for _, f := range n.fields {
			topic, payload, err := s.discoveryMessage(ev, name, f)
			if err != nil {
				s.opt.Logf("mqtt: %v", err)
				continue
			}
			s.enqueue(n.key, topic, payload)
		}
	}
	if err := s.ob.append(&s.batch); err != nil {
		s.opt.Logf("mqtt: queueing discovery: %v", err)
	}
}

// enqueue adds a retained QoS 1 message to the batch being written.
// Messages of the same key are published in the order they are queued.
// Called with s.mu held.
func (s *Sink) enqueue(key uint32, topic string, payload []byte) {
	s.batch.add(key, topic, payload, true)
}

// Write implements pipeline.Sink: it appends a state message for every
// decoded event with fields, and the discovery messages of fields not seen
// before, to the outbox with one write, and returns; it does not wait for
// the broker. It fails only when the outbox cannot be written; then none
// of the batch's messages is queued. When the outbox is full even after
// compaction (see QueueMax) the batch's messages are dropped and counted
// (Stats.Refused) and Write returns nil: the pipeline must not wait for
// MQTT, or the store would wait too.
func (s *Sink) Write(_ context.Context, events []pipeline.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errors.New("mqtt: sink closed")
	}
	s.batch.reset()
	s.fresh = s.fresh[:0]
	for i := range events {
		ev := &events[i]
		if ev.Outcome != pipeline.Decoded || len(ev.Fields) == 0 {
			continue
		}
		node := s.topicLevel(ev)
		key := fnv32(node)
		if s.discovery != "" {
			if err := s.announce(ev, node, key); err != nil {
				s.unannounce()
				return err
			}
		}
		s.buf = s.appendState(s.buf[:0], ev)
		s.enqueue(key, s.prefix+"/"+node+"/state", s.buf)
	}
	if err := s.ob.append(&s.batch); err != nil {
		s.unannounce()
		if errors.Is(err, errFull) {
			return nil // counted and reported by the outbox
		}
		return fmt.Errorf("mqtt: queueing: %w", err)
	}
	if cap(s.batch.buf) > 4<<20 { // an outsized batch: do not keep its buffer
		s.batch = batch{}
	}
	return nil
}

// Stats is what the sink reports about itself, for the metrics.
type Stats struct {
	// Connected is true while the connection to the broker is up.
	Connected bool
	// QueueBytes is what the outbox's segment files take on disk, and
	// QueueLimit its bound.
	QueueBytes, QueueLimit int64
	// Superseded counts the messages compaction dropped because a newer
	// message of their topic (the same meter's later state) was queued.
	Superseded uint64
	// Refused counts the messages not queued because the outbox was full
	// even with only the newest message of each topic.
	Refused uint64
	// Compactions counts the outbox's compactions.
	Compactions uint64
}

// Stats returns the sink's counters; it is cheap (no I/O).
func (s *Sink) Stats() Stats {
	return Stats{
		Connected:   s.connected.Load(),
		QueueBytes:  s.ob.size.Load(),
		QueueLimit:  s.ob.opt.Limit,
		Superseded:  s.ob.superseded.Load(),
		Refused:     s.ob.refused.Load(),
		Compactions: s.ob.compactions.Load(),
	}
}

// topicLevel returns the meter's topic level, cached per name.
func (s *Sink) topicLevel(ev *pipeline.Event) string {
	if t, ok := s.topics[ev.Meter]; ok {
		return t
	}
	name := ev.Meter
	if name == "" {
		name = ev.Kind + "-" + ev.ID
	}
	t := Sanitize(name)
	if len(s.topics) < 10000 { // neighbours' meters come and go
		s.topics[ev.Meter] = t
	}
	return t
}

// Sanitize turns a meter or field name into a topic level: lower case
// letters, digits, "_" and "-"; anything else becomes "_". It is at most
// 64 bytes long and never empty.
func Sanitize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

// Close stops accepting readings, waits up to Options.FlushTimeout for the
// outbox to be sent and acknowledged (when connected), publishes
// "offline" and disconnects. What is not acknowledged stays in the queue
// directory for the next start.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock() // let a running Write finish
		s.closed.Store(true)
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), s.opt.FlushTimeout)
		defer cancel()
		if s.connected.Load() {
			if err := s.ob.waitDrained(ctx); err != nil {
				s.closeErr = errors.New("mqtt: messages left in the queue for the next start")
			}
			if _, err := s.cm.Publish(ctx, &paho.Publish{Topic: s.statusTopic, Payload: []byte("offline"), QoS: 1, Retain: true}); err != nil && s.closeErr == nil {
				s.closeErr = fmt.Errorf("mqtt: publishing offline: %w", err)
			}
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer dcancel()
		_ = s.cm.Disconnect(dctx)
		s.cancel()
		s.wg.Wait()
		if err := s.ob.close(); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("mqtt: closing the queue: %w", err)
		}
	})
	return s.closeErr
}
