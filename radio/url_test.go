package radio

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func TestParseDevice(t *testing.T) {
	serial := func(kind, path string, mode LinkMode, baud, db int, par string, sb int) Device {
		return Device{Kind: kind, Path: path, Mode: mode, Baud: baud, DataBits: db, Parity: par, StopBits: sb}
	}
	tests := []struct {
		in    string
		want  Device
		canon string
	}{
		{"telit:/dev/ttyUSB0?mode=n2&baud=19200", serial("telit", "/dev/ttyUSB0", ModeN2, 19200, 8, "none", 1), "telit:/dev/ttyUSB0?mode=n2"},
		{"telit:/dev/ttyUSB0", serial("telit", "/dev/ttyUSB0", ModeUnknown, 19200, 8, "none", 1), "telit:/dev/ttyUSB0"},
		{"TELIT:COM3?mode=N1&baud=9600", serial("telit", "COM3", ModeN1, 9600, 8, "none", 1), "telit:COM3?mode=n1&baud=9600"},
		{"im871a:/dev/ttyUSB0?mode=c1", serial("im871a", "/dev/ttyUSB0", ModeC1, 57600, 8, "none", 1), ""},
		{"amb8465:/dev/ttyUSB0?mode=t1", serial("amb8465", "/dev/ttyUSB0", ModeT1, 9600, 8, "none", 1), ""},
		{"amb8465:/dev/ttyUSB0?mode=s1-m", serial("amb8465", "/dev/ttyUSB0", ModeS1m, 9600, 8, "none", 1), ""},
		{"cul:/dev/ttyACM0", serial("cul", "/dev/ttyACM0", ModeUnknown, 38400, 8, "none", 1), ""},
		{"rtlwmbus:", Device{Kind: "rtlwmbus"}, ""},
		{"rtlwmbus:stdin", Device{Kind: "rtlwmbus"}, "rtlwmbus:"},
		{"rtlwmbus:capture.txt", Device{Kind: "rtlwmbus", Path: "capture.txt"}, ""},
		{"rtlwmbus:?cmd=rtl_sdr+-f+868.95M+-s+1.6e6+-+%7C+rtl_wmbus", Device{Kind: "rtlwmbus", Params: url.Values{"cmd": {"rtl_sdr -f 868.95M -s 1.6e6 - | rtl_wmbus"}}}, ""},
		{"hex:stdin", Device{Kind: "hex", Path: "stdin"}, ""},
		{"hex:frames.txt", Device{Kind: "hex", Path: "frames.txt"}, ""},
		{"hex+tcp://127.0.0.1:7000", Device{Kind: "hex+tcp", Host: "127.0.0.1:7000"}, ""},
		{"hex+tcp://[::1]:7000", Device{Kind: "hex+tcp", Host: "[::1]:7000"}, ""},
		{"raw:capture.bin", Device{Kind: "raw", Path: "capture.bin"}, ""},
		{"raw:/tmp/x y.bin", Device{Kind: "raw", Path: "/tmp/x y.bin"}, ""},
		{"p1:/dev/ttyUSB0?baud=115200&parity=none", serial("p1", "/dev/ttyUSB0", ModeUnknown, 115200, 8, "none", 1), "p1:/dev/ttyUSB0"},
		{"p1:/dev/ttyUSB0?preset=dsmr4", serial("p1", "/dev/ttyUSB0", ModeUnknown, 115200, 7, "even", 1), "p1:/dev/ttyUSB0?databits=7&parity=even"},
		{"p1:/dev/ttyUSB0?preset=dsmr22", serial("p1", "/dev/ttyUSB0", ModeUnknown, 9600, 7, "even", 1), "p1:/dev/ttyUSB0?baud=9600&databits=7&parity=even"},
		{"p1:/dev/ttyUSB0?preset=dsmr22&baud=19200", serial("p1", "/dev/ttyUSB0", ModeUnknown, 19200, 7, "even", 1), "p1:/dev/ttyUSB0?baud=19200&databits=7&parity=even"},
		{"p1:/dev/ttyUSB0?format=7E1&baud=9600", serial("p1", "/dev/ttyUSB0", ModeUnknown, 9600, 7, "even", 1), "p1:/dev/ttyUSB0?baud=9600&databits=7&parity=even"},
		{"p1:/dev/ttyUSB0?databits=7&parity=odd&stopbits=2", serial("p1", "/dev/ttyUSB0", ModeUnknown, 115200, 7, "odd", 2), ""},
		{"p1+tcp://meter.local:2001", Device{Kind: "p1+tcp", Host: "meter.local:2001"}, ""},
		{"p1:telegrams.txt", serial("p1", "telegrams.txt", ModeUnknown, 115200, 8, "none", 1), ""},
	}
	for _, tt := range tests {
		d, err := ParseDevice(tt.in)
		if err != nil {
			t.Errorf("ParseDevice(%q): %v", tt.in, err)
			continue
		}
		tt.want.Raw = tt.in
		if !reflect.DeepEqual(d, tt.want) {
			t.Errorf("ParseDevice(%q)\n got %#v\nwant %#v", tt.in, d, tt.want)
		}
		canon := tt.canon
		if canon == "" {
			canon = tt.in
		}
		if got := d.String(); got != canon {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, canon)
		}
		checkRoundTrip(t, d)
	}
}

