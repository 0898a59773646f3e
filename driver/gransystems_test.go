package driver

import "testing"

func FuzzGransystemsPayload(f *testing.F) {
	em24FuzzPayload(f, gransystemsPayload, "02FB2D861304FD1700000201")
}
