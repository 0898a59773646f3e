package gateway

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
)

// startHTTP runs a demo gateway without backfill, with edit applied to
// its HTTP configuration and routes added to its server, and returns its
// address.
func startHTTP(t *testing.T, edit func(*config.HTTP), routes func(*http.ServeMux)) string {
	t.Helper()
	g, _ := startDemo(t, t.TempDir(), func(c *config.Config, d *Demo, o *Options) {
		d.Backfill = -1
		if edit != nil {
			edit(&c.HTTP)
		}
		if routes != nil {
			o.Routes = func(mux *http.ServeMux, _ *Gateway) { routes(mux) }
		}
	})
	if g.Addr() == "" {
		t.Fatal("the gateway does not listen")
	}
	return g.Addr()
}

// request sends one request with a Host header and further headers
// (name, value, ...) on a fresh connection.
func request(t *testing.T, method, addr, host, path string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHostNames(t *testing.T) {
	c := newHostCheck(config.HTTP{Listen: "MyServer:8080", Hosts: []string{"meters.lan"}})
	for host, want := range map[string]bool{
		"localhost:8080": true, "LOCALHOST": true, "localhost.:8080": true, "ui.localhost:8080": true,
		"127.0.0.1:8080": true, "127.9.9.9": true, "[::1]:8080": true, "192.168.1.20:8080": true, "[fe80::1]:80": true,
		"myserver:8080": true, "meters.lan": true, "METERS.LAN.:8080": true, "": true,
		"evil.example:8080": false, "evil.example": false, "localhost.evil.example": false, "meters.lan.evil.example": false,
		"127.0.0.1.nip.io:8080": false, "evillocalhost": false, "myserver.evil": false,
	} {
		if got := c.allowed(host); got != want {
			t.Errorf("Host %q allowed %v, want %v", host, got, want)
		}
	}
	if c := newHostCheck(config.HTTP{Listen: ":8080"}); c.allowed("evil.example") || !c.allowed("localhost") {
		t.Error("listen :8080 opens other names")
	}
}

// DNS rebinding: a page on evil.example whose name now resolves to
// 127.0.0.1 reaches the gateway with its own name in Host. Every path
// answers 421 naming the configuration key; loopback names, IP literals
// and configured names pass.
func TestHostRebinding(t *testing.T) {
	addr := startHTTP(t, func(h *config.HTTP) { h.Hosts = []string{"meters.lan"} }, nil)
	_, port, _ := net.SplitHostPort(addr)
	for _, path := range []string{"/healthz", "/metrics", "/api/health", "/", "/debug/pprof/"} {
		code, body := request(t, "GET", addr, "evil.example:"+port, path, "Origin", "http://evil.example:"+port)
		if code != http.StatusMisdirectedRequest || !strings.Contains(body, "http.hosts") || !strings.Contains(body, `"evil.example"`) {
			t.Errorf("GET %s with Host evil.example: %d %s", path, code, body)
		}
	}
	for _, host := range []string{addr, "localhost:" + port, "meters.lan:" + port, "[::1]:" + port, "10.1.2.3:" + port} {
		if code, body := request(t, "GET", addr, host, "/healthz"); code != 200 {
			t.Errorf("GET /healthz with Host %s: %d %s", host, code, body)
		}
	}
}

func TestHTTPConfig(t *testing.T) {
	c, err := config.Parse("cfg.yaml", []byte("http:\n  hosts: [MyServer, meters.lan.]\n  read_timeout: 5s\n  write_timeout: 2m\n  idle_timeout: 90s\n  max_connections: 64\n  max_live_streams: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := c.HTTP
	if strings.Join(h.Hosts, ",") != "myserver,meters.lan" || h.ReadTimeout != 5*time.Second || h.WriteTimeout != 2*time.Minute || h.IdleTimeout != 90*time.Second || h.MaxConnections != 64 || h.MaxLiveStreams != 4 {
		t.Errorf("%+v", h)
	}
	d := httpLimits(config.Default(t.TempDir()).HTTP)
	if d.ReadTimeout != config.DefaultReadTimeout || d.WriteTimeout != config.DefaultWriteTimeout || d.IdleTimeout != config.DefaultIdleTimeout || d.MaxConnections != config.DefaultMaxConnections || d.MaxLiveStreams != config.DefaultMaxLiveStreams {
		t.Errorf("defaults %+v", d)
	}
	for _, bad := range []string{"hosts: [http://x]", "hosts: [\"x:8080\"]", "hosts: x", "max_connections: 0", "max_live_streams: many", "idle_timeout: soon"} {
		if _, err := config.Parse("cfg.yaml", []byte("http:\n  "+bad+"\n")); err == nil || !strings.Contains(err.Error(), "cfg.yaml:2") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// The token: "Authorization: Bearer" in any case; ?token= only on the live
// stream; /healthz without it says the status alone, the whole report is
// at /api/health behind the token.
func TestTokenRules(t *testing.T) {
	addr := startHTTP(t, func(h *config.HTTP) { h.Token = config.Secret("s3cret") }, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "stream") })
		mux.HandleFunc("GET /api/other", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") })
	})
	for _, c := range []struct {
		path   string
		header []string
		want   int
	}{
		{"/metrics", []string{"Authorization", "Bearer s3cret"}, 200},
		{"/metrics", []string{"Authorization", "bearer s3cret"}, 200},
		{"/metrics", []string{"Authorization", "BEARER  s3cret"}, 200},
		{"/metrics", []string{"Authorization", "Bearer wrong"}, 401},
		{"/metrics", []string{"Authorization", "Basic s3cret"}, 401},
		{"/metrics", []string{"Authorization", "s3cret"}, 401},
		{"/metrics?token=s3cret", nil, 401},
		{"/api/other?token=s3cret", nil, 401},
		{"/api/health?token=s3cret", nil, 401},
		{"/api/events?token=s3cret", nil, 200},
		{"/api/events?token=wrong", nil, 401},
		{"/api/events", []string{"Authorization", "Bearer s3cret"}, 200},
		{"/api/health", nil, 401},
		{"/", nil, 404}, // no UI routes here: past the token, not found
	} {
		if code, body := request(t, "GET", addr, addr, c.path, c.header...); code != c.want || strings.Contains(body, "s3cret") {
			t.Errorf("GET %s %v: %d %s", c.path, c.header, code, body)
		}
	}
	if _, body := request(t, "GET", addr, addr, "/metrics?token=s3cret"); !strings.Contains(body, "/api/events only") {
		t.Errorf("the 401 for ?token= does not say where it is accepted: %s", body)
	}

	// /healthz: the status alone without the token.
	code, body := request(t, "GET", addr, addr, "/healthz")
	var status map[string]any
	if err := json.Unmarshal([]byte(body), &status); err != nil || code != 200 || len(status) != 1 || status["status"] != "ok" {
		t.Errorf("/healthz without the token: %d %s", code, body)
	}
	for _, path := range []string{"/healthz", "/api/health"} {
		code, body = request(t, "GET", addr, addr, path, "Authorization", "Bearer s3cret")
		var h Health
		if err := json.Unmarshal([]byte(body), &h); err != nil || code != 200 || h.Status != "ok" || len(h.Inputs) != 1 || h.Inputs[0].Device == "" {
			t.Errorf("%s with the token: %d %s", path, code, body)
		}
	}
}

func TestHealthCode(t *testing.T) {
	for status, want := range map[string]int{"ok": 200, "degraded": 200, "down": 503, "": 503} {
		if got := healthCode(status); got != want {
			t.Errorf("%q: %d, want %d", status, got, want)
		}
	}
}

// dialGet opens a connection and sends one keep-alive GET on it.
func dialGet(t *testing.T, addr, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// readResponse reads one answer from a connection within d.
func readResponse(c net.Conn, br *bufio.Reader, d time.Duration) (*http.Response, error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// closedByServer reports whether the server closed c within d.
func closedByServer(c net.Conn, br *bufio.Reader, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// A body trickled a byte at a time is cut off at the read timeout.
func TestTrickledBodyCutOff(t *testing.T) {
	addr := startHTTP(t, func(h *config.HTTP) { h.ReadTimeout = 300 * time.Millisecond }, func(mux *http.ServeMux) {
		mux.HandleFunc("POST /api/upload", func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
				return
			}
			io.WriteString(w, "read it all")
		})
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "POST /api/upload HTTP/1.1\r\nHost: "+addr+"\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	go func() { // a byte every 50 ms: 50 s for the whole body
		for range 1000 {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatal("a trickled body kept its connection for 5 s")
	case err == nil && resp.StatusCode == 200:
		t.Fatal("a trickled body was read whole")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cut off after %v, read timeout 300ms", d)
	}
}

// An idle keep-alive connection is closed at the idle timeout.
func TestIdleConnectionClosed(t *testing.T) {
	addr := startHTTP(t, func(h *config.HTTP) { h.IdleTimeout = 300 * time.Millisecond }, nil)
	c, br := dialGet(t, addr, "/healthz")
	if resp, err := readResponse(c, br, 5*time.Second); err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}
	start := time.Now()
	if !closedByServer(c, br, 5*time.Second) {
		t.Fatal("an idle keep-alive connection stayed open for 5 s")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closed after %v, idle timeout 300ms", d)
	}
}

// Connections beyond the cap wait for a free one; the server answers them
// once one is.
func TestConnectionCapWaits(t *testing.T) {
	release := make(chan struct{})
	addr := startHTTP(t, func(h *config.HTTP) { h.MaxConnections = 2 }, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /api/slow", func(w http.ResponseWriter, r *http.Request) {
			<-release
			io.WriteString(w, "done")
		})
	})
	type held struct {
		c  net.Conn
		br *bufio.Reader
	}
	var busy []held
	for range 2 {
		c, br := dialGet(t, addr, "/api/slow")
		busy = append(busy, held{c, br})
	}
	time.Sleep(100 * time.Millisecond) // both accepted and in the handler
	c, br := dialGet(t, addr, "/healthz")
	if resp, err := readResponse(c, br, 500*time.Millisecond); err == nil {
		t.Fatalf("a third connection was served beyond the cap of 2: %v", resp.Status)
	}
	close(release)
	for _, h := range busy {
		if resp, err := readResponse(h.c, h.br, 5*time.Second); err != nil || resp.StatusCode != 200 {
			t.Fatalf("slow request: %v %v", resp, err)
		}
	}
	// The waiting connection's request is answered now (the two finished
	// ones went idle and made room).
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the waiting connection: %v %v", resp, err)
	}
}

