package driver

import "testing"

func FuzzIwmtx5Payload(f *testing.F) {
	em24FuzzPayload(f, iwmtx5Payload, "066D18260AEB25000C13250000000F0D00")
}
