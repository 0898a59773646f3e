package driver

import "testing"

func FuzzLansenthPayload(f *testing.F) {
	em24FuzzPayload(f, lansenthPayload, "0265840842658308820165950802FB1AAE0142FB1AAE01")
}
