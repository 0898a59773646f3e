package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func TestQcaloricRawDate(t *testing.T) {
	if d, ok := qcaloricRawDate([]byte{0xFF, 0xFF}); !ok || d != "2127-15-31" {
		t.Errorf("got %q %v", d, ok)
	}
	if _, ok := qcaloricRawDate([]byte{0xFF}); ok {
		t.Error("a one-byte date printed")
	}
}

func FuzzQcaloricPayload(f *testing.F) {
	f.Add(mustHex("0B6E2701004B6E450100426C5F2CCB086E790000C2086C7F21326CFFFF046D200B7422"))
	f.Add(mustHex("01FD7300025AC20001FD0C03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := (&mbus.Parser{}).Parse(data)
		var out Output
		_ = qcaloricPayload(recs, data, &out)
	})
}
