package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// run executes the CLI in-process and returns stdout, stderr and the exit
// status main would use.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.Execute()
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		errb.WriteString("meterwire: " + err.Error() + "\n")
		code = 2
	}
	return out.String(), errb.String(), code
}

const (
	mode7Frame = "434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1"
	mode7Key   = "000102030405060708090A0B0C0D0E0F"
	telitB     = "2344AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC277838"
)

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestDecodeJSONFields(t *testing.T) {
	out, errs, code := run(t, "", "decode", "--key", mode7Key, mode7Frame)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := jsonLines(t, out)[0]
	for _, k := range []string{"kind", "frame_format", "c_field", "manufacturer", "id", "version", "device_type", "ell", "afl", "tpl", "security", "plaintext_hex"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing %q in %s", k, out)
		}
	}
	sec := m["security"].(map[string]any)
	if m["kind"] != "wmbus" || m["frame_format"] != "A" || m["id"] != "12345678" || m["manufacturer"] != "ELS" ||
		sec["status"] != "decrypted" || sec["mode"] != "tpl-mode-7" || sec["mac"] != "verified" {
		t.Errorf("%s", out)
	}
	if !strings.Contains(m["plaintext_hex"].(string), "2F2F0C1427048502") {
		t.Errorf("plaintext %s", m["plaintext_hex"])
	}
}

func TestDecodeExamples(t *testing.T) {
	out, errs, code := run(t, "", "decode", "--examples")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := jsonLines(t, out)
	if len(lines) != len(bundledExamples()) || len(lines) < 11 {
		t.Fatalf("%d lines for %d examples", len(lines), len(bundledExamples()))
	}
	want := []string{"decrypted", "decrypted", "decrypted", "decrypted", "decrypted", "already-plain", "already-plain", "plain", "decrypted", "plain", "decrypted"}
	for i, m := range lines {
		if got := m["security"].(map[string]any)["status"]; got != want[i] {
			t.Errorf("example %d: status %v want %s", i, got, want[i])
		}
	}
	out, _, code = run(t, "", "decode", "--examples", "--explain")
	if code != 0 || !strings.Contains(out, "== Telit ME70-169") || !strings.Contains(out, "PayloadCRC") {
		t.Fatalf("explain: %d\n%s", code, out)
	}
}

// Keys must never appear in output or errors, whatever happens.
func TestKeysNeverPrinted(t *testing.T) {
	wrong := "0F0E0D0C0B0A09080706050403020100"
	for _, args := range [][]string{
		{"decode", "--key", wrong, mode7Frame},
		{"decode", "--explain", "--key", wrong, mode7Frame},
		{"decode", "--explain", "--json", "--key", wrong, mode7Frame},
		{"decode", "--key", mode7Key, mode7Frame},
		{"decode", "--key", "12345678=" + wrong, mode7Frame},
		{"decode", "--key", mode7Key + "AA", mode7Frame},
	} {
		out, errs, _ := run(t, "", args...)
		for _, k := range []string{wrong, mode7Key} {
			if strings.Contains(strings.ToUpper(out+errs), k) {
				t.Errorf("%v: key in output:\n%s\n%s", args, out, errs)
			}
		}
	}
}

func TestDecodeOutcomes(t *testing.T) {
	_, errs, code := run(t, "", "decode", "--key", "0F0E0D0C0B0A09080706050403020100", mode7Frame)
	if code != 1 || !strings.Contains(errs, "wrong key for meter 12345678 (ELS)") {
		t.Errorf("wrong key: %d %s", code, errs)
	}
	out, errs, code := run(t, "", "decode", mode7Frame)
	if code != 1 || !strings.Contains(errs, "no key for meter 12345678 (ELS)") || !strings.Contains(out, `"status":"no-key"`) {
		t.Errorf("no key: %d %s %s", code, errs, out)
	}
	_, errs, code = run(t, "", "decode", "--format", "b", mode7Frame)
	if code != 1 || !strings.Contains(errs, "CRC") {
		t.Errorf("forced format: %d %s", code, errs)
	}
	_, errs, code = run(t, "", "decode", "--format", "x", mode7Frame)
	if code != 2 || !strings.Contains(errs, "--format") {
		t.Errorf("bad flag: %d %s", code, errs)
	}
	_, errs, code = run(t, "", "decode", "--key", "0011", mode7Frame)
	if code != 2 || !strings.Contains(errs, "16 (32 hex digits)") {
		t.Errorf("short key: %d %s", code, errs)
	}
}

