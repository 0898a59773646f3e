package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const haiArgs = "--key 5A0BDB8CE3FDB7121635FF6FB02EE1DF --iv 53414767700067C800000782 --aad 3000112233445566778899AABBCCDDEEFF"

// The tutorial's "HAI" vector (seeds README).
func TestGCMCommand(t *testing.T) {
	out, errs, code := run(t, "", append(append([]string{"gcm", "encrypt"}, strings.Fields(haiArgs)...), "--text", "HAI")...)
	if code != 0 || !strings.Contains(out, "ciphertext: 9F81B6") || !strings.Contains(out, "tag:        57F8557A74C89C1F4ADA2277") {
		t.Fatalf("encrypt: %d %s %s", code, out, errs)
	}
	dec := append([]string{"gcm", "decrypt"}, strings.Fields(haiArgs)...)
	out, _, code = run(t, "", append(dec, "--tag", "57F8557A74C89C1F4ADA2277", "9F81B6")...)
	if code != 0 || !strings.Contains(out, "plaintext (text): HAI") {
		t.Fatalf("decrypt: %d %s", code, out)
	}
	// Tag appended to the ciphertext.
	if out, _, code = run(t, "", append(dec, "9F81B657F8557A74C89C1F4ADA2277")...); code != 0 || !strings.Contains(out, "HAI") {
		t.Fatalf("appended tag: %d %s", code, out)
	}
	// One bit off anywhere: exit 1, no plaintext.
	for _, bad := range []string{"9F81B757F8557A74C89C1F4ADA2277", "9F81B657F8557A74C89C1F4ADA2276"} {
		out, errs, code := run(t, "", append(dec, bad)...)
		if code != 1 || strings.Contains(out, "HAI") || !strings.Contains(errs, "authentication failed") {
			t.Fatalf("%s: %d %q %q", bad, code, out, errs)
		}
	}
	if _, errs, code := run(t, "", "gcm", "encrypt", "--key", "00", "--iv", "00", "--text", "x"); code != 2 || !strings.Contains(errs, "--key") {
		t.Fatalf("bad key: %d %s", code, errs)
	}
}

func TestP1Encrypt(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "t.txt")
	os.WriteFile(in, []byte("/Lux5\\253663629_D\r\n\r\n1-0:1.8.0(003745.060*kWh)\r\n!ABCD\r\n"), 0o644)
	out, errs, code := run(t, "", "p1", "encrypt", "--key", "AEBD21B769A6D13C0DF064E383682EFF", "--systitle", "5341476770015BEB", "--fc", "1", "--in", in)
	if code != 0 || !strings.HasPrefix(out, "DB085341476770015BEB") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	bin := filepath.Join(dir, "f.bin")
	if _, errs, code = run(t, "", "p1", "encrypt", "--key", "AEBD21B769A6D13C0DF064E383682EFF", "--systitle", "SAG12345", "--fc", "2", "--in", in, "--out", bin); code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	if b, _ := os.ReadFile(bin); len(b) < 30 || b[0] != 0xDB {
		t.Fatalf("raw frame % X", b)
	}
}
