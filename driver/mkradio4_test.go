package driver

import "testing"

func TestMkradio4Values(t *testing.T) {
	var out Output
	if err := mkradio4Payload(nil, mustHex("067029010060170300040003"), &out); err != nil {
		t.Fatal(err)
	}
	if out.Values["target_m3"] != 0.1 || !sameValue(out.Values["total_m3"], 0.4) {
		t.Errorf("got %v", out.Values)
	}
}

func FuzzMkradio4Payload(f *testing.F) {
	f.Add(mustHex("067029010060170300040003"))
	f.Add([]byte{0x06, 0x70})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out Output
		_ = mkradio4Payload(nil, data, &out)
	})
}
