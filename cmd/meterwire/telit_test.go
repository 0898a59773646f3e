package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/radio/telit"
	"github.com/meterwire/meterwire/wmbus"
)

// telitCLIGuard is the --guard the tests give; the simulated module wants
// a quarter of it.
const telitCLIGuard = "40ms"

// telitCLIStick plugs a simulated Telit module into a pty.
func telitCLIStick(t *testing.T) (*sim.Telit, string) {
	t.Helper()
	mod := sim.NewTelit(sim.NewAir(), sim.TelitGuard(10*time.Millisecond))
	link := filepath.Join(t.TempDir(), "ttyTELIT")
	s, err := sim.NewStick(link, mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return mod, link
}

func TestTelitCLIConfig(t *testing.T) {
	mod, link := telitCLIStick(t)
	out, errs, code := run(t, "", "telit", "config", "telit:"+link, "--guard", telitCLIGuard,
		"--mode", "n2-meter", "--format", "b", "--meter", "CEN:12345678:01:07", "--key", mode7Key, "--encrypt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Log("\n" + out)
	for _, want := range []string{
		"configured: N2, meter",
		"400       16",
		"N2, meter",
		"L|C|M|A|CI|LQI|RSSI",
		"frame format B",
		"461-468",
		"CEN 12345678, version 01, type 07",
		"470-485",
		"meter key: set (16 bytes)",
		"add|forward|encryption",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	telitNoKey(t, out+errs)
	for reg, v := range map[int]byte{400: telit.ModeN2Meter, 402: byte(telit.FieldsReceive), 453: telit.FrameFormatB, 460: 7, 470: 0x00, 485: 0x0F} {
		if got := mod.Register(reg); got != v {
			t.Errorf("register %d = %d, want %d", reg, got, v)
		}
	}
	if ms := mod.Meters(); len(ms) != 1 || ms[0].Address != (wmbus.Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, Type: 7}) || !ms[0].Options.Encryption {
		t.Errorf("meters %d", len(ms))
	}

	// without --mode the module keeps its mode
	out, errs, code = run(t, "", "telit", "config", link, "--guard", telitCLIGuard, "--format", "a")
	if code != 0 || !strings.Contains(out, "configured: N2, meter") || !strings.Contains(out, "frame format A") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if mod.Register(453) != 0 || mod.Register(400) != telit.ModeN2Meter {
		t.Errorf("453=%d 400=%d", mod.Register(453), mod.Register(400))
	}
}

// telitNoKey fails when s shows the test key in any form.
func telitNoKey(t *testing.T, s string) {
	t.Helper()
	key, _ := hex.DecodeString(mode7Key)
	for _, k := range []string{mode7Key, strings.ToLower(mode7Key), "0102030405", "1 2 3 4 5 6", "[0 1 2 3"} {
		if strings.Contains(s, k) {
			t.Errorf("output shows the key (%q)", k)
		}
	}
	if bytes.Contains([]byte(s), key[4:]) {
		t.Error("output holds the raw key")
	}
}

func TestTelitCLIGetSet(t *testing.T) {
	mod, link := telitCLIStick(t)
	out, errs, code := run(t, "", "telit", "get", link, "400", "--guard", telitCLIGuard)
	if code != 0 || out != "register 400 (link mode and role) = 17 (N2, other)\n" {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	out, errs, code = run(t, "", "telit", "set", link, "402", "0xBF", "--guard", telitCLIGuard)
	if code != 0 || !strings.Contains(out, "register 402 (fields passed to the host) = 191 (L|C|M|A|CI|LQI|RSSI), written and read back") {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	if mod.Register(402) != 0xBF {
		t.Errorf("402 = %#x", mod.Register(402))
	}
	out, errs, code = run(t, "", "telit", "set", "telit:"+link+"?baud=19200", "S474", "123", "--guard", telitCLIGuard)
	if code != 0 || strings.Contains(out, "123") || !strings.Contains(out, "not shown") || mod.Register(474) != 123 {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	out, errs, code = run(t, "", "telit", "get", link, "474", "--guard", telitCLIGuard)
	if code == 0 || strings.Contains(out+errs, "123") || !strings.Contains(errs, "does not show keys") {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	// the module refuses a mode value above 17
	_, errs, code = run(t, "", "telit", "set", link, "400", "99", "--guard", telitCLIGuard)
	if code == 0 || !strings.Contains(errs, "register 400") || !strings.Contains(errs, "ERROR") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestTelitCLIErrors(t *testing.T) {
	_, link := telitCLIStick(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"get", link, "1000"}, "0-999"},
		{[]string{"set", link, "400", "256"}, "0-255"},
		{[]string{"get", "im871a:" + link, "400"}, "drives Telit modules"},
		{[]string{"config", link, "--mode", "n3-meter"}, "--mode"},
		{[]string{"config", link, "--mode", "n2"}, "LINKMODE-ROLE"},
		{[]string{"config", link, "--mode", "f2-other"}, "--mode"},
		{[]string{"config", link, "--format", "c"}, "--format"},
		{[]string{"config", link, "--meter", "CEN:1234"}, "8 digits"},
		{[]string{"config", link, "--meter", "C3N:12345678"}, "three letters"},
		{[]string{"config", link, "--meter", "CEN:12345678", "--encrypt"}, "needs the meter's --key"},
		{[]string{"config", link, "--key", mode7Key}, "belong to a --meter"},
		{[]string{"config", link, "--meter", "CEN:12345678", "--key", mode7Key[:30]}, "15 bytes"},
		{[]string{"get", filepath.Join(t.TempDir(), "nothing"), "400"}, "nothing"},
	} {
		out, errs, code := run(t, "", append(append([]string{"telit"}, tt.args...), "--guard", telitCLIGuard)...)
		if code == 0 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %q %q; want error with %q", tt.args, code, out, errs, tt.want)
		}
		telitNoKey(t, out+errs)
	}
}

func TestTelitCLIHelp(t *testing.T) {
	out, _, code := run(t, "", "telit", "--help")
	if code != 0 || !strings.Contains(out, "meterwire telit config") || !strings.Contains(out, "get") || !strings.Contains(out, "--guard") {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, code = run(t, "", "telit", "config", "--help")
	if code != 0 || !strings.Contains(out, "n2-meter") || !strings.Contains(out, "--encrypt") {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, _ = run(t, "", "--help")
	if !strings.Contains(out, "telit") {
		t.Error("telit not listed in the root help")
	}
}

func FuzzParseTelitMeter(f *testing.F) {
	for _, s := range []string{"CEN:12345678", "CEN:12345678:01:07", "kam:00000001:1b:16", "CEN:1234", "::", "C3N:12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseTelitMeter(s)
		if err != nil {
			return
		}
		back := fmt.Sprintf("%s:%s:%02X:%02X", a.ManufacturerCode(), a.IDString(), a.Version, a.Type)
		if b, err := parseTelitMeter(back); err != nil || b != a {
			t.Fatalf("%q -> %+v -> %q -> %+v %v", s, a, back, b, err)
		}
	})
}
