package radio

import "testing"

func TestLinkModes(t *testing.T) {
	for i := ModeS1; i <= ModeF2; i++ {
		m, ok := ParseLinkMode(i.String())
		if !ok || m != i {
			t.Fatalf("%v", i)
		}
	}
	if m, ok := ParseLinkMode("n2"); !ok || m != ModeN2 {
		t.Fatal("n2")
	}
	if _, ok := ParseLinkMode("x9"); ok {
		t.Fatal("x9 accepted")
	}
}
