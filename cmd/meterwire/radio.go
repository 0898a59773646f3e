package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/receiver"
)

// Commands that talk to receivers and radio modules: listen, send,
// simulate, devices.
func newRadioCmds() []*cobra.Command {
	return []*cobra.Command{newListenCmd(), newSendCmd(), newDevicesCmd(), newSimulateCmd()}
}

// deviceHelp lists the device address forms for help texts.
const deviceHelp = `DEVICE is an address such as:
  telit:/dev/ttyUSB0?mode=n2         Telit ME70-169 (169 MHz N mode) or ME50 (mode=c1, t1, s1)
  im871a:/dev/ttyUSB0?mode=c1        IMST iM871A stick
  amb8465:/dev/ttyUSB0?mode=t1       Amber AMB8465 stick
  cul:/dev/ttyACM0?mode=t1           culfw stick (CUL, nanoCUL)
  rtlwmbus:stdin                     rtl_wmbus lines piped in: rtl_sdr ... | rtl_wmbus | meterwire listen rtlwmbus:stdin
  rtlwmbus:?cmd=rtl_sdr%20...        rtl_wmbus lines from a command run by meterwire
  hex:stdin, hex:FILE                hex frames, one a line
  hex+tcp://127.0.0.1:7000           hex frames, one a line, from a TCP server
  raw:FILE                           a raw capture
  p1:/dev/ttyUSB0                    a P1 port (115200 8N1; ?preset=dsmr4 for 115200 7E1, dsmr22 for 9600 7E1)
  p1+tcp://192.168.1.20:2000         a P1 port behind ser2net
  p1:FILE                            a P1 capture file`

// parseDevice parses a device argument, explaining the forms on error.
func parseDevice(s string) (radio.Device, error) {
	d, err := radio.ParseDevice(s)
	if err != nil {
		return d, fmt.Errorf("%v\n\n%s", err, deviceHelp)
	}
	return d, nil
}

// startDevice starts a receiver for d and waits until it is connected (or
// ctx ends), reporting reconnects on stderr when logf is set.
func startDevice(ctx context.Context, d radio.Device, logf func(string, ...any)) (*receiver.Receiver, error) {
	r, err := receiver.Start(d, receiver.Options{Logf: logf})
	if err != nil {
		return nil, err
	}
	if err := r.WaitConnected(ctx); err != nil {
		st := r.State()
		r.Close()
		if st.Done {
			return r, nil // a short file: read already
		}
		if st.Err != "" {
			return nil, fmt.Errorf("%s: not connected: %s", d.Raw, st.Err)
		}
		return nil, fmt.Errorf("%s: not connected: %v", d.Raw, err)
	}
	return r, nil
}

// runContext is the context of a long-running command: it ends on SIGINT
// or SIGTERM, and after d when d > 0. ctx may be nil.
func runContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signalContext(ctx)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
