package cul

import (
	"encoding/hex"
	"testing"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// benchFrame is a 47-byte wM-Bus frame without CRCs.
var benchFrame, _ = hex.DecodeString("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F")

func BenchmarkParseLine(b *testing.B) {
	line, err := FormatLine(radio.Frame{Data: benchFrame, RSSI: -70, HasRSSI: true}, wmbus.FormatA)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseLine(line); err != nil {
			b.Fatal(err)
		}
	}
}
