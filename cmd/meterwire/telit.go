package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/serialport"
	"github.com/meterwire/meterwire/radio/telit"
	"github.com/meterwire/meterwire/wmbus"
)

// telitFlags are the flags every telit subcommand shares.
type telitFlags struct {
	guard, timeout time.Duration
}

// newTelitCmd configures and drives a Telit ME70-169/ME50 module.
func newTelitCmd() *cobra.Command {
	var tf telitFlags
	cmd := &cobra.Command{
		Use:   "telit",
		Short: "Configure and drive a Telit ME70-169/ME50 radio module",
		Long: `Read and write the configuration registers of a Telit ME70-169 or ME50
wireless M-Bus module over its UART (19200 8N1 unless the device address
says otherwise). Each command enters AT mode with the escape sequence +++
(one second of silence before and after it, --guard), does its work,
verifies every write by reading the register back, and returns the module
to data mode with ATO.

DEVICE is a device address (telit:/dev/ttyUSB0?baud=19200) or a bare
serial port path. Keys are never printed: key registers (470-485) show as
"set".`,
		Example: `  meterwire telit get /dev/ttyUSB0 400
  meterwire telit set /dev/ttyUSB0 402 191
  meterwire telit config /dev/ttyUSB0 --mode n2-other
  meterwire telit config telit:/dev/ttyUSB0 --mode n2-meter --format b \
      --meter CEN:12345678:01:07 --key 000102030405060708090A0B0C0D0E0F --encrypt`,
	}
	pf := cmd.PersistentFlags()
	pf.DurationVar(&tf.guard, "guard", telit.EscapeGuard, "silence kept before and after +++")
	pf.DurationVar(&tf.timeout, "timeout", telit.ResponseTimeout, "how long to wait for each answer of the module")
	_ = pf.MarkHidden("timeout")
	cmd.AddCommand(newTelitGetCmd(&tf), newTelitSetCmd(&tf), newTelitConfigCmd(&tf))
	return cmd
}

// telitDevice parses a telit device address or a bare path.
func telitDevice(s string) (radio.Device, error) {
	if !strings.Contains(s, ":") {
		s = radio.KindTelit + ":" + s
	}
	d, err := radio.ParseDevice(s)
	if err != nil {
		return radio.Device{}, err
	}
	if d.Kind != radio.KindTelit {
		return radio.Device{}, fmt.Errorf("%s is a %s device; this command drives Telit modules (telit:PATH)", s, d.Kind)
	}
	return d, nil
}

// open opens the module at arg; opts gets the shared flags.
func (tf *telitFlags) open(arg string, opts telit.Options) (*telit.Conn, radio.Device, error) {
	d, err := telitDevice(arg)
	if err != nil {
		return nil, d, err
	}
	port, err := serialport.Open(d)
	if err != nil {
		return nil, d, err
	}
	opts.Guard, opts.Timeout = tf.guard, tf.timeout
	c, err := telit.Open(port, opts)
	if err != nil {
		return nil, d, fmt.Errorf("%s: %w", d.Path, err)
	}
	return c, d, nil
}

// parseTelitRegister parses a register number 0-999 ("400", "S400").
func parseTelitRegister(s string) (int, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "S"), "s")
	r, err := strconv.Atoi(t)
	if err != nil || r < 0 || r > telit.MaxRegister {
		return 0, fmt.Errorf("register %q: want a number 0-%d, such as 400", s, telit.MaxRegister)
	}
	return r, nil
}

// telitRegLabel is "register 400 (link mode and role)".
func telitRegLabel(reg int) string {
	s := "register " + strconv.Itoa(reg)
	if n := telit.RegisterName(reg); n != "" {
		s += " (" + n + ")"
	}
	return s
}

// telitValue is "16 (N2, meter)" or "16".
func telitValue(reg, v int) string {
	s := strconv.Itoa(v)
	if m := telit.DescribeValue(reg, v); m != "" {
		s += " (" + m + ")"
	}
	return s
}

func newTelitGetCmd(tf *telitFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get DEVICE REG",
		Short: "Read one register",
		Long: `Read one configuration register and explain its value. The key registers
470-485 are not read: meterwire never shows keys.`,
		Example: `  meterwire telit get /dev/ttyUSB0 400     # link mode and role
  meterwire telit get telit:/dev/ttyUSB0 402   # fields passed to the host`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := parseTelitRegister(args[1])
			if err != nil {
				return err
			}
			if telit.IsKeyRegister(reg) {
				return fmt.Errorf("%s holds a byte of the meter key; meterwire does not show keys", telitRegLabel(reg))
			}
			c, _, err := tf.open(args[0], telit.Options{NoConfig: true})
			if err != nil {
				return err
			}
			defer c.Close()
			v, err := c.ReadRegister(reg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s = %s\n", telitRegLabel(reg), telitValue(reg, v))
			return nil
		},
	}
}

