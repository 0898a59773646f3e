package driver

import "testing"

func FuzzEurisiiPayload(f *testing.F) {
	em24FuzzPayload(f, eurisiiPayload, "0B6E33221102FD172100")
}
