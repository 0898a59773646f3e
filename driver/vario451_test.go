package driver

import "testing"

func FuzzVario451Payload(f *testing.F) {
	f.Add(mustHex("129F25383300A8622600008200800A2AF862"))
	f.Add([]byte{0x12, 0x9F})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = vario451Payload(nil, data, &out)
	})
}
