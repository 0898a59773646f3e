package driver

import (
	"encoding/hex"
	"testing"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// em24FuzzPayload runs payload on records parsed from fuzzed bytes (and
// on the bytes as application data), with and without a TPL header: it
// must never panic.
func em24FuzzPayload(f *testing.F, payload func([]mbus.Record, []byte, *Output) error, seeds ...string) {
	for _, s := range seeds {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, byte(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, sts byte) {
		var p mbus.Parser
		recs, _ := p.Parse(b)
		_ = payload(recs, b, &Output{})
		tel := &wmbus.Telegram{TPL: wmbus.TPL{Present: true, Header: wmbus.HeaderShort, STS: sts}}
		_ = payload(recs, b, &Output{Telegram: tel})
		_ = payload(nil, b, &Output{Telegram: tel})
	})
}

func FuzzEm24Payload(f *testing.F) {
	em24FuzzPayload(f, em24Payload, "0405F208000004FB82753F00000004853C0000000004FB82F53CCA01000001FD1722", "02FB2EF40101FD1700")
}
