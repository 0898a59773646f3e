package driver

import "testing"

func FuzzElstergasPayload(f *testing.F) {
	em24FuzzPayload(f, elstergasPayload, "060000028E")
}
