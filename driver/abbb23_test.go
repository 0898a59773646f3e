package driver

import "testing"

func FuzzAbbb23Payload(f *testing.F) {
	em24FuzzPayload(f, abbb23Payload, "0DFFAA000B3030312D31313120333242")
}
