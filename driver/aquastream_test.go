package driver

import "testing"

func FuzzAquastreamPayload(f *testing.F) {
	em24FuzzPayload(f, aquastreamPayload, "02FD74DB1502FD173000")
}
