package driver

import "testing"

func FuzzJoyh100Payload(f *testing.F) {
	em24FuzzPayload(f, joyh100Payload, "8102FD1702426C00000B6E000000", "426C")
}
