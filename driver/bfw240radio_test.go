package driver

import "testing"

func FuzzBFW240RadioPayload(f *testing.F) {
	f.Add(mustHex("2F2F6F1F01440100147000000000000000000000000000000000000000000037009B4410AC260221"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var out Output
		_ = bfw240radioPayload(nil, apl, &out)
	})
}
