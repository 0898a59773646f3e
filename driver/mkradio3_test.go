package driver

import "testing"

func FuzzMkradio3Payload(f *testing.F) {
	f.Add(mustHex("069F255900B02931000000"))
	f.Add([]byte{0x06, 0x9F})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = mkradio3Payload(nil, data, &out)
	})
}
