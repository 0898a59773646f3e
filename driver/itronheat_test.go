package driver

import "testing"

func FuzzItronheatPayload(f *testing.F) {
	em24FuzzPayload(f, itronheatPayload, "04062C0100000C1429270000066D2D130AE12B00", "426C1F01")
}
