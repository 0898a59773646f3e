package driver

import "testing"

func FuzzBrunatawmPayload(f *testing.F) {
	em24FuzzPayload(f, brunatawmPayload, "041377E50000")
}
