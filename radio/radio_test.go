package radio

import (
	"testing"

	"github.com/meterwire/meterwire/internal/streamtest"
)

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

func TestSplitLines(t *testing.T) {
	got := streamtest.Scan(t, streamtest.Chunks([]byte("\r\n\na\r\n\r\nb\nc"), 1), SplitLines)
	if len(got) != 3 || string(got[0]) != "a" || string(got[1]) != "b" || string(got[2]) != "c" {
		t.Fatalf("%q", got)
	}
}
