package mbus

import "testing"

// Meters with the same layout share one Format, and learning a known
// layout again allocates nothing.
func TestSignaturesShareFormats(t *testing.T) {
	recs := []Record{{DIB: []byte{0x04}, VIB: []byte{0x13}}, {DIB: []byte{0x02}, VIB: []byte{0xFD, 0x17}}}
	other := []Record{{DIB: []byte{0x04}, VIB: []byte{0x06}}}
	var s Signatures
	s.Learn(1, recs)
	s.Learn(2, recs)
	s.Learn(3, other)
	sig := Signature(recs)
	a, b := s.Lookup(1, sig), s.Lookup(2, sig)
	if a == nil || a != b {
		t.Fatalf("not shared: %p %p", a, b)
	}
	if c := s.Lookup(3, Signature(other)); c == nil || c == a || !c.matches(other) || c.matches(recs) {
		t.Fatalf("other layout: %+v", c)
	}
	if n := testing.AllocsPerRun(100, func() { s.Learn(1, recs) }); n != 0 {
		t.Errorf("relearning a known layout allocates %v times", n)
	}
	if s.Len() != 3 {
		t.Errorf("len %d", s.Len())
	}
}
