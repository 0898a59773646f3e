package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func TestNzrStatus(t *testing.T) {
	recs, err := (&mbus.Parser{}).Parse(mustHex("01FD1706"))
	if err != nil {
		t.Fatal(err)
	}
	var out Output
	_ = nzrPayload(recs, nil, &out)
	if out.Values["status"] != "CURRENT_LOW GENERIC_APP_ERROR" {
		t.Errorf("status %v", out.Values["status"])
	}
}

func FuzzNzrPayload(f *testing.F) {
	f.Add(mustHex("01FD1700"))
	f.Add(mustHex("02FD17FFFF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := (&mbus.Parser{}).Parse(data)
		var out Output
		_ = nzrPayload(recs, data, &out)
	})
}
