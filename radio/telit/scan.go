package telit

import (
	"bytes"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// scanner finds the received frames in the module's data-mode output and
// the response lines in its AT-mode output. It resynchronises after
// garbage and half frames:
//
//   - a length byte below 10, or a C field EN 13757-4 does not define,
//     cannot start a frame: the byte is skipped;
//   - the module writes each frame in one burst, so a frame never spans a
//     pause on the UART: a candidate frame that would reach across the
//     start of a burst (bytes that came after a silence of at least the
//     frame gap) is a half frame and is dropped up to that burst.
//
// It is pure (the caller supplies arrival times) so that it can be
// fuzzed.
type scanner struct {
	mask   FieldMask
	buf    []byte
	bursts []int   // offsets in buf where a burst starts, ascending, > 0
	chunks []chunk // arrival of the bytes in buf, ascending ends
}

// chunk says that the bytes of buf up to end arrived at t.
type chunk struct {
	end int
	t   time.Time
}

// add appends bytes that arrived at t; burst says they came after a
// silence of at least the frame gap.
func (s *scanner) add(b []byte, t time.Time, burst bool) {
	if len(b) == 0 {
		return
	}
	if burst && len(s.buf) > 0 {
		s.bursts = append(s.bursts, len(s.buf))
	}
	s.buf = append(s.buf, b...)
	s.chunks = append(s.chunks, chunk{len(s.buf), t})
}

// drop discards the first n bytes.
func (s *scanner) drop(n int) {
	n = min(n, len(s.buf))
	if n == len(s.buf) {
		s.reset()
		return
	}
	s.buf = s.buf[n:]
	k := 0
	for _, b := range s.bursts {
		if b > n {
			s.bursts[k] = b - n
			k++
		}
	}
	s.bursts = s.bursts[:k]
	k = 0
	for _, c := range s.chunks {
		if c.end > n {
			s.chunks[k] = chunk{c.end - n, c.t}
			k++
		}
	}
	s.chunks = s.chunks[:k]
}

// reset discards everything buffered.
func (s *scanner) reset() {
	s.buf = s.buf[:0]
	s.bursts = s.bursts[:0]
	s.chunks = s.chunks[:0]
}

// timeAt is the arrival time of byte end-1.
func (s *scanner) timeAt(end int) time.Time {
	for _, c := range s.chunks {
		if c.end >= end {
			return c.t
		}
	}
	return time.Time{}
}

// burstWithin returns the first burst start in (0, end), or 0. The bursts
// are ascending and > 0, so that is the first burst if it starts before
// end: next drops the bytes up to it and looks at the burst itself, which
// may hold a whole frame before the next burst.
func (s *scanner) burstWithin(end int) int {
	if len(s.bursts) > 0 && s.bursts[0] < end {
		return s.bursts[0]
	}
	return 0
}

// next returns the next complete frame (its Data a fresh slice), skipping
// what cannot be a frame; ok is false when the buffer holds no complete
// frame yet. The mask must select L, C, M, A and CI.
func (s *scanner) next() (fr radio.Frame, ok bool) {
	pre := 0
	if s.mask.Has(FieldWakeUp) {
		pre = 1
	}
	tr := trailerLen(s.mask)
	for len(s.buf) > pre {
		l := int(s.buf[pre])
		if l < headerLen || len(s.buf) > pre+1 && wmbus.CFieldName(s.buf[pre+1]) == "" {
			s.drop(1)
			continue
		}
		n := pre + 1 + l + tr
		if b := s.burstWithin(min(n, len(s.buf))); b > 0 {
			s.drop(b)
			continue
		}
		if len(s.buf) < n {
			return radio.Frame{}, false
		}
		fr, _, err := ParseReceive(s.buf[:n], s.mask)
		if err != nil {
			s.drop(1)
			continue
		}
		fr.Data = bytes.Clone(fr.Data)
		fr.Time = s.timeAt(n)
		s.drop(n)
		return fr, true
	}
	return radio.Frame{}, false
}

// line returns the next non-empty AT-mode response line without its CR or
// LF; ok is false when no complete line is buffered.
func (s *scanner) line() (line []byte, ok bool) {
	for {
		i := bytes.IndexAny(s.buf, "\r\n")
		if i < 0 {
			return nil, false
		}
		line = bytes.Clone(s.buf[:i])
		s.drop(i + 1)
		if len(trimSpace(line)) > 0 {
			return line, true
		}
	}
}
