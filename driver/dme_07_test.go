package driver

import "testing"

func FuzzDme07Payload(f *testing.F) {
	em24FuzzPayload(f, dme07Payload, "04130347030002FD170000")
}
