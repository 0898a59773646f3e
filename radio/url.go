package radio

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
)

// Device kinds ParseDevice accepts.
const (
	KindTelit    = "telit"    // Telit ME70-169 / ME50 on a serial port
	KindIM871A   = "im871a"   // IMST iM871A (and iM170A) on a serial port
	KindAMB8465  = "amb8465"  // Amber AMB8465 / Metis on a serial port
	KindCUL      = "cul"      // culfw stick (CUL, nanoCUL) on a serial port
	KindRTLWMBus = "rtlwmbus" // rtl_wmbus output: from stdin, or from ?cmd=...
	KindHex      = "hex"      // hex frames, one a line, from a file or "stdin"
	KindHexTCP   = "hex+tcp"  // hex frames, one a line, from a TCP server
	KindRaw      = "raw"      // a raw capture file
	KindP1       = "p1"       // P1 port: a serial port or a capture file
	KindP1TCP    = "p1+tcp"   // P1 port through a TCP bridge (ser2net)
)

// Kinds lists every device kind ParseDevice accepts, in the order error
// messages show them.
var Kinds = []string{KindTelit, KindIM871A, KindAMB8465, KindCUL, KindRTLWMBus, KindHex, KindHexTCP, KindRaw, KindP1, KindP1TCP}

// Serial parities.
const (
	ParityNone = "none"
	ParityEven = "even"
	ParityOdd  = "odd"
)

// DefaultBaud returns the factory baud rate of a serial device kind
// (telit 19200, im871a 57600, amb8465 9600, cul 38400, p1 115200), or 0
// for kinds without a serial line.
func DefaultBaud(kind string) int {
	switch kind {
	case KindTelit:
		return 19200
	case KindIM871A:
		return 57600
	case KindAMB8465:
		return 9600
	case KindCUL:
		// nanoCUL and other culfw boards on a UART; USB CULs ignore it.
		return 38400
	case KindP1:
		return 115200
	}
	return 0
}

// Device is a parsed device address such as
// "telit:/dev/ttyUSB0?mode=n2&baud=19200" or "p1+tcp://host:2001". Serial
// kinds (telit, im871a, amb8465, cul, p1) have Baud, DataBits, Parity and
// StopBits filled in, defaults included; other kinds leave them zero.
type Device struct {
	// Kind is one of Kinds, lower case.
	Kind string
	// Path is the serial device or file ("stdin" for standard input);
	// empty for tcp kinds and for rtlwmbus.
	Path string
	// Host is "host:port" for the tcp kinds, empty otherwise.
	Host string
	// Mode is the link mode to set the receiver to; ModeUnknown leaves the
	// device's configuration alone.
	Mode LinkMode
	// Baud, DataBits (7 or 8), Parity (ParityNone, ParityEven, ParityOdd)
	// and StopBits (1 or 2) describe the serial line.
	Baud     int
	DataBits int
	Parity   string
	StopBits int
	// Params holds kind-specific options without a field of their own
	// ("cmd" for rtlwmbus); nil when there are none.
	Params url.Values
	// Raw is the address as given to ParseDevice.
	Raw string
}

// options every kind accepts, besides the serial ones for serial kinds.
var (
	serialOptions = []string{"baud", "databits", "parity", "stopbits", "format"}
	radioOptions  = []string{"mode"}
)

func isSerialKind(k string) bool { return DefaultBaud(k) != 0 }

func isRadioKind(k string) bool {
	return k == KindTelit || k == KindIM871A || k == KindAMB8465 || k == KindCUL
}

func isTCPKind(k string) bool { return k == KindHexTCP || k == KindP1TCP }

// validOptions lists the query options kind accepts.
func validOptions(kind string) []string {
	var o []string
	if isRadioKind(kind) {
		o = append(o, radioOptions...)
	}
	if isSerialKind(kind) {
		o = append(o, serialOptions...)
	}
	if kind == KindP1 {
		o = append(o, "preset")
	}
	if kind == KindRTLWMBus {
		o = append(o, "cmd")
	}
	return o
}

func deviceErr(s, detail string) error {
	return &codec.Error{Layer: "device", Offset: -1, Err: codec.ErrMalformed, Detail: strconv.Quote(s) + ": " + detail}
}

