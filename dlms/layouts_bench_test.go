package dlms

import "testing"

func benchNotification(b *testing.B, file string) DataNotification {
	fr, _, err := ParseHDLC(read(b, file))
	if err != nil {
		b.Fatal(err)
	}
	n, err := ParseDataNotification(fr.APDU)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkObjectsAidon detects the layout of aidon-example-2 (27
// {OBIS, value, {scaler, unit}} structures) and maps it.
func BenchmarkObjectsAidon(b *testing.B) {
	n := benchNotification(b, "node-dsmr-parser__aidon-example-2.bin")
	b.ReportAllocs()
	for b.Loop() {
		if objs, _, err := Objects(&n, nil); err != nil || len(objs) != 27 {
			b.Fatal(len(objs), err)
		}
	}
}

// BenchmarkLayoutKaifa detects and maps the positional Kaifa MA304H3E
// list (13 elements, KFM_001).
func BenchmarkLayoutKaifa(b *testing.B) {
	n := benchNotification(b, "esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin")
	b.ReportAllocs()
	for b.Loop() {
		if objs, l, err := Objects(&n, nil); err != nil || len(objs) != 14 || l.Name != "kaifa-kfm001-list2-3p" {
			b.Fatal(len(objs), err)
		}
	}
}

// BenchmarkFieldsAidon names the aidon-example-2 objects.
func BenchmarkFieldsAidon(b *testing.B) {
	n := benchNotification(b, "node-dsmr-parser__aidon-example-2.bin")
	objs, _, _ := Objects(&n, nil)
	b.ReportAllocs()
	for b.Loop() {
		if f := Fields(objs); len(f) < 20 {
			b.Fatal(len(f))
		}
	}
}
