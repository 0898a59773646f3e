package driver

import (
	"testing"

	"github.com/meterwire/meterwire/wmbus"
)

func TestLandisgyrgasStatus(t *testing.T) {
	out := Output{Telegram: &wmbus.Telegram{}}
	out.Telegram.TPL.Present = true
	out.Telegram.TPL.Header = wmbus.HeaderShort
	out.Telegram.TPL.STS = 0x23
	_ = landisgyrgasPayload(nil, nil, &out)
	if out.Values["status"] != "ALARM UNKNOWN_20" {
		t.Errorf("status %v", out.Values["status"])
	}
	var none Output
	_ = landisgyrgasPayload(nil, nil, &none)
	if none.Values["status"] != "OK" {
		t.Errorf("status without a telegram %v", none.Values["status"])
	}
}

func FuzzLandisgyrgasPayload(f *testing.F) {
	f.Add(byte(0x23), []byte{0x06, 0x00})
	f.Fuzz(func(t *testing.T, sts byte, data []byte) {
		out := Output{Telegram: &wmbus.Telegram{}}
		out.Telegram.TPL.Present = true
		out.Telegram.TPL.Header = wmbus.HeaderShort
		out.Telegram.TPL.STS = sts
		_ = landisgyrgasPayload(nil, data, &out)
	})
}
