package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/rtlwmbus"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/radio/sim/fleet"
)

type simulateOpts struct {
	device   string
	pty      bool
	link     string
	every    time.Duration
	duration time.Duration
}

// simKinds are the devices simulate offers.
var simKinds = []string{radio.KindTelit, radio.KindIM871A, radio.KindAMB8465, radio.KindCUL, radio.KindP1, radio.KindHex, radio.KindRTLWMBus}

func newSimulateCmd() *cobra.Command {
	var o simulateOpts
	cmd := &cobra.Command{
		Use:   "simulate --device KIND [--pty]",
		Short: "Simulate a receiver stick (or P1 port) with a fleet of meters behind it",
		Long: `Simulate a receiver with the built-in meter fleet transmitting to it: water
meters (OMS mode 5), a heat meter (mode 7 with AFL MAC), a gas meter (ELL
AES-CTR), an electricity meter (plain) and a Luxembourg smarty P1 meter.

With --pty, the device kinds telit, im871a, amb8465 and cul get a
pseudo-terminal that speaks the device's real host protocol, and p1 one that
sends smarty's encrypted frames: open it with meterwire listen (or any other
program) as if it were the stick. The path printed stays the same if the
simulation is restarted. Without --pty, hex and rtlwmbus print the fleet's
frames on stdout as hex lines or rtl_wmbus lines.

The fleet's keys are built in: meterwire listen --fleet-keys uses them.`,
		Example: `  meterwire simulate --device im871a --pty &
  meterwire listen 'im871a:/tmp/meterwire-sim-im871a?mode=c1' --fleet-keys

  meterwire simulate --device p1 --pty --link /tmp/p1 &
  meterwire listen p1:/tmp/p1 --fleet-keys

  meterwire simulate --device hex --every 1s | meterwire listen hex:stdin --fleet-keys`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSimulate(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.device, "device", "", "device to simulate: "+strings.Join(simKinds, ", "))
	f.BoolVar(&o.pty, "pty", false, "offer the device on a pseudo-terminal (telit, im871a, amb8465, cul, p1)")
	f.StringVar(&o.link, "link", "", "path of the pty link (default: meterwire-sim-KIND in the temporary directory)")
	f.DurationVar(&o.every, "every", 5*time.Second, "how often each meter transmits")
	f.DurationVar(&o.duration, "for", 0, "stop after this long (0: until interrupted)")
	return cmd
}

func runSimulate(ctx context.Context, stdout, stderr io.Writer, o *simulateOpts) error {
	if o.every <= 0 {
		return fmt.Errorf("--every must be positive")
	}
	ctx, stop := runContext(ctx, o.duration)
	defer stop()
	f := fleet.Default()
	air := sim.NewAir()
	var dev sim.Device
	switch o.device {
	case radio.KindTelit:
		// The ME70-169 is a 169 MHz module: the fleet moves to N2 for it.
		for _, m := range f.Meters() {
			m.Mode = radio.ModeN2
		}
		dev = sim.NewTelit(air)
	case radio.KindIM871A:
		dev = sim.NewIMST(air)
	case radio.KindAMB8465:
		dev = sim.NewAmber(air)
	case radio.KindCUL:
		dev = sim.NewCUL(air)
	case radio.KindP1:
		dev = sim.NewP1(func() []byte {
			b, _ := f.P1().Next(time.Now())
			return b
		}, o.every)
	case radio.KindHex, radio.KindRTLWMBus:
		if o.pty {
			return fmt.Errorf("--device %s prints lines on stdout; --pty is for %s", o.device, strings.Join(simKinds[:5], ", "))
		}
		return simulateLines(ctx, stdout, f, air, o)
	case "":
		return fmt.Errorf("--device is required: one of %s", strings.Join(simKinds, ", "))
	default:
		return fmt.Errorf("--device %q: simulated devices are %s", o.device, strings.Join(simKinds, ", "))
	}
	if !o.pty {
		return fmt.Errorf("--device %s needs --pty (the simulated stick lives on a pseudo-terminal)", o.device)
	}
	link := o.link
	if link == "" {
		link = filepath.Join(os.TempDir(), "meterwire-sim-"+o.device)
	}
	stick, err := sim.NewStick(link, dev)
	if err != nil {
		return err
	}
	defer stick.Close()
	go f.Run(ctx, air, o.every)
	mode := map[string]string{radio.KindTelit: "?mode=n2", radio.KindIM871A: "?mode=c1", radio.KindAMB8465: "?mode=c1", radio.KindCUL: "?mode=c1"}[o.device]
	fmt.Fprintf(stdout, "%s\n", link)
	fmt.Fprintf(stderr, "meterwire: simulated %s on %s; %d meters transmit every %v. Try:\n  meterwire listen '%s:%s%s' --fleet-keys\n", o.device, link, len(f.Meters()), o.every, o.device, link, mode)
	<-ctx.Done()
	return nil
}

// simulateLines prints the fleet's frames as hex or rtl_wmbus lines.
func simulateLines(ctx context.Context, stdout io.Writer, f *fleet.Fleet, air *sim.Air, o *simulateOpts) error {
	packets, cancel := air.Listen(radio.ModeUnknown, nil)
	defer cancel()
	go f.Run(ctx, air, o.every)
	w := bufio.NewWriter(stdout)
	for {
		select {
		case <-ctx.Done():
			return w.Flush()
		case p := <-packets:
			var line string
			if o.device == radio.KindHex {
				line = strings.ToUpper(hex.EncodeToString(p.Frame.Data))
			} else {
				var err error
				if line, err = rtlwmbus.FormatLine(rtlwmbus.Line{Mode: p.Frame.Mode, ModeText: p.Frame.Mode.String(), CRCOK: true, ThreeOfSix: true, Time: p.Frame.Time, Frame: p.Frame.Data}); err != nil {
					continue
				}
			}
			fmt.Fprintln(w, line)
			if err := w.Flush(); err != nil {
				return nil // the reader went away
			}
		}
	}
}
