package driver

import "testing"

func FuzzKadenPayload(f *testing.F) {
	em24FuzzPayload(f, kadenPayload, "02FD170800026E0000047551DC0000426CE1F1", "0474FFFFFFFF426C")
}
