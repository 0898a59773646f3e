// Package broker runs an MQTT broker inside meterwire (mochi-mqtt), for
// installations without one: Home Assistant and other clients connect to
// meterwire itself. It listens on loopback unless configured otherwise.
package broker

import (
	"fmt"
	"io"
	"log/slog"
	"net"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is a running embedded broker.
type Broker struct {
	srv  *mochi.Server
	addr string
}

// Start listens on addr (host:port; port 0 picks one) and serves MQTT 3.1.1
// and 5 to every client that connects (no authentication: keep it on
// loopback or a trusted network).
func Start(addr string) (*Broker, error) {
	// Listen first, so that a busy port is a clear error now rather than a
	// log line from the broker's goroutine.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		ln.Close()
		return nil, err
	}
	l := listeners.NewNet("meterwire", ln)
	if err := srv.AddListener(l); err != nil {
		ln.Close()
		return nil, err
	}
	go srv.Serve()
	return &Broker{srv: srv, addr: ln.Addr().String()}, nil
}

// Addr is the address the broker listens on.
func (b *Broker) Addr() string { return b.addr }

// URL is the broker's address as an MQTT URL.
func (b *Broker) URL() string { return "mqtt://" + b.addr }

// Close disconnects the clients and stops the broker.
func (b *Broker) Close() error { return b.srv.Close() }