func newTelitSetCmd(tf *telitFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "set DEVICE REG VALUE",
		Short: "Write one register and verify it",
		Long: `Write one configuration register (VALUE 0-255, decimal or 0x hex) and read it
back. Values written to the key registers 470-485 are not echoed.`,
		Example: `  meterwire telit set /dev/ttyUSB0 400 17     # N2, other (a receiver)
  meterwire telit set /dev/ttyUSB0 402 0xBF   # pass L, C, M, A, CI, LQI and RSSI`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := parseTelitRegister(args[1])
			if err != nil {
				return err
			}
			v, err := strconv.ParseUint(args[2], 0, 8)
			if err != nil {
				if telit.IsKeyRegister(reg) {
					return errors.New("value: want a number 0-255")
				}
				return fmt.Errorf("value %q: want a number 0-255", args[2])
			}
			c, _, err := tf.open(args[0], telit.Options{NoConfig: true})
			if err != nil {
				return err
			}
			defer c.Close()
			if err := c.WriteRegister(reg, byte(v)); err != nil {
				return err
			}
			shown := telitValue(reg, int(v))
			if telit.IsKeyRegister(reg) {
				shown = "a key byte (not shown)"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s = %s, written and read back\n", telitRegLabel(reg), shown)
			return nil
		},
	}
}

type telitConfigOpts struct {
	mode, format   string
	meters, keys   []string
	encrypt, noFwd bool
}

