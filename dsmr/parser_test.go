package dsmr

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// A reused Parser gives the same telegrams as Parse, file after file.
func TestParserReuseMatchesParse(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		data := readCorpus(t, e.Name())
		want, werr := Parse(data)
		got, gerr := p.Parse(data)
		if (werr == nil) != (gerr == nil) || want == nil != (got == nil) {
			t.Fatalf("%s: errors %v / %v", e.Name(), werr, gerr)
		}
		if want != nil && (!reflect.DeepEqual(want.Objects, got.Objects) || want.CRC != got.CRC || want.Header != got.Header || want.Profile != got.Profile) {
			t.Fatalf("%s: reused parser differs", e.Name())
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d files", n)
	}
}

func BenchmarkParserDSMR5(b *testing.B) {
	data := readCorpus(b, "dsmr_parser__TELEGRAM_V5.txt")
	var p Parser
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
