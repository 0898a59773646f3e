package driver

import (
	"testing"

	"github.com/meterwire/meterwire/mbus"
)

func FuzzZenner0bPayload(f *testing.F) {
	f.Add([]byte{0x80, 0xBF, 0x1B, 0, 0x80, 0xBF, 0x1B, 0, 0, 0xA6, 0x42, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = zenner0bPayload([]mbus.Record{{Manufacturer: true, Data: data}}, nil, &out)
	})
}