// p1Presets are the serial settings of the DSMR generations.
var p1Presets = map[string][4]int{ // baud, databits, parity(0 none 1 even 2 odd), stopbits
	"dsmr5":  {115200, 8, 0, 1},
	"dsmr4":  {115200, 7, 1, 1},
	"dsmr22": {9600, 7, 1, 1},
	"dsmr3":  {9600, 7, 1, 1},
}

var parityNames = [...]string{ParityNone, ParityEven, ParityOdd}

// ParseDevice parses a device address "kind:path?options" or
// "kind://host:port" (tcp kinds). Forms:
//
//	telit:/dev/ttyUSB0?mode=n2&baud=19200
//	im871a:/dev/ttyUSB0?mode=c1
//	amb8465:/dev/ttyUSB0?mode=t1
//	cul:/dev/ttyACM0
//	rtlwmbus:                  rtl_wmbus output on stdin
//	rtlwmbus:?cmd=rtl_wmbus    run the command and read its output
//	hex:stdin  hex:FILE        one hex frame a line
//	hex+tcp://127.0.0.1:7000
//	raw:FILE
//	p1:/dev/ttyUSB0?baud=115200&parity=none
//	p1:/dev/ttyUSB0?preset=dsmr4   (dsmr5 115200 8N1, dsmr4 115200 7E1, dsmr22/dsmr3 9600 7E1)
//	p1+tcp://host:port         ser2net
//	p1:FILE
//
// Serial options: baud, databits (7|8), parity (none|even|odd, or n|e|o),
// stopbits (1|2), format (e.g. 7E1, sets all three). Radio kinds take
// mode (s1, s1-m, s2, t1, t2, c1, c2, r2, n1, n2, f2). Explicit options
// override a preset. Errors wrap codec.ErrMalformed in a *codec.Error and
// name the valid kinds or options.
func ParseDevice(s string) (Device, error) {
	d := Device{Raw: s}
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return Device{}, deviceErr(s, "no device kind; write kind:path, kind one of "+strings.Join(Kinds, ", "))
	}
	d.Kind = strings.ToLower(s[:colon])
	if !slices.Contains(Kinds, d.Kind) {
		return Device{}, deviceErr(s, "unknown device kind "+strconv.Quote(s[:colon])+"; valid kinds: "+strings.Join(Kinds, ", "))
	}
	rest := s[colon+1:]
	query := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest, query = rest[:q], rest[q+1:]
	}
	switch {
	case isTCPKind(d.Kind):
		if !strings.HasPrefix(rest, "//") {
			return Device{}, deviceErr(s, d.Kind+" needs //host:port")
		}
		d.Host = rest[2:]
		host, port, err := net.SplitHostPort(d.Host)
		if err != nil || host == "" {
			return Device{}, deviceErr(s, d.Kind+" needs //host:port, got "+strconv.Quote(d.Host))
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != port {
			return Device{}, deviceErr(s, "bad port "+strconv.Quote(port)+"; want 1-65535")
		}
	case d.Kind == KindRTLWMBus:
		// rtlwmbus: or rtlwmbus:stdin reads stdin; rtlwmbus:FILE a file of
		// rtl_wmbus lines; ?cmd= runs the command instead.
		if rest != "" && query != "" && strings.Contains(query, "cmd=") {
			return Device{}, deviceErr(s, "give rtlwmbus either a file (or stdin) or ?cmd=..., not both")
		}
		if rest == "stdin" || rest == "-" {
			rest = ""
		}
		d.Path = rest
	default:
		if rest == "" {
			return Device{}, deviceErr(s, "missing path; write "+d.Kind+":/dev/ttyUSB0 (or a file, or stdin)")
		}
		d.Path = rest
	}
	if isSerialKind(d.Kind) {
		d.Baud, d.DataBits, d.Parity, d.StopBits = DefaultBaud(d.Kind), 8, ParityNone, 1
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return Device{}, deviceErr(s, "bad options: "+err.Error())
	}
	valid := validOptions(d.Kind)
	names := make([]string, 0, len(vals))
	for k, v := range vals {
		if !slices.Contains(valid, k) {
			detail := "unknown option " + strconv.Quote(k) + " for " + d.Kind
			if len(valid) == 0 {
				detail += "; it takes no options"
			} else {
				detail += "; valid options: " + strings.Join(valid, ", ")
			}
			return Device{}, deviceErr(s, detail)
		}
		if len(v) != 1 {
			return Device{}, deviceErr(s, "option "+k+" given more than once")
		}
		names = append(names, k)
	}
	// preset first, then format, then the single settings, so explicit
	// options win.
	order := []string{"preset", "format", "baud", "databits", "parity", "stopbits", "mode", "cmd"}
	for _, k := range order {
		if !slices.Contains(names, k) {
			continue
		}
		v := vals.Get(k)
		switch k {
		case "preset":
			p, ok := p1Presets[strings.ToLower(v)]
			if !ok {
				return Device{}, deviceErr(s, "unknown preset "+strconv.Quote(v)+"; valid presets: dsmr5, dsmr4, dsmr3, dsmr22")
			}
			d.Baud, d.DataBits, d.Parity, d.StopBits = p[0], p[1], parityNames[p[2]], p[3]
		case "format":
			if len(v) != 3 {
				return Device{}, deviceErr(s, "bad format "+strconv.Quote(v)+"; want data bits, parity, stop bits as in 8N1 or 7E1")
			}
			db, par, sb := v[0:1], v[1:2], v[2:3]
			var err error
			if d.DataBits, err = parseDataBits(s, db); err != nil {
				return Device{}, err
			}
			if d.Parity, err = parseParity(s, par); err != nil {
				return Device{}, err
			}
			if d.StopBits, err = parseStopBits(s, sb); err != nil {
				return Device{}, err
			}
		case "baud":
			b, err := strconv.Atoi(v)
			if err != nil || b < 50 || b > 4000000 || strconv.Itoa(b) != v {
				return Device{}, deviceErr(s, "bad baud rate "+strconv.Quote(v)+"; want a number such as 9600, 19200, 57600 or 115200")
			}
			d.Baud = b
		case "databits":
			if d.DataBits, err = parseDataBits(s, v); err != nil {
				return Device{}, err
			}
		case "parity":
			if d.Parity, err = parseParity(s, v); err != nil {
				return Device{}, err
			}
		case "stopbits":
			if d.StopBits, err = parseStopBits(s, v); err != nil {
				return Device{}, err
			}
		case "mode":
			m, ok := ParseLinkMode(v)
			if !ok {
				return Device{}, deviceErr(s, "unknown link mode "+strconv.Quote(v)+"; valid modes: "+strings.Join(modeNames[1:], ", "))
			}
			d.Mode = m
		case "cmd":
			d.Params = url.Values{"cmd": {v}}
		}
	}
	return d, nil
}

