package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/sim/fleet"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

type listenOpts struct {
	keys      []string
	ak        string
	explain   bool
	jsonOut   bool
	count     int
	duration  time.Duration
	quiet     bool
	fleetKeys bool
	driver    string
}

func newListenCmd() *cobra.Command {
	var o listenOpts
	cmd := &cobra.Command{
		Use:   "listen DEVICE",
		Short: "Print the telegrams a receiver or P1 port hears, decoded",
		Long: `Open a receiver, radio module or P1 port and print every telegram it
delivers, decoded and decrypted with the keys given. Meters without a key
(or with a wrong one) are listed with manufacturer, id, type and what is
missing, so they can be added. The device is reopened when it disappears
(USB unplugged, ser2net restarted); Ctrl-C stops.

` + deviceHelp,
		Example: `  meterwire listen im871a:/dev/ttyUSB0?mode=c1 --key 12345678=000102030405060708090A0B0C0D0E0F
  meterwire listen telit:/dev/ttyUSB1?mode=n2 --explain
  meterwire listen p1:/dev/ttyUSB0 --key AEBD21B769A6D13C0DF064E383682EFF   # Luxembourg smarty
  rtl_sdr -f 868.95M -s 1.6e6 - | rtl_wmbus | meterwire listen rtlwmbus:stdin --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runListen(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], &o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.keys, "key", nil, "AES-128 key as 32 hex digits, for every meter; or ID=HEX for one meter (repeatable)")
	f.StringVar(&o.ak, "ak", "", "P1/DLMS authentication key (AK), 32 hex digits")
	f.StringVar(&o.driver, "driver", "auto", "meter driver for the named fields: auto (detected), none, or a driver name (meterwire drivers lists them)")
	f.BoolVar(&o.explain, "explain", false, "print every layer and field of each telegram with byte offsets")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object per telegram")
	f.IntVar(&o.count, "count", 0, "stop after this many telegrams (0: run until interrupted)")
	f.DurationVar(&o.duration, "for", 0, "stop after this long (e.g. 10m; 0: run until interrupted)")
	f.BoolVar(&o.quiet, "quiet", false, "do not report connects and reconnects on stderr")
	f.BoolVar(&o.fleetKeys, "fleet-keys", false, "also use the keys of the simulated fleet (meterwire simulate)")
	return cmd
}

// frameDecoder decodes received frames: wM-Bus with the key table, P1
// units with the P1 decoder.
type frameDecoder struct {
	td *telegram.Decoder
	pd *p1.Decoder
}

func newFrameDecoder(keyFlags []string, ak string) (*frameDecoder, error) {
	keys, err := keyTable(keyFlags)
	if err != nil {
		return nil, err
	}
	fd := &frameDecoder{
		td: &telegram.Decoder{WMBus: wmbus.Decoder{Keys: keys}},
		pd: &p1.Decoder{Key: globalKey(keyFlags), Policy: dlms.TagAuto},
	}
	if ak != "" {
		if fd.pd.AK, err = parseKey(ak); err != nil {
			return nil, fmt.Errorf("--ak: %v", err)
		}
	}
	return fd, nil
}

// addFleetKeys adds the simulated fleet's keys after the ones given.
func (fd *frameDecoder) addFleetKeys() {
	f := fleet.Default()
	given, fk := fd.td.WMBus.Keys, f.KeyFunc()
	fd.td.WMBus.Keys = func(a wmbus.Address) []byte {
		if given != nil {
			if k := given(a); k != nil {
				return k
			}
		}
		return fk(a)
	}
	if fd.pd.Key == nil && f.P1() != nil {
		fd.pd.Key = f.P1().Key
	}
}

// received is the JSON form of one frame printed by listen.
type received struct {
	Time    string `json:"time"`
	Mode    string `json:"link_mode,omitempty"`
	RSSI    *int   `json:"rssi_dbm,omitempty"`
	LQI     *int   `json:"lqi,omitempty"`
	Decoded any    `json:"decoded"`
}

func runListen(ctx context.Context, stdout, stderr io.Writer, dev string, o *listenOpts) error {
	d, err := parseDevice(dev)
	if err != nil {
		return err
	}
	if err := driver.Check(o.driver); err != nil {
		return fmt.Errorf("--driver: %v", err)
	}
	fd, err := newFrameDecoder(o.keys, o.ak)
	if err != nil {
		return err
	}
	if o.fleetKeys {
		fd.addFleetKeys()
	}
	ctx, stop := runContext(ctx, o.duration)
	defer stop()
	var logf func(string, ...any)
	if !o.quiet {
		logf = func(format string, args ...any) { fmt.Fprintf(stderr, "meterwire: "+format+"\n", args...) }
	}
	r, err := startDevice(ctx, d, logf)
	if err != nil {
		return err
	}
	defer r.Close()
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case f, ok := <-r.Frames():
			if !ok {
				return nil
			}
			if fd.print(out, f, o) {
				n++
			}
			out.Flush()
			if o.count > 0 && n >= o.count {
				return nil
			}
		}
	}
}

// print decodes and prints one frame; it returns false for a segment of a
// longer DLMS message (printed when complete).
func (fd *frameDecoder) print(out io.Writer, f radio.Frame, o *listenOpts) bool {
	rec := received{Time: f.Time.UTC().Format(time.RFC3339Nano)}
	if f.Mode != radio.ModeUnknown {
		rec.Mode = f.Mode.String()
	}
	if f.HasRSSI {
		rec.RSSI = &f.RSSI
	}
	if f.HasLQI {
		rec.LQI = &f.LQI
	}
	var (
		report  any
		explain func(io.Writer) error
		summary string
		derr    error
	)
	if f.P1 || isP1(f.Data) {
		res, err := fd.pd.Decode(f.Data)
		if res != nil && res.Pending && err == nil {
			return false
		}
		derr = err
		if res != nil {
			rep := res.Report(o.explain, err)
			report, explain = rep, res.WriteExplanation
			summary = p1Summary(&rep)
		}
	} else {
		res, err := fd.td.Decode(f.Data)
		derr = err
		if res != nil {
			rep := res.Report(o.explain, err)
			report, explain = driver.WithReport(res, rep, o.driver), res.WriteExplanation
			if dr, ok := report.(driver.Report); ok {
				rep = dr.Report
			}
			summary = wmbusSummary(&rep, err)
		}
	}
	switch {
	case o.jsonOut:
		rec.Decoded = report
		if report == nil {
			rec.Decoded = map[string]string{"error": derr.Error(), "data_hex": fmt.Sprintf("%X", f.Data)}
		}
		b, _ := json.Marshal(rec)
		fmt.Fprintf(out, "%s\n", b)
	case o.explain && explain != nil:
		fmt.Fprintf(out, "== %s%s\n", rec.Time, radioInfo(rec))
		explain(out)
		if derr != nil {
			fmt.Fprintf(out, "error: %v\n", derr)
		}
		fmt.Fprintln(out)
	default:
		if summary == "" {
			summary = fmt.Sprintf("undecodable (%v): %X", derr, f.Data)
		}
		fmt.Fprintf(out, "%s%s  %s\n", rec.Time, radioInfo(rec), summary)
	}
	return true
}

func radioInfo(r received) string {
	var b strings.Builder
	if r.Mode != "" {
		b.WriteString(" " + r.Mode)
	}
	if r.RSSI != nil {
		fmt.Fprintf(&b, " %d dBm", *r.RSSI)
	}
	return b.String()
}

// wmbusSummary is one line about a wM-Bus telegram: who sent it, whether it
// could be read, and its fields; for meters without a usable key, what is
// missing.
func wmbusSummary(r *telegram.Report, err error) string {
	who := fmt.Sprintf("%s %s %s", r.Manufacturer, r.ID, r.DeviceType)
	switch r.Security.Status {
	case "no-key":
		return fmt.Sprintf("%s: encrypted (%s), no key: add --key %s=<32 hex digits>", who, r.Security.Mode, r.ID)
	case "wrong-key":
		return fmt.Sprintf("%s: encrypted (%s), the key given does not decrypt it (wrong key)", who, r.Security.Mode)
	case "mac-failed":
		return fmt.Sprintf("%s: the MAC does not verify (wrong key or corrupted frame)", who)
	}
	if err != nil {
		return fmt.Sprintf("%s: %v", who, err)
	}
	status := r.Security.Status
	if status == "already-plain" {
		status = "already plain (decrypted by the module)"
	}
	return fmt.Sprintf("%s: %s%s", who, status, fieldList(r.Fields))
}

func p1Summary(r *p1.Report) string {
	who := r.Kind
	if r.Header != "" {
		who += " " + r.Header
	}
	if r.Error != "" {
		return fmt.Sprintf("%s: %s", who, r.Error)
	}
	return fmt.Sprintf("%s: %s%s", who, r.Security.Status, fieldList(r.Fields))
}

// fieldList formats named fields as " name=value ..." in name order.
func fieldList(fields map[string]any) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, " %s=%v", k, fields[k])
	}
	return b.String()
}
