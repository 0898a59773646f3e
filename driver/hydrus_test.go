package driver

import "testing"

func FuzzHydrusPayload(f *testing.F) {
	em24FuzzPayload(f, hydrusPayload, "0C137411000002FD7487130BFD0F00", "02FD1708000274FFFF")
}
