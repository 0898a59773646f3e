package gateway

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/meterwire/meterwire/config"
)

// HTTPLimits is the HTTP configuration with every zero limit replaced by
// its default (config.DefaultReadTimeout and so on).
func (g *Gateway) HTTPLimits() config.HTTP { return httpLimits(g.cfg.HTTP) }

func httpLimits(h config.HTTP) config.HTTP {
	if h.ReadTimeout <= 0 {
		h.ReadTimeout = config.DefaultReadTimeout
	}
	if h.WriteTimeout <= 0 {
		h.WriteTimeout = config.DefaultWriteTimeout
	}
	if h.IdleTimeout <= 0 {
		h.IdleTimeout = config.DefaultIdleTimeout
	}
	if h.MaxConnections <= 0 {
		h.MaxConnections = config.DefaultMaxConnections
	}
	if h.MaxLiveStreams <= 0 {
		h.MaxLiveStreams = config.DefaultMaxLiveStreams
	}
	return h
}

// httpServer returns the HTTP server and the listener it is to serve: ln
// behind the connection cap.
func (g *Gateway) httpServer(ln net.Listener) (*http.Server, net.Listener) {
	h := g.HTTPLimits()
	lim := newLimitListener(ln, h.MaxConnections)
	srv := &http.Server{
		Handler:           g.handler(),
		ReadHeaderTimeout: min(config.DefaultReadHeaderTimeout, h.ReadTimeout),
		// ReadTimeout cuts off trickled bodies; WriteTimeout slow readers
		// of an answer. The live stream (/api/events) and exports push
		// their write deadline on with http.ResponseController as they
		// make progress.
		ReadTimeout:  h.ReadTimeout,
		WriteTimeout: h.WriteTimeout,
		IdleTimeout:  h.IdleTimeout,
		ConnState:    lim.connState,
	}
	return srv, lim
}

func (g *Gateway) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", g.healthz)
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		h := g.Health()
		writeHealth(w, h.Status, h)
	})
	mux.Handle("GET /metrics", g.metrics)
	if g.opt.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	if g.opt.Routes != nil {
		g.opt.Routes(mux, g)
	}
	return newHostCheck(g.cfg.HTTP).wrap(withToken(g.cfg.HTTP.Token, mux))
}

// healthz answers monitors, which need no token: the status alone (and
// 200 or 503). Callers that may read the API (the token, or none
// configured) get the whole report, as GET /api/health gives it.
func (g *Gateway) healthz(w http.ResponseWriter, r *http.Request) {
	h := g.Health()
	if authorized(r, g.cfg.HTTP.Token) {
		writeHealth(w, h.Status, h)
		return
	}
	writeHealth(w, h.Status, map[string]string{"status": h.Status})
}

// writeHealth answers body (the report, or its status alone) with the
// HTTP status of status.
func writeHealth(w http.ResponseWriter, status string, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(healthCode(status))
	json.NewEncoder(w).Encode(body)
}

// healthCode is the HTTP status of a health status: 200 while the gateway
// serves ("ok", or "degraded": an input down or a meter silent, which a
// restart does not mend), 503 for anything else.
func healthCode(status string) int {
	switch status {
	case "ok", "degraded":
		return http.StatusOK
	}
	return http.StatusServiceUnavailable
}

// withToken requires the token, when one is configured, on everything but
// the health status and the UI page (static, embedded, without data; its
// script sends the token with every call). See authorized.
func withToken(token config.Secret, next http.Handler) http.Handler {
	if !token.Set() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		public := r.URL.Path == "/healthz" || r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
		if public || authorized(r, token) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="meterwire"`)
		msg := "401 unauthorized: this meterwire needs its API token (Authorization: Bearer <token>)"
		if r.URL.Query().Has("token") {
			msg += "; ?token= is accepted on /api/events only"
		}
		http.Error(w, msg, http.StatusUnauthorized)
	})
}

// hostCheck answers only requests naming a host the gateway listens on.
// A web page on another site can point its own DNS name at 127.0.0.1
// (DNS rebinding) and then talk to the gateway as a same-origin page, so
// the name in the Host header is what tells a local user from that page.
type hostCheck struct {
	names map[string]bool
}

func newHostCheck(h config.HTTP) hostCheck {
	c := hostCheck{names: map[string]bool{}}
	if host, _, err := net.SplitHostPort(h.Listen); err == nil && host != "" {
		c.names[normHost(host)] = true
	}
	for _, n := range h.Hosts {
		c.names[normHost(n)] = true
	}
	return c
}

// normHost lower-cases a host name and drops a final dot and IPv6
// brackets.
func normHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	return h
}

// allowed reports whether a Host header (host or host:port) names this
// gateway: localhost and *.localhost, any IP literal (a rebinding attack
// needs a DNS name), the listen address's host and http.hosts.
func (c hostCheck) allowed(hostport string) bool {
	if hostport == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = normHost(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil {
		return true
	}
	return c.names[host]
}

func (c hostCheck) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.allowed(r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		http.Error(w, "421 misdirected request: this meterwire does not answer to the host name "+quoteHost(host)+
			"; if you open it by that name, add the name to http.hosts in the configuration (it answers to localhost and IP addresses already)",
			http.StatusMisdirectedRequest)
	})
}

// quoteHost quotes a host name for a message, cut short and without
// control characters.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "..."
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '?'
		}
		return r
	}, h) + `"`
}

// limitListener caps the connections open at once. Accept takes a
// connection from the kernel and then waits for a free slot, so that
// further connections wait in the listen backlog instead of holding file
// handles. When every slot is taken, keep-alive connections idle between
// requests are closed, longest idle first, to make room: a client can
// always open a new one, while a crowd of idle ones would otherwise keep
// everybody out until the idle timeout.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	idleNow   chan struct{} // a connection went idle
	done      chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	idle map[*limitConn]time.Time
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), idleNow: make(chan struct{}, 1), done: make(chan struct{}), idle: map[*limitConn]time.Time{}}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, l: l}, nil
		default:
		}
		if l.closeIdle() {
			continue
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, l: l}, nil
		case <-l.idleNow:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// Close implements net.Listener; it also ends an Accept waiting for a
// slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// closeIdle closes the connection idle longest, if any.
func (l *limitListener) closeIdle() bool {
	l.mu.Lock()
	var oldest *limitConn
	var since time.Time
	for c, t := range l.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	delete(l.idle, oldest)
	l.mu.Unlock()
	if oldest == nil {
		return false
	}
	oldest.Close()
	return true
}

// connState is the http.Server's ConnState hook: it keeps the set of idle
// connections.
func (l *limitListener) connState(c net.Conn, s http.ConnState) {
	lc, ok := c.(*limitConn)
	if !ok {
		return
	}
	l.mu.Lock()
	if s == http.StateIdle {
		l.idle[lc] = time.Now()
	} else {
		delete(l.idle, lc)
	}
	l.mu.Unlock()
	if s == http.StateIdle {
		select {
		case l.idleNow <- struct{}{}:
		default:
		}
	}
}

// limitConn gives its slot back when closed.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.l.slots })
	return err
}
