package driver

import "testing"

func FuzzApator172Payload(f *testing.F) {
	f.Add([]byte{0x1D, 0x54, 0x00, 0x00, 0x08, 0x40})
	f.Add([]byte{0x1D})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = apator172Payload(nil, data, &out)
	})
}
