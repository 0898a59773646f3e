package driver

import (
	"testing"

	"github.com/meterwire/meterwire/wmbus"
)

func TestIzarv2Descramble(t *testing.T) {
	f := mustHex("1944304C72242421D401A2013D4013DD8B46A4999C1293E582CC")
	p := izarv2Descramble(f, izarv2Keys[0])
	if p == nil {
		p = izarv2Descramble(f, izarv2Keys[1])
	}
	if p == nil || p[0] != 0x4B {
		t.Fatalf("descrambled %x", p)
	}
}

func FuzzIzarv2Payload(f *testing.F) {
	f.Add(mustHex("1944304C72242421D401A2013D4013DD8B46A4999C1293E582CC"))
	f.Add(mustHex("2944A511780729662366A20118001378D3B3DB8CEDD77731F25832AAF3DA8CADF9774EA673172E8C61F2"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		tel := &wmbus.Telegram{Frame: frame}
		if len(frame) >= 10 {
			tel.Link.Manufacturer = uint16(frame[3])<<8 | uint16(frame[2])
		}
		out := Output{Telegram: tel}
		_ = izarv2Payload(nil, nil, &out)
		for _, k := range izarv2Keys {
			_ = izarv2Descramble(frame, k)
		}
	})
}
