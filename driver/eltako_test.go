package driver

import "testing"

func FuzzEltakoPayload(f *testing.F) {
	em24FuzzPayload(f, eltakoPayload, "02FF680100")
}
