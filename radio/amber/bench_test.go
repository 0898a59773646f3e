package amber

import (
	"encoding/hex"
	"testing"

	"github.com/meterwire/meterwire/radio"
)

// benchFrame is a 47-byte wM-Bus frame without CRCs.
var benchFrame, _ = hex.DecodeString("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F")

func BenchmarkDecodeIndication(b *testing.B) {
	c, err := Indication(radio.Frame{Data: benchFrame, RSSI: -70, HasRSSI: true})
	if err != nil {
		b.Fatal(err)
	}
	in := Encode(c)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		c, _, err := Decode(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := FrameFromIndication(c, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTransparent(b *testing.B) {
	in, err := Transparent(radio.Frame{Data: benchFrame, RSSI: -70, HasRSSI: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := ParseTransparent(in); err != nil {
			b.Fatal(err)
		}
	}
}
