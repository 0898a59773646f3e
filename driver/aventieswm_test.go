package driver

import "testing"

func FuzzAventieswmPayload(f *testing.F) {
	em24FuzzPayload(f, aventieswmPayload, "0413281E07004314")
}
