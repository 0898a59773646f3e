package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/gateway"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/web"
)

type serveOpts struct {
	config  string
	dataDir string
	listen  string
	every   time.Duration
	stdout  bool
	pprof   bool
	broker  string
}

func newServeCmd() *cobra.Command {
	var o serveOpts
	cmd := &cobra.Command{
		Use:   "serve [-c meterwire.yaml]",
		Short: "Run the gateway: receivers in; history, MQTT, metrics and the web UI out",
		Long: `Run the gateway daemon. With -c it reads the configuration (inputs,
meters and keys, sinks, store, http); without it, it runs in demo mode: a
simulated fleet of wireless M-Bus meters (mode 5, mode 7, ELL AES-CTR,
plain) and a Luxembourg smarty P1 meter feeds the whole pipeline, readings
go to the embedded store, and the web UI listens on 127.0.0.1:8080.

Configuration (meterwire.yaml):
  inputs:
    - im871a:/dev/ttyUSB0?mode=c1
    - name: p1
      device: p1:/dev/ttyUSB1
  meters:
    - name: water
      id: "12345678"
      key: 000102030405060708090A0B0C0D0E0F    # or key_env: WATER_KEY, or keys_file
    - name: smarty
      id: p1
      key_env: SMARTY_KEY
  sinks:
    stdout: true
    mqtt: {url: "mqtt://127.0.0.1:1883", homeassistant: true}
  store: {retention: 400d}
  http: {listen: "127.0.0.1:8080", token_env: METERWIRE_TOKEN}
  broker: {listen: "127.0.0.1:1883"}   # optional: an MQTT broker inside meterwire

SIGINT or SIGTERM stops it gracefully: inputs stop, queued readings are
written, the store is closed.`,
		Example: `  meterwire serve                      # demo mode, open http://127.0.0.1:8080/
  meterwire serve -c /etc/meterwire/meterwire.yaml
  meterwire serve --listen 127.0.0.1:9000 --data-dir /tmp/mw-demo
  meterwire serve --broker 127.0.0.1:1883    # demo with a built-in MQTT broker for Home Assistant`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), &o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "", "configuration file (none: demo mode)")
	f.StringVar(&o.dataDir, "data-dir", "", "where the store and queues live (default: the configuration's data_dir, else "+config.DefaultDataDir()+"; demo mode: its demo subdirectory)")
	f.StringVar(&o.listen, "listen", "", "HTTP address, overriding the configuration (default 127.0.0.1:8080)")
	f.DurationVar(&o.every, "demo-every", 10*time.Second, "demo mode: how often each simulated meter transmits")
	f.BoolVar(&o.stdout, "stdout", false, "also print every reading as a JSON line on stdout")
	f.StringVar(&o.broker, "broker", "", "also run an MQTT broker inside meterwire on this address (e.g. 127.0.0.1:1883) and publish to it, unless the configuration names another")
	f.BoolVar(&o.pprof, "pprof", false, "serve Go's profiler at /debug/pprof/ (for performance work)")
	f.MarkHidden("pprof")
	return cmd
}

// serveHooks lets the web UI (and tests) extend serve.
var serveHooks gateway.Options

func runServe(ctx context.Context, stdout, stderr io.Writer, o *serveOpts) error {
	var (
		cfg  *config.Config
		demo *gateway.Demo
		err  error
	)
	if o.config == "" {
		dir := o.dataDir
		if dir == "" {
			// The demo's history stays apart from a real installation's.
			dir = filepath.Join(config.DefaultDataDir(), "demo")
		}
		cfg, demo = gateway.DemoConfig(dir)
		demo.Every = o.every
	} else {
		if cfg, err = config.Load(o.config); err != nil {
			return err
		}
		if o.dataDir != "" {
			cfg.SetDataDir(o.dataDir)
		}
	}
	if o.listen != "" {
		cfg.HTTP.Listen = o.listen
	}
	if o.stdout {
		cfg.Sinks.Stdout = true
	}
	if o.broker != "" {
		cfg.Broker = &config.Broker{Listen: o.broker}
		config.ApplyBroker(cfg)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "meterwire: warning: %s\n", w)
	}
	opt := serveHooks
	opt.Demo, opt.Stdout, opt.Log, opt.Version, opt.Pprof = demo, stdout, stderr, version, o.pprof
	if opt.Routes == nil {
		ui := web.New(web.Options{})
		opt.Sinks = append(append([]pipeline.Sink(nil), opt.Sinks...), ui.Sink())
		opt.Routes = ui.Routes
	}
	g, err := gateway.New(cfg, opt)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signalContext(ctx)
	defer stop()
	return g.Run(ctx)
}
