package driver

import "testing"

func FuzzAventieshcaPayload(f *testing.F) {
	em24FuzzPayload(f, aventieshcaPayload, "0B6E66010002FD170000")
}
