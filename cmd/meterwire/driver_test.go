package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decode picks the meter's driver by detection (or --driver), prints its
// fields under "fields" and names it; without one it says why.
func TestDecodeDriver(t *testing.T) {
	// A Sontex Supercom 587 warm water meter (wmbusmeters' driver test).
	const supercom = "A244EE4D785634123C067A8F0000000C1348550000426CE1F14C130000000082046C21298C0413330000008D04931E3A3CFE3300000033000000330000003300000033000000330000003300000033000000330000003300000033000000330000004300000034180000046D0D0B5C2B03FD6C5E150082206C5C290BFD0F0200018C4079678885238310FD3100000082106C01018110FD610002FD66020002FD170000"
	out, errs, code := run(t, "", "decode", supercom)
	var rep map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	f, _ := rep["fields"].(map[string]any)
	if rep["driver"] != "supercom587" || f["total_m3"] != 5.548 || f["software_version"] != "010002" || f["status"] != "OK" || len(f) != 3 {
		t.Fatalf("driver %v fields %v", rep["driver"], f)
	}
	if rep["records"] == nil {
		t.Error("records missing")
	}
	out, _, _ = run(t, "", "decode", "--driver", "none", supercom)
	rep = nil
	json.Unmarshal([]byte(out), &rep)
	if rep["driver"] != "none" || rep["driver_note"] != "drivers turned off" {
		t.Errorf("--driver none: %v %v", rep["driver"], rep["driver_note"])
	}
	// A meter no driver detects (yet): named fields are the generic ones.
	other := strings.Replace(supercom, "EE4D", "2D2C", 1) // manufacturer KAM
	out, _, _ = run(t, "", "decode", other)
	rep = nil
	json.Unmarshal([]byte(out), &rep)
	if rep["driver"] != "none" || !strings.Contains(rep["driver_note"].(string), "no driver detects KAM version 0x3C type 0x06") {
		t.Errorf("undetected: %v %v", rep["driver"], rep["driver_note"])
	}
	if _, errs, code := run(t, "", "decode", "--driver", "nosuch", supercom); code == 0 || !strings.Contains(errs, `--driver: no driver "nosuch"`) {
		t.Errorf("unknown driver: %d %s", code, errs)
	}
}

func TestDriversCommand(t *testing.T) {
	out, _, code := run(t, "", "drivers")
	if code != 0 || !strings.Contains(out, "supercom587") || !strings.Contains(out, "SON v3C") || !strings.Contains(out, "total_m3") {
		t.Fatalf("%d %s", code, out)
	}
	out, _, code = run(t, "", "drivers", "supercom587")
	if code != 0 || !strings.Contains(out, "status") || !strings.Contains(out, `"OK" when no bit is set`) {
		t.Fatalf("%d %s", code, out)
	}
	if _, errs, code := run(t, "", "drivers", "nosuch"); code == 0 || !strings.Contains(errs, `no driver "nosuch"`) {
		t.Fatalf("%d %s", code, errs)
	}
}

// listen names fields with the driver too (--driver as on decode).
func TestListenDriver(t *testing.T) {
	const supercom = "A244EE4D785634123C067A8F0000000C1348550000426CE1F14C130000000082046C21298C0413330000008D04931E3A3CFE3300000033000000330000003300000033000000330000003300000033000000330000003300000033000000330000004300000034180000046D0D0B5C2B03FD6C5E150082206C5C290BFD0F0200018C4079678885238310FD3100000082106C01018110FD610002FD66020002FD170000"
	file := filepath.Join(t.TempDir(), "in.hex")
	os.WriteFile(file, []byte(supercom+"\n"), 0o600)
	out, errs, code := run(t, "", "listen", "hex:"+file, "--json", "--count", "1", "--quiet")
	if code != 0 || !strings.Contains(out, `"driver":"supercom587"`) || !strings.Contains(out, `"software_version":"010002"`) {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	out, _, _ = run(t, "", "listen", "hex:"+file, "--count", "1", "--quiet", "--driver", "none")
	if !strings.Contains(out, "target_m3") {
		t.Errorf("--driver none keeps the generic names: %s", out)
	}
}
