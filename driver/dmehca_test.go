package driver

import "testing"

func FuzzDmehcaPayload(f *testing.F) {
	em24FuzzPayload(f, dmehcaPayload, "0B6E66010002FD170300")
}
