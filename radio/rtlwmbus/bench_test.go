package rtlwmbus

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/meterwire/meterwire/radio"
)

// benchFrame is a 47-byte wM-Bus frame without CRCs.
var benchFrame, _ = hex.DecodeString("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F")

func BenchmarkParseLine(b *testing.B) {
	line, err := FormatLine(Line{Mode: radio.ModeT1, ModeText: "T1", CRCOK: true, ThreeOfSix: true, Time: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Frame: benchFrame})
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
