// Package web is meterwire's web UI and HTTP API, served by `meterwire
// serve`: a dashboard of the meter fleet, meter pages with history charts,
// a live telegram log (Server-Sent Events), a telegram analyzer and a page
// on the inputs. The UI is plain HTML, CSS and JavaScript embedded in the
// binary: it works offline, with no CDN and no build step.
//
// Keys given to the analyzer or to POST /api/meters are used for that call
// (or handed to the pipeline) and never stored by this package, logged or
// echoed in a response.
package web

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/gateway"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/sink/live"
)

// DefaultMaxBody bounds request bodies (POST /api/decode, POST
// /api/meters) unless Options say otherwise.
const DefaultMaxBody = 64 << 10

// Options tune the web server.
type Options struct {
	// Buffer is how many events each live stream buffers before it drops
	// (default live.DefaultBuffer).
	Buffer int
	// MaxBody bounds request bodies in bytes (default DefaultMaxBody);
	// larger ones get 413.
	MaxBody int64
	// Heartbeat is how often an idle live stream sends a comment to keep
	// proxies from closing it (default 15 s).
	Heartbeat time.Duration
	// MaxStreams caps the live streams open at once (default: the
	// gateway's http.max_live_streams); more get 503.
	MaxStreams int
	// MaxTracked caps the meters whose latest state the dashboard keeps
	// (default DefaultMaxTracked); telegrams of further meters are
	// counted, not kept.
	MaxTracked int
}

// Server is the web UI and API of one gateway.
type Server struct {
	opt   Options
	live  *live.Broadcaster
	state *tracker
	g     *gateway.Gateway
	// streams counts the live streams open; writeTimeout is the server's,
	// which the stream and exports apply per write instead of per answer.
	streams      atomic.Int64
	writeTimeout time.Duration
}

// New returns a server; pass Sink to the gateway's sinks and Routes as its
// routes:
//
//	ui := web.New(web.Options{})
//	opt.Sinks = append(opt.Sinks, ui.Sink())
//	opt.Routes = ui.Routes
func New(opt Options) *Server {
	if opt.MaxBody <= 0 {
		opt.MaxBody = DefaultMaxBody
	}
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = 15 * time.Second
	}
	if opt.MaxTracked <= 0 {
		opt.MaxTracked = DefaultMaxTracked
	}
	return &Server{opt: opt, live: live.New(opt.Buffer), state: newTracker(opt.MaxTracked)}
}

// Sink is the pipeline sink feeding the dashboard's meter state and the
// live streams. It never blocks the pipeline.
func (s *Server) Sink() pipeline.Sink { return uiSink{s} }

// Live is the broadcaster behind the live streams.
func (s *Server) Live() *live.Broadcaster { return s.live }

type uiSink struct{ s *Server }

func (u uiSink) Name() string { return "web" }

func (u uiSink) Write(ctx context.Context, evs []pipeline.Event) error {
	u.s.state.update(evs)
	return u.s.live.Write(ctx, evs)
}

// Routes adds the UI and the API to the gateway's HTTP server (it fits
// gateway.Options.Routes). The gateway's bearer token, when configured,
// already guards every route but the page itself (GET /, which holds no
// data), and its host check every route.
func (s *Server) Routes(mux *http.ServeMux, g *gateway.Gateway) {
	s.g = g
	lim := g.HTTPLimits()
	if s.opt.MaxStreams <= 0 {
		s.opt.MaxStreams = lim.MaxLiveStreams
	}
	s.writeTimeout = lim.WriteTimeout
	// Live streams end when the pipeline has drained, so that the HTTP
	// server's graceful shutdown does not wait for them.
	g.OnClose(s.live.Close)
	h := func(f http.HandlerFunc) http.Handler { return headers(f) }
	mux.Handle("GET /{$}", h(s.index))
	mux.Handle("GET /api/meters", h(s.meters))
	mux.Handle("POST /api/meters", h(s.addMeter))
	mux.Handle("GET /api/meters/{name}", h(s.meter))
	mux.Handle("GET /api/meters/{name}/readings", h(s.readings))
	mux.Handle("GET /api/meters/{name}/series", h(s.series))
	mux.Handle("GET /api/meters/{name}/export", h(s.export))
	mux.Handle("GET /api/unknown", h(s.unknown))
	mux.Handle("GET /api/telegrams", h(s.telegrams))
	mux.Handle("GET /api/events", h(s.events))
	mux.Handle("POST /api/decode", h(s.decode))
	mux.Handle("GET /api/inputs", h(s.inputs))
	mux.Handle("/api/", h(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			writeErr(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use "+allow)
			return
		}
		writeErr(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	}))
}

// allowed returns the methods an API path answers ("" for no such path).
func allowed(path string) string {
	switch path {
	case "/api/meters":
		return "GET, POST"
	case "/api/decode":
		return "POST"
	case "/api/unknown", "/api/telegrams", "/api/events", "/api/inputs", "/api/health":
		return "GET"
	}
	rest, ok := strings.CutPrefix(path, "/api/meters/")
	if !ok || rest == "" {
		return ""
	}
	name, sub, _ := strings.Cut(rest, "/")
	switch {
	case name == "":
		return ""
	case sub == "", sub == "readings", sub == "series", sub == "export":
		return "GET"
	}
	return ""
}

// headers sets the security headers every answer carries.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
