package driver

import "testing"

func FuzzGwfgasPayload(f *testing.F) {
	em24FuzzPayload(f, gwfgasPayload, "03745E00000413FE8D0100441300000000426C0000", "426C")
}
