package driver

import "testing"

func FuzzCompact5Payload(f *testing.F) {
	em24FuzzPayload(f, compact5Payload, "009F2777010060780000000A00")
}