func checkRoundTrip(t *testing.T, d Device) {
	t.Helper()
	s := d.String()
	d2, err := ParseDevice(s)
	if err != nil {
		t.Fatalf("ParseDevice(%q) (from %q): %v", s, d.Raw, err)
	}
	d.Raw, d2.Raw = "", ""
	if !reflect.DeepEqual(d, d2) {
		t.Fatalf("round trip via %q:\n got %#v\nwant %#v", s, d2, d)
	}
}

func TestParseDeviceErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/dev/ttyUSB0", "no device kind"},
		{"foo:/dev/ttyUSB0", "valid kinds: telit, im871a"},
		{"telit:/dev/ttyUSB0?mode=x9", "valid modes: S1"},
		{"telit:/dev/ttyUSB0?mode=", "unknown link mode"},
		{"telit:/dev/ttyUSB0?baud=fast", "bad baud rate"},
		{"telit:/dev/ttyUSB0?baud=-1", "bad baud rate"},
		{"telit:/dev/ttyUSB0?baud=019200", "bad baud rate"},
		{"telit:", "missing path"},
		{"telit:?mode=n2", "missing path"},
		{"raw:", "missing path"},
		{"hex+tcp://127.0.0.1", "host:port"},
		{"hex+tcp://127.0.0.1:", "bad port"},
		{"hex+tcp://127.0.0.1:70000", "bad port"},
		{"hex+tcp://:7000", "host:port"},
		{"p1+tcp:host:2001", "//host:port"},
		{"telit:/dev/ttyUSB0?speed=9600", "valid options: mode, baud"},
		{"hex:stdin?mode=t1", "it takes no options"},
		{"telit:/dev/ttyUSB0?mode=n1&mode=n2", "more than once"},
		{"p1:/dev/ttyUSB0?parity=mark", "bad parity"},
		{"p1:/dev/ttyUSB0?databits=9", "bad data bits"},
		{"p1:/dev/ttyUSB0?stopbits=3", "bad stop bits"},
		{"p1:/dev/ttyUSB0?format=8X1", "bad parity"},
		{"p1:/dev/ttyUSB0?format=8N", "bad format"},
		{"p1:/dev/ttyUSB0?preset=dsmr9", "valid presets"},
		{"telit:/dev/ttyUSB0?preset=dsmr4", "unknown option"},
		{"rtlwmbus:/tmp/x?cmd=rtl_wmbus", "not both"},
		{"telit:/dev/ttyUSB0?mode=%zz", "bad options"},
	}
	for _, tt := range tests {
		_, err := ParseDevice(tt.in)
		if err == nil {
			t.Errorf("ParseDevice(%q) succeeded", tt.in)
			continue
		}
		var ce *codec.Error
		if !errors.As(err, &ce) || !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("ParseDevice(%q): error %v is not a *codec.Error wrapping ErrMalformed", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDevice(%q) = %v, want it to mention %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseDevice(f *testing.F) {
	for _, s := range []string{
		"telit:/dev/ttyUSB0?mode=n2&baud=19200", "im871a:/dev/ttyUSB0?mode=c1", "amb8465:/dev/ttyUSB0?mode=t1",
		"cul:/dev/ttyACM0", "rtlwmbus:", "rtlwmbus:?cmd=rtl_wmbus", "hex:stdin", "hex+tcp://127.0.0.1:7000",
		"raw:FILE", "p1:/dev/ttyUSB0?baud=115200&parity=none", "p1:/dev/x?preset=dsmr22", "p1+tcp://host:2001",
		"p1:FILE?format=7e1", "telit:a?b?c", "raw://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDevice(s)
		if err != nil {
			if !errors.Is(err, codec.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		checkRoundTrip(t, d)
	})
}