func newTelitConfigCmd(tf *telitFlags) *cobra.Command {
	var o telitConfigOpts
	cmd := &cobra.Command{
		Use:   "config DEVICE",
		Short: "Set link mode, frame format and registered meters",
		Long: `Configure the module the way meterwire's receiver uses it and print every
register written, with its meaning:

  400      link mode and role (--mode; without it the module's own is kept)
  401/402  fields the host sends and receives: all link-layer fields, plus
           LQI and RSSI on reception
  453      frame format the module transmits in (--format; other bits kept)
  460-485  registered meters (--meter, --key, --encrypt): M and A (LSB first),
           the key, then the options (add, forward, encryption)

--mode is LINKMODE-ROLE: n1-meter, n1-other, n2-meter, n2-other on the
169 MHz modules (ME70-169, ME50-169); s1, s2, t1, t2, r2, c1, c2 on the
ME50-868. "meter" makes the module a meter; "other" a collector.

--meter MFR:ID[:VERSION:TYPE] registers a meter; the module compares all
eight address bytes, so give version and device type in hex as the meter
sends them (default 00). --key gives its AES-128 key (one --key for all
meters, or one per --meter in order); --encrypt lets the module encrypt
(as a meter) or decrypt (as a collector) that meter's ELL frames with it.
The key is written to the module and never printed.`,
		Example: `  meterwire telit config /dev/ttyUSB0 --mode n2-other
  meterwire telit config /dev/ttyUSB0 --mode n2-meter --format b \
      --meter CEN:12345678:01:07 --key 000102030405060708090A0B0C0D0E0F --encrypt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.options()
			if err != nil {
				return err
			}
			c, d, err := tf.open(args[0], opts)
			if err != nil {
				return err
			}
			defer c.Close()
			writeTelitSummary(cmd.OutOrStdout(), d, c)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.mode, "mode", "", "link mode and role: n1-meter, n1-other, n2-meter, n2-other, ... (default: keep)")
	f.StringVar(&o.format, "format", "", "frame format to transmit in: a or b (default: keep)")
	f.StringArrayVar(&o.meters, "meter", nil, "register a meter MFR:ID[:VERSION:TYPE], e.g. CEN:12345678:01:07 (repeatable)")
	f.StringArrayVar(&o.keys, "key", nil, "AES-128 key of the meter, 32 hex digits (one for all meters, or one per --meter)")
	f.BoolVar(&o.encrypt, "encrypt", false, "let the module encrypt/decrypt the meters' frames with their keys")
	f.BoolVar(&o.noFwd, "no-forward", false, "do not pass the registered meters' frames to the host")
	return cmd
}

// options turns the flags into driver options.
func (o *telitConfigOpts) options() (telit.Options, error) {
	var opts telit.Options
	if o.mode != "" {
		i := strings.LastIndexByte(o.mode, '-')
		var ok bool
		if i > 0 {
			opts.Mode, ok = radio.ParseLinkMode(o.mode[:i])
		}
		switch role := strings.ToLower(o.mode[i+1:]); {
		case !ok:
		case role == "meter":
			opts.Role = telit.RoleMeter
		case role == "other":
			opts.Role = telit.RoleOther
		default:
			ok = false
		}
		if _, valid := telit.ModeValue(opts.Mode, opts.Role); !ok || !valid {
			return opts, fmt.Errorf("--mode %q: want LINKMODE-ROLE: n1-meter, n1-other, n2-meter, n2-other (169 MHz), or s1, s2, t1, t2, r2, c1, c2 with -meter or -other (ME50-868)", o.mode)
		}
	}
	switch strings.ToLower(o.format) {
	case "":
	case "a":
		opts.Format = wmbus.FormatA
	case "b":
		opts.Format = wmbus.FormatB
	default:
		return opts, fmt.Errorf("--format %q: want a or b", o.format)
	}
	if len(o.keys) > 1 && len(o.keys) != len(o.meters) {
		return opts, fmt.Errorf("%d --key for %d --meter: give one key for all meters, or one per meter", len(o.keys), len(o.meters))
	}
	if len(o.meters) == 0 && (len(o.keys) > 0 || o.encrypt) {
		return opts, errors.New("--key and --encrypt belong to a --meter")
	}
	if o.encrypt && len(o.keys) == 0 {
		return opts, errors.New("--encrypt needs the meter's --key")
	}
	for i, ms := range o.meters {
		a, err := parseTelitMeter(ms)
		if err != nil {
			return opts, err
		}
		m := telit.Meter{Address: a, Options: telit.MeterOptions{Add: true, Forward: !o.noFwd, Encryption: o.encrypt}}
		if len(o.keys) > 0 {
			k := o.keys[0]
			if len(o.keys) > 1 {
				k = o.keys[i]
			}
			if m.Key, err = parseKey(k); err != nil {
				return opts, fmt.Errorf("--key for meter %s: %v", ms, err)
			}
		}
		opts.Meters = append(opts.Meters, m)
	}
	return opts, nil
}

// parseTelitMeter parses MFR:ID[:VERSION:TYPE].
func parseTelitMeter(s string) (wmbus.Address, error) {
	bad := func(why string) (wmbus.Address, error) {
		return wmbus.Address{}, fmt.Errorf("--meter %q: %s; want MFR:ID[:VERSION:TYPE] such as CEN:12345678:01:07", s, why)
	}
	p := strings.Split(s, ":")
	if len(p) != 2 && len(p) != 4 {
		return bad("wrong number of parts")
	}
	var a wmbus.Address
	var ok bool
	if a.Manufacturer, ok = wmbus.ParseManufacturer(p[0]); !ok {
		return bad("manufacturer must be three letters")
	}
	if len(p[1]) != 8 {
		return bad("the ID has 8 digits")
	}
	id, err := strconv.ParseUint(p[1], 16, 32)
	if err != nil {
		return bad("the ID has 8 digits")
	}
	a.ID = uint32(id)
	if len(p) == 4 {
		v, err1 := strconv.ParseUint(p[2], 16, 8)
		t, err2 := strconv.ParseUint(p[3], 16, 8)
		if err1 != nil || err2 != nil {
			return bad("version and type are one byte each, in hex")
		}
		a.Version, a.Type = byte(v), byte(t)
	}
	return a, nil
}

// writeTelitSummary prints the registers c wrote, key values collapsed
// to "set (16 bytes)".
func writeTelitSummary(w io.Writer, d radio.Device, c *telit.Conn) {
	ws := c.Written()
	val := map[int]byte{}
	for _, x := range ws {
		val[x.Reg] = x.Value
	}
	mode, role := c.Mode()
	fmt.Fprintf(w, "%s configured: %s, %s; every write read back and verified\n", d.Path, mode, role)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTER\tVALUE\tMEANING")
	for i := 0; i < len(ws); i++ {
		x := ws[i]
		switch {
		case x.Reg == telit.RegMeterM && i+8 <= len(ws) && ws[i+7].Reg == telit.RegMeterA+5:
			var b [8]byte
			for j := range b {
				b[j] = ws[i+j].Value
			}
			a := wmbus.Address{
				Manufacturer: uint16(b[0]) | uint16(b[1])<<8,
				ID:           uint32(b[2]) | uint32(b[3])<<8 | uint32(b[4])<<16 | uint32(b[5])<<24,
				Version:      b[6], Type: b[7],
			}
			fmt.Fprintf(tw, "%d-%d\t\tregistered meter address: %s %s, version %02X, type %02X (% X)\n",
				telit.RegMeterM, telit.RegMeterA+5, a.ManufacturerCode(), a.IDString(), a.Version, a.Type, b[:])
			i += 7
		case telit.IsKeyRegister(x.Reg):
			n, zero := 0, true
			for ; i+n < len(ws) && telit.IsKeyRegister(ws[i+n].Reg); n++ {
				zero = zero && ws[i+n].Value == 0
			}
			state := "set (" + strconv.Itoa(n) + " bytes)"
			if zero {
				state = "none (zeros)"
			}
			fmt.Fprintf(tw, "%d-%d\t\tmeter key: %s\n", x.Reg, ws[i+n-1].Reg, state)
			i += n - 1
		default:
			meaning := telit.RegisterName(x.Reg)
			if m := telit.DescribeValue(x.Reg, int(x.Value)); m != "" {
				meaning += ": " + m
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\n", x.Reg, x.Value, meaning)
		}
	}
	tw.Flush()
}
