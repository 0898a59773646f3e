package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func TestMicroclimaHistoryDates(t *testing.T) {
	recs, err := (&mbus.Parser{}).Parse(mustHex("426C9F2C4406C6040000C40506B0000000"))
	if err != nil {
		t.Fatal(err)
	}
	var out Output
	_ = microclimaPayload(recs, nil, &out)
	if out.Values["set_date_11_date"] != "2020-02-29" || out.Values["set_date_1_date"] != "2020-12-31" {
		t.Errorf("got %v", out.Values)
	}
}

func FuzzMicroclimaPayload(f *testing.F) {
	f.Add(mustHex("046D0721B62C04064708000001FD1700426C9F2C4406C6040000C40106C007000003FD0C05000002FD0B1111"))
	f.Add(mustHex("0261D0FF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := (&mbus.Parser{}).Parse(data)
		var out Output
		_ = microclimaPayload(recs, data, &out)
	})
}
