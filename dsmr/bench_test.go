package dsmr

import (
	"testing"
)

func BenchmarkParseDSMR5(b *testing.B) {
	data := readCorpus(b, "dsmr_parser__TELEGRAM_V5.txt")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSmarty(b *testing.B) {
	data := readCorpus(b, "luxmetering_smarty_spec_v1.1.3_appendixA_reconstructed.txt")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplit frames a stream of every corpus telegram with noise
// between them.
func BenchmarkSplit(b *testing.B) {
	var stream []byte
	n := 0
	for _, tel := range endedCorpus(b) {
		stream = append(stream, "\x00\xff noise / ! \r\n"...)
		stream = append(stream, tel...)
		n++
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		data, got := stream, 0
		for len(data) > 0 {
			adv, tok, _ := Split(data, true)
			if tok != nil {
				got++
			}
			if adv == 0 {
				break
			}
			data = data[adv:]
		}
		if got != n {
			b.Fatalf("%d telegrams, want %d", got, n)
		}
	}
}

func BenchmarkFields(b *testing.B) {
	tel := parseCorpus(b, "dsmr_parser__TELEGRAM_V5.txt")
	b.ReportAllocs()
	for b.Loop() {
		if len(tel.Fields()) == 0 {
			b.Fatal("no fields")
		}
	}
}

func BenchmarkLayers(b *testing.B) {
	tel := parseCorpus(b, "dsmr_parser__TELEGRAM_V5.txt")
	b.ReportAllocs()
	for b.Loop() {
		_ = tel.Layers()
	}
}

func BenchmarkChecksum(b *testing.B) {
	data := readCorpus(b, "dsmr_parser__TELEGRAM_V5.txt")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_ = checksum(data)
	}
}
