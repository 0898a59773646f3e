package driver

import "testing"

func FuzzMkradio3aPayload(f *testing.F) {
	f.Add(mustHex("0C007C3110250000293400373A002E38000E15002F37003A39003835002F24003930001D2500312500162900"))
	f.Add([]byte{0x0C, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = mkradio3aPayload(nil, data, &out)
	})
}
