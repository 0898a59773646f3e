package driver

import "testing"

func FuzzSensostarPayload(f *testing.F) {
	em24FuzzPayload(f, sensostarPayload, "047839803801040600000000426C000001FD171003FD0C050000840106")
}
