package main

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

const smartyKey = "AEBD21B769A6D13C0DF064E383682EFF"

func TestDecodeP1(t *testing.T) {
	frame := "../../dlms/testdata/smarty_tutorial_frame.bin"
	out, errs, code := run(t, "", "decode", "--key", smartyKey, "--in", frame)
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	m := jsonLines(t, out)[0]
	sec := m["security"].(map[string]any)
	crc := m["crc"].(map[string]any)
	fields := m["fields"].(map[string]any)
	if m["kind"] != "p1" || sec["status"] != "decrypted" || sec["tag"] != "verified" || sec["frame_counter"] != float64(321812) ||
		crc["ok"] != true || m["profile"] != "lu-smarty" || fields["energy_import_kwh"] != 3745.06 {
		t.Fatalf("%s", out)
	}
	if !strings.Contains(m["telegram"].(string), "1-0:1.8.0(003745.060*kWh)") || len(m["objects"].([]any)) < 20 {
		t.Fatalf("telegram/objects missing")
	}
	// The same frame as a hex argument.
	raw, _ := os.ReadFile(frame)
	hexFrame := strings.ToUpper(hex.EncodeToString(raw))
	if out, errs, code = run(t, "", "decode", "--key", smartyKey, hexFrame); code != 0 || !strings.Contains(out, `"status":"decrypted"`) {
		t.Fatalf("hex: %d %s", code, errs)
	}
	// The plain telegram on stdin.
	plain, _ := os.ReadFile("../../dlms/testdata/smarty_tutorial_plain.txt")
	if out, errs, code = run(t, string(plain), "decode"); code != 0 || !strings.Contains(out, `"status":"plain"`) {
		t.Fatalf("stdin text: %d %s", code, errs)
	}
	// No key, wrong key: exit 1, a clear reason, and the key never printed.
	if _, errs, code = run(t, "", "decode", "--in", frame); code != 1 || !strings.Contains(errs, "no key for meter system title 5341476770015BEB (SAG)") {
		t.Fatalf("no key: %d %s", code, errs)
	}
	wrong := "0EBD21B769A6D13C0DF064E383682EFF"
	out, errs, code = run(t, "", "decode", "--explain", "--key", wrong, "--in", frame)
	if code != 1 || !strings.Contains(errs, "authentication tag mismatch") || strings.Contains(out, "3745") {
		t.Fatalf("wrong key: %d %s %s", code, out, errs)
	}
	for _, k := range []string{wrong, smartyKey} {
		if strings.Contains(strings.ToUpper(out+errs), k) {
			t.Fatalf("key printed")
		}
	}
	if _, errs, code = run(t, "", "decode", "--profile", "nope", "--in", frame); code != 2 || !strings.Contains(errs, "lu-smarty") {
		t.Fatalf("bad profile: %d %s", code, errs)
	}
}

// DLMS push samples through the CLI: HDLC hex argument, raw APDU file,
// two M-Bus frames in one file.
func TestDecodeDLMSPush(t *testing.T) {
	raw, _ := os.ReadFile("../../dlms/testdata/node-dsmr-parser__kamstrup-example-1.bin")
	out, errs, code := run(t, "", "decode", hex.EncodeToString(raw))
	if code != 0 || !strings.Contains(out, `"kind":"dlms"`) || !strings.Contains(out, `"transport":"hdlc"`) {
		t.Fatalf("hdlc: %d %s %s", code, out, errs)
	}
	out, errs, code = run(t, "", "decode", "--in", "../../dlms/testdata/esphome-libs_dlms_parser__raw_salzburg_netz.bin")
	if code != 0 || !strings.Contains(out, `"energy_import_kwh":1327.456`) {
		t.Fatalf("raw apdu: %d %s %s", code, out, errs)
	}
	out, errs, code = run(t, "", "decode", "--explain", "--key", "36C66639E48A8CA4D6BC8B282A793BBB", "--in", "../../dlms/testdata/node-dsmr-parser__austria-example-1_mbus_2frames.bin")
	if code != 0 || !strings.Contains(out, "A-XDR tree") || !strings.Contains(out, "part of a longer DLMS message") {
		t.Fatalf("mbus: %d %s %s", code, out, errs)
	}
}
