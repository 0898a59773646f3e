package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio/sim"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitText(t *testing.T, b *syncBuffer, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", text, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The simulated fleet as hex lines and as rtl_wmbus lines decodes with
// --fleet-keys, every telegram of it.
func TestSimulateLinesIntoListen(t *testing.T) {
	for _, kind := range []string{"hex", "rtlwmbus"} {
		out, errs, code := run(t, "", "simulate", "--device", kind, "--every", "50ms", "--for", "700ms")
		if code != 0 || strings.Count(out, "\n") < 5 {
			t.Fatalf("simulate %s: %d %q %s", kind, code, out, errs)
		}
		file := filepath.Join(t.TempDir(), "frames.txt")
		os.WriteFile(file, []byte(out), 0o600)
		out, errs, code = run(t, "", "listen", kind+":"+file, "--fleet-keys", "--json", "--quiet")
		if code != 0 {
			t.Fatalf("listen %s: %d %s", kind, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for _, l := range lines {
			var r struct {
				Decoded struct {
					Security struct{ Status string }
					Fields   map[string]any
				}
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil || (r.Decoded.Security.Status != "decrypted" && r.Decoded.Security.Status != "plain") || len(r.Decoded.Fields) == 0 {
				t.Fatalf("%s: %v: %s", kind, err, l)
			}
		}
	}
	if _, _, code := run(t, "", "simulate", "--device", "telit"); code == 0 {
		t.Error("simulate telit without --pty accepted")
	}
}

// A simulated iM871A stick on a pty, with the fleet behind it, and listen
// decoding what it hears.
func TestSimulatePtyIntoListen(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySIM")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	simOut, simErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- runSimulate(ctx, simOut, simErr, &simulateOpts{device: "im871a", pty: true, link: link, every: 100 * time.Millisecond})
	}()
	waitText(t, simOut, link, 5*time.Second)
	if !strings.Contains(simErr.String(), "--fleet-keys") {
		t.Errorf("simulate did not say how to listen: %s", simErr)
	}
	var out, errs syncBuffer
	err := runListen(ctx, &out, &errs, "im871a:"+link+"?mode=c1", &listenOpts{fleetKeys: true, count: 6})
	if err != nil {
		t.Fatalf("%v %s", err, errs.String())
	}
	if n := strings.Count(out.String(), ": decrypted") + strings.Count(out.String(), ": plain"); n != 6 {
		t.Fatalf("%d of 6 decoded:\n%s", n, out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("pty link left behind: %v", err)
	}
}

// The integrator's use case with meterwire's own commands: two Telit
// ME70-169 modules on one (simulated) radio channel. (a) meterwire builds
// an ELL 0x8F ENC=1 AES-CTR format B frame, sends it through module 1 and
// prints the decrypted reading received on module 2; (b) the modules
// encrypt and decrypt with their registered keys and meterwire reports the
// frame as already plain.
func TestTelitUseCase(t *testing.T) {
	const key = "000102030405060708090A0B0C0D0E0F"
	air := sim.NewAir()
	dir := t.TempDir()
	var paths [2]string
	for i := range paths {
		paths[i] = filepath.Join(dir, []string{"ttyTELIT1", "ttyTELIT2"}[i])
		st, err := sim.NewStick(paths[i], sim.NewTelit(air, sim.TelitGuard(20*time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
	}
	config := func(path string, args ...string) {
		t.Helper()
		out, errs, code := run(t, "", append([]string{"telit", "config", path, "--guard", "50ms"}, args...)...)
		if code != 0 {
			t.Fatalf("telit config %v: %s %s", args, out, errs)
		}
		if strings.Contains(out+errs, key) {
			t.Fatalf("key printed: %s", out)
		}
	}
	build := func(args ...string) string {
		t.Helper()
		base := []string{"build", "wmbus", "--manufacturer", "CEN", "--id", "12345678", "--version", "1", "--type", "07",
			"--ell", "8f", "--cc", "20", "--ell-acc", "01", "--m2", "CEN", "--a2", "87654321", "--sn-minutes", "12345", "--sn-session", "3",
			"--tpl", "none", "--payload", "0413E8030000", "--format", "b"}
		out, errs, code := run(t, "", append(base, args...)...)
		if code != 0 {
			t.Fatalf("build: %s", errs)
		}
		return strings.TrimSpace(out)
	}
	// listen on module 2 until one telegram arrived, while send goes
	// through module 1.
	exchange := func(frame string, keys ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out, errs syncBuffer
		done := make(chan error, 1)
		go func() {
			done <- runListen(ctx, &out, &errs, "telit:"+paths[1], &listenOpts{keys: keys, count: 1})
		}()
		waitText(t, &errs, "connected", 20*time.Second)
		var sout, serr syncBuffer
		if err := runSend(ctx, &sout, &serr, "telit:"+paths[0], frame, "auto", 20*time.Second); err != nil {
			t.Fatalf("send: %v %s", err, serr.String())
		}
		if !strings.Contains(sout.String(), "sent") {
			t.Errorf("send said %q", sout.String())
		}
		if err := <-done; err != nil {
			t.Fatalf("listen: %v %s", err, errs.String())
		}
		return out.String()
	}

	// (a) meterwire encrypts; the modules only carry the frame.
	config(paths[0], "--mode", "n2-meter", "--format", "b")
	config(paths[1], "--mode", "n2-other")
	got := exchange(build("--enc", "ctr", "--key", key), key)
	if !strings.Contains(got, "CEN 12345678 water: decrypted") || !strings.Contains(got, "total_m3=1") {
		t.Fatalf("(a) listen printed %q", got)
	}

	// (b) module 1 encrypts with its registered key, module 2 decrypts.
	config(paths[0], "--mode", "n2-meter", "--format", "b", "--meter", "CEN:12345678:01:07", "--key", key, "--encrypt")
	config(paths[1], "--mode", "n2-other", "--meter", "CEN:12345678:01:07", "--key", key, "--encrypt")
	got = exchange(build())
	if !strings.Contains(got, "already plain (decrypted by the module)") || !strings.Contains(got, "total_m3=1") {
		t.Fatalf("(b) listen printed %q", got)
	}
}

func TestDevicesAndErrors(t *testing.T) {
	out, errs, code := run(t, "", "devices")
	if code != 0 || (!strings.Contains(out, "PORT") && !strings.Contains(out, "no serial ports")) {
		t.Fatalf("devices: %d %q %s", code, out, errs)
	}
	_, errs, code = run(t, "", "listen", "im871:/dev/ttyUSB0")
	if code == 0 || !strings.Contains(errs, `unknown device kind "im871"`) || !strings.Contains(errs, "im871a:/dev/ttyUSB0?mode=c1") {
		t.Fatalf("bad kind: %d %s", code, errs)
	}
	_, errs, code = run(t, "", "send", "hex:stdin", "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A")
	if code == 0 || !strings.Contains(errs, "cannot transmit") {
		t.Fatalf("send to a receive-only input: %d %s", code, errs)
	}
	_, errs, code = run(t, "", "listen", "telit:"+filepath.Join(t.TempDir(), "none"), "--for", "300ms")
	if code == 0 || !strings.Contains(errs, "not connected") {
		t.Fatalf("absent device: %d %s", code, errs)
	}
}