func parseDataBits(s, v string) (int, error) {
	switch v {
	case "7":
		return 7, nil
	case "8":
		return 8, nil
	}
	return 0, deviceErr(s, "bad data bits "+strconv.Quote(v)+"; want 7 or 8")
}

func parseStopBits(s, v string) (int, error) {
	switch v {
	case "1":
		return 1, nil
	case "2":
		return 2, nil
	}
	return 0, deviceErr(s, "bad stop bits "+strconv.Quote(v)+"; want 1 or 2")
}

func parseParity(s, v string) (string, error) {
	switch strings.ToLower(v) {
	case "n", "none":
		return ParityNone, nil
	case "e", "even":
		return ParityEven, nil
	case "o", "odd":
		return ParityOdd, nil
	}
	return "", deviceErr(s, "bad parity "+strconv.Quote(v)+"; want none, even or odd")
}

// String returns the canonical address: options equal to the kind's
// defaults are left out, so ParseDevice(d.String()) gives d back (except
// Raw).
func (d Device) String() string {
	var b strings.Builder
	b.WriteString(d.Kind)
	b.WriteByte(':')
	if isTCPKind(d.Kind) {
		b.WriteString("//")
		b.WriteString(d.Host)
	} else {
		b.WriteString(d.Path)
	}
	sep := byte('?')
	opt := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if d.Mode != ModeUnknown {
		opt("mode", strings.ToLower(d.Mode.String()))
	}
	if isSerialKind(d.Kind) {
		if d.Baud != DefaultBaud(d.Kind) {
			opt("baud", strconv.Itoa(d.Baud))
		}
		if d.DataBits != 8 {
			opt("databits", strconv.Itoa(d.DataBits))
		}
		if d.Parity != ParityNone {
			opt("parity", d.Parity)
		}
		if d.StopBits != 1 {
			opt("stopbits", strconv.Itoa(d.StopBits))
		}
	}
	if len(d.Params) > 0 {
		b.WriteByte(sep)
		b.WriteString(d.Params.Encode())
	}
	return b.String()
}
