package telit

import (
	"encoding/hex"
	"testing"
)

// benchFrame is a 47-byte wM-Bus frame without CRCs.
var benchFrame, _ = hex.DecodeString("2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F")

func BenchmarkParseReceive(b *testing.B) {
	in, err := AppendReceive(nil, benchFrame, FieldsReceive, 2, -70, 0xFF)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		if _, _, err := ParseReceive(in, FieldsReceive); err != nil {
			b.Fatal(err)
		}
	}
}