// A crowd of idle keep-alive connections does not lock clients out: at
// the cap the longest idle is closed, every new client is served at
// once, and no more than the cap stay open.
func TestConnectionCapClosesIdle(t *testing.T) {
	const max = 3
	addr := startHTTP(t, func(h *config.HTTP) { h.MaxConnections = max; h.IdleTimeout = time.Minute }, nil)
	type held struct {
		c  net.Conn
		br *bufio.Reader
	}
	var conns []held
	start := time.Now()
	for i := range 20 {
		c, br := dialGet(t, addr, "/healthz")
		if resp, err := readResponse(c, br, 3*time.Second); err != nil || resp.StatusCode != 200 {
			t.Fatalf("client %d of 20 not served: %v %v", i, resp, err)
		}
		conns = append(conns, held{c, br})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("20 clients took %v", d)
	}
	open := 0
	for _, h := range conns {
		if !closedByServer(h.c, h.br, 50*time.Millisecond) {
			open++
		}
	}
	if open > max || open == 0 {
		t.Errorf("%d connections open, cap %d", open, max)
	}
	if code, _ := request(t, "GET", addr, addr, "/healthz"); code != 200 {
		t.Errorf("healthz after the crowd: %d", code)
	}
}

// The listener's Accept, waiting for a slot, ends when it is closed.
func TestLimitListenerClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(ln, 1)
	go func() {
		for range 2 {
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				defer c.Close()
			}
		}
		time.Sleep(200 * time.Millisecond)
		l.Close()
	}()
	first, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Accept: %v, want net.ErrClosed", err)
	}
}
