package stream

import (
	"testing"

	"github.com/meterwire/meterwire/wmbus"
)

func BenchmarkParseHexLine(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseHexLine("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitRaw(b *testing.B) {
	frame, err := ParseHexLine("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F")
	if err != nil {
		b.Fatal(err)
	}
	raw, err := wmbus.AppendCRC(nil, frame, wmbus.FormatA)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		if _, tok, err := SplitRaw(raw, true); err != nil || tok == nil {
			b.Fatal(err)
		}
	}
}
