package driver

import "testing"

func FuzzHydrocalm3Payload(f *testing.F) {
	em24FuzzPayload(f, hydrocalm3Payload, "0C0E59600100046D1D36B9290C1367994700", "0A5A1802")
}
