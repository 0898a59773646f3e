package driver

import "testing"

func FuzzElf2Payload(f *testing.F) {
	em24FuzzPayload(f, elf2Payload, "02FD170300")
}
