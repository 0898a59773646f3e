package driver

import "testing"

func FuzzFhkvdataiiiPayload(f *testing.F) {
	f.Add(mustHex("119F27020480048300C408F709143C003D341A2B0B2A0707000000000000062D114457563D71A1850000"))
	f.Add(mustHex("0F9F292D005024040011BD0838090400"))
	f.Add(mustHex("0F9F292D0050240400"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, apl []byte) {
		var out Output
		_ = fhkvdataiiiPayload(nil, apl, &out)
	})
}
