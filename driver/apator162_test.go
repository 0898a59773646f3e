package driver

import "testing"

func FuzzApator162Payload(f *testing.F) {
	f.Add(mustHex("2F2F0F005B599600000010AA55000041545A42850BD800437D037301C5500000564B00009E4600006A410000A01778EC03FFFFE393"))
	f.Add([]byte{0x2F, 0x2F})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var out Output
		_ = apator162Payload(nil, apl, &out)
	})
}
