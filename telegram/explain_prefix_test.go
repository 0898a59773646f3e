package telegram

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// Explaining a truncated frame never reads past its end: every prefix of
// a wired and a wireless frame, each in a slice of exactly its length (a
// slice with spare capacity once hid an out-of-range read here; the fuzzer
// found it).
func TestExplainPrefixesExactCapacity(t *testing.T) {
	for _, h := range []string{
		"6820206808FD7278563412931533032A0000000C1427048502046D32371F1502FD1700008916",
		"434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1",
	} {
		full, _ := hex.DecodeString(h)
		for n := 1; n <= len(full); n++ {
			in := slices.Clip(slices.Clone(full[:n]))
			var d Decoder
			res, err := d.Decode(in)
			if res != nil {
				res.Report(true, err)
			}
			d.WMBus.Format = wmbus.FormatNone // and without CRC detection
			if res, err := d.Decode(in); res != nil {
				res.Report(true, err)
			}
		}
	}
}

// The libmbus frame the fuzzer tripped over, re-framed as the fuzz target
// does, decoded by a fresh decoder.
func TestExplainLibmbusReframed(t *testing.T) {
	for _, raw := range lmAllFrames(t) {
		if len(raw) < 7 || raw[0] != mbus.LongByte {
			continue
		}
		fixed, err := mbus.AppendLong(nil, raw[4], raw[5], raw[6], raw[7:min(len(raw), 7+252)])
		if err != nil {
			continue
		}
		var d Decoder
		if res, err := d.Decode(fixed); res != nil {
			res.Report(true, err)
		}
	}
}
