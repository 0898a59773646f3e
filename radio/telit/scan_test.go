package telit

import (
	"bytes"
	"testing"
	"time"

	"github.com/meterwire/meterwire/wmbus"
)

func TestScannerResync(t *testing.T) {
	frame := unhex(t, ellFrame)
	one, _ := AppendReceive(nil, frame, FieldsReceive, 3, -70, 0)
	t0 := time.Unix(1000, 0)
	s := scanner{mask: FieldsReceive}
	s.add([]byte{0x00, 0x05, 0x4F, 0x4B}, t0, false) // noise: short lengths, "OK"
	s.add(one[:20], t0, false)                       // half a frame
	if _, ok := s.next(); ok {
		t.Fatal("frame from noise")
	}
	s.add(one, t0.Add(time.Second), true) // after a pause: a new burst
	s.add(one, t0.Add(2*time.Second), false)
	for i := range 2 {
		fr, ok := s.next()
		if !ok || !bytes.Equal(fr.Data, frame) || fr.RSSI != -70 || fr.LQI != 3 || !fr.Time.Equal(t0.Add(time.Duration(i+1)*time.Second)) {
			t.Fatalf("frame %d: %+v %v", i, fr, ok)
		}
	}
	if _, ok := s.next(); ok || len(s.buf) != 0 {
		t.Fatalf("left % X", s.buf)
	}
	s.add([]byte("OK\r\n\r\nATS400=16\rpartial"), t0, false)
	for _, want := range []string{"OK", "ATS400=16"} {
		if l, ok := s.line(); !ok || string(l) != want {
			t.Fatalf("line %q %v, want %q", l, ok, want)
		}
	}
	if l, ok := s.line(); ok {
		t.Fatalf("line %q from a partial line", l)
	}
}

// FuzzScanner feeds arbitrary bytes in arbitrary chunks, then a whole
// frame after a pause: the scanner never panics, returns only frames that
// are well formed, and always finds the frame after the pause.
func FuzzScanner(f *testing.F) {
	frame, _ := AppendReceive(nil, unhex(f, ellFrame), FieldsReceive, 3, -70, 0)
	f.Add(frame[:20], []byte{3, 7}, byte(0))
	f.Add([]byte{0x00, 0x05, 0x4F, 0x4B, 0x0D, 0x2A, 0x44}, []byte{1}, byte(FieldWakeUp))
	f.Add(append(frame[:5:5], frame...), []byte{5, 0x85}, byte(0))
	f.Fuzz(func(t *testing.T, noise, cuts []byte, extra byte) {
		mask := FieldsHeader | FieldMask(extra)&(FieldLQI|FieldRSSI|FieldWakeUp)
		want := unhex(t, ellFrame)
		good, err := AppendReceive(nil, want, mask, 2, -80, 0xFF)
		if err != nil {
			t.Fatal(err)
		}
		s := scanner{mask: mask}
		t0 := time.Unix(0, 0)
		check := func() (last []byte) {
			for {
				fr, ok := s.next()
				if !ok {
					break
				}
				if len(fr.Data) < 11 || int(fr.Data[0]) != len(fr.Data)-1 || wmbus.CFieldName(fr.Data[1]) == "" {
					t.Fatalf("bad frame % X", fr.Data)
				}
				last = fr.Data
			}
			prev := 0
			for _, b := range s.bursts {
				if b <= prev || b >= len(s.buf) {
					t.Fatalf("bursts %v, %d bytes", s.bursts, len(s.buf))
				}
				prev = b
			}
			return last
		}
		rest := noise
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) {
				n = min(n, int(cuts[i]&0x7F)+1)
			}
			s.add(rest[:n], t0, i < len(cuts) && cuts[i]&0x80 != 0)
			rest = rest[n:]
			check()
			if i%3 == 0 {
				s.line() // AT mode reads lines from the same buffer
			}
		}
		s.add(good, t0, true)
		if last := check(); !bytes.Equal(last, want) || len(s.buf) != 0 {
			t.Fatalf("after the pause: % X, left % X", last, s.buf)
		}
	})
}

// A half frame whose length byte reaches across two later bursts, each a
// whole frame: the scanner gives up the half frame at the first burst, so
// both frames come out (dropping up to a later burst would lose the one in
// between).
func TestScannerHalfFrameAcrossBursts(t *testing.T) {
	frame := unhex(t, ellFrame)
	one, _ := AppendReceive(nil, frame, FieldsReceive, 3, -70, 0)
	two, _ := AppendReceive(nil, frame, FieldsReceive, 4, -60, 0)
	t0 := time.Unix(1000, 0)
	s := scanner{mask: FieldsReceive}
	s.add([]byte{200, 0x44, 0xAE, 0x0C, 0x78}, t0, false) // announces 200 bytes, then stops
	s.add(one, t0.Add(time.Second), true)
	s.add(two, t0.Add(2*time.Second), true)
	if len(s.bursts) != 2 || s.burstWithin(len(s.buf)) != s.bursts[0] {
		t.Fatalf("bursts %v, burstWithin %d", s.bursts, s.burstWithin(len(s.buf)))
	}
	for i, want := range []struct {
		lqi, rssi int
	}{{3, -70}, {4, -60}} {
		fr, ok := s.next()
		if !ok || !bytes.Equal(fr.Data, frame) || fr.LQI != want.lqi || fr.RSSI != want.rssi || !fr.Time.Equal(t0.Add(time.Duration(i+1)*time.Second)) {
			t.Fatalf("frame %d: %+v %v", i, fr, ok)
		}
	}
	if _, ok := s.next(); ok || len(s.buf) != 0 || len(s.bursts) != 0 {
		t.Fatalf("left % X, bursts %v", s.buf, s.bursts)
	}
}

func TestBurstWithin(t *testing.T) {
	s := scanner{bursts: []int{5, 9, 14}}
	for _, c := range []struct{ end, want int }{{1, 0}, {5, 0}, {6, 5}, {9, 5}, {10, 5}, {100, 5}} {
		if got := s.burstWithin(c.end); got != c.want {
			t.Errorf("burstWithin(%d) = %d, want %d", c.end, got, c.want)
		}
	}
	s.bursts = nil
	if got := s.burstWithin(100); got != 0 {
		t.Errorf("no bursts: %d", got)
	}
}
