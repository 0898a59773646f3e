package driver

import "testing"

func FuzzQheat55usPayload(f *testing.F) {
	em24FuzzPayload(f, qheat55usPayload, "8C01060590000000CC010698850000")
}
