package driver

import "testing"

func FuzzFlonidangasPayload(f *testing.F) {
	em24FuzzPayload(f, flonidangasPayload, "0600000B00", "426C")
}