func TestDecodeStdinLines(t *testing.T) {
	in := mode7Frame + "\n\n# a comment\nZZ\n" + telitB + "\n"
	out, errs, code := run(t, in, "decode", "--key", mode7Key)
	if code != 1 || !strings.Contains(errs, "telegram 2: not hex") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if lines := jsonLines(t, out); len(lines) != 2 || lines[1]["frame_format"] != "B" {
		t.Fatalf("%s", out)
	}
}

func TestBuildWMBus(t *testing.T) {
	args := []string{"build", "wmbus", "--manufacturer", "CEN", "--id", "12345678", "--version", "1", "--type", "07",
		"--ell", "8f", "--cc", "20", "--ell-acc", "01", "--m2", "CEN", "--a2", "87654321", "--enc", "ctr",
		"--sn-minutes", "12345", "--sn-session", "3", "--tpl", "none", "--payload", "0413E8030000", "--key", mode7Key, "--format", "b"}
	out, errs, code := run(t, "", args...)
	if code != 0 || strings.TrimSpace(out) != telitB {
		t.Fatalf("exit %d %s\n got  %s\n want %s", code, errs, out, telitB)
	}
	out, _, code = run(t, "", append(args, "--explain")...)
	if code != 0 || !strings.Contains(out, "AES-128-CTR") || !strings.Contains(out, "ell-aes-ctr, decrypted") {
		t.Fatalf("explain: %s", out)
	}
	// Mode 5 and mode 7 builds decode back through the CLI.
	for _, extra := range [][]string{
		{"--tpl", "short", "--acc", "2A", "--security", "5", "--format", "a"},
		{"--tpl", "long", "--security", "7", "--mcr", "77", "--ell", "8c", "--format", "b"},
		{"--tpl", "short", "--security", "5", "--clear", "0CFD1078563412", "--format", "none"},
	} {
		a := append([]string{"build", "wmbus", "--payload", "0C1427048502", "--key", mode7Key}, extra...)
		out, errs, code := run(t, "", a...)
		if code != 0 {
			t.Fatalf("%v: %d %s", extra, code, errs)
		}
		dec, errs, code := run(t, "", "decode", "--key", mode7Key, strings.TrimSpace(out))
		if code != 0 || !strings.Contains(dec, `"status":"decrypted"`) {
			t.Fatalf("%v: decode %d %s %s", extra, code, errs, dec)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--security", "9"}, "--security"},
		{[]string{"--security", "5"}, "16-byte key"},
		{[]string{"--id", "123"}, "8-digit"},
		{[]string{"--manufacturer", "K1M"}, "three letters"},
		{[]string{"--enc", "ctr"}, "--ell 8d"},
		{[]string{"--ell", "8c", "--enc", "ctr", "--key", mode7Key}, "session number"},
		{[]string{"--format", "auto"}, "--format"},
		{[]string{"--tpl", "none", "--security", "5", "--key", mode7Key}, "needs a TPL header"},
	} {
		_, errs, code := run(t, "", append([]string{"build", "wmbus"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, %q lacks %q", tc.args, code, errs, tc.msg)
		}
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"decode", "--help"}, {"build", "--help"}, {"build", "wmbus", "--help"}} {
		out, _, code := run(t, "", args...)
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%v: no examples in help:\n%s", args, out)
		}
	}
}
