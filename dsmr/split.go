package dsmr

import "bytes"

// MaxTelegramSize is the longest telegram Split and Framer wait for: a
// '/' that is not followed by a '!' line within this many bytes is taken
// for noise and skipped. The longest telegrams seen (smarty, e-MUCS with
// four M-Bus devices) are about 1.5 KiB.
const MaxTelegramSize = 16 << 10

// maxHeaderLen bounds the identification line ('/' to line feed).
const maxHeaderLen = 128

// Split is a bufio.SplitFunc that finds P1 telegrams in a byte stream (a
// serial port, a capture file). Each token runs from '/' through the line
// end of the '!' line and can be given to Parse; it aliases the scanner's
// buffer, so parse it before the next Scan.
//
// The rules, which give the same tokens however the stream is cut into
// reads:
//   - A telegram starts at '/' followed by three letters (the manufacturer
//     code) and a line feed within 128 bytes, with no '(', ')', '!' or '/'
//     in between. Everything before such a header is skipped, including
//     binary noise.
//   - It ends with the first line that starts with '!' (after optional
//     blanks): '!', up to four hexadecimal digits in either case (fewer
//     and none occur), optional blanks, an optional CR and an optional LF.
//     A '!' inside a line does not end it. Bytes after the CRC line belong
//     to the next search.
//   - A new header inside an unfinished telegram (a meter restarted, bytes
//     were lost) abandons the unfinished one and starts again there.
//   - A telegram without a '!' line within MaxTelegramSize bytes is
//     abandoned and the search resumes after its '/': nothing is buffered
//     for ever.
//
// Split skips everything that is not a telegram in one call, as
// bufio.Scanner needs (at EOF it stops after a call without token). A
// framer that also looks for other frames in the same stream (DLMS on a
// P1 port) should ask TelegramAt at each '/' instead, so that Split does
// not skip its frames as noise.
//
// Lines may end in CRLF or a bare LF. Split waits for the byte after a CRC
// to know whether a line end follows, so a meter that sends nothing after
// the CRC digits gets its telegram at the next byte or at EOF; Framer.Flush
// handles that at an idle line. Telegrams without a '!' line at all (some
// DSMR 2.2 Iskra MT382) are never tokens of Split; see
// Framer.AllowMissingEnd.
func Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	adv, tok := split(data, atEOF, MaxTelegramSize, false)
	return adv, tok, nil
}

type hdrState uint8

const (
	hdrNo hdrState = iota
	hdrYes
	hdrMore // cannot tell before more bytes arrive
)

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// headerAt tells whether data[p] == '/' starts a telegram header, and the
// offset just after the header's line feed.
func headerAt(data []byte, p int, atEOF bool) (hdrState, int) {
	for i := 1; i <= 3; i++ {
		if p+i >= len(data) {
			if atEOF {
				return hdrNo, 0
			}
			return hdrMore, 0
		}
		if !isLetter(data[p+i]) {
			return hdrNo, 0
		}
	}
	for q := p + 4; ; q++ {
		if q-p > maxHeaderLen {
			return hdrNo, 0
		}
		if q >= len(data) {
			if atEOF {
				return hdrNo, 0
			}
			return hdrMore, 0
		}
		switch data[q] {
		case '\n':
			return hdrYes, q + 1
		case '(', ')', '!', '/':
			return hdrNo, 0
		}
	}
}

// crcLineEnd returns the end of the CRC line whose '!' is data[k], or
// false when more bytes are needed to know it.
func crcLineEnd(data []byte, k int, atEOF bool) (int, bool) {
	e := k + 1
	for n := 0; n < 4; n++ {
		if e >= len(data) {
			return e, atEOF
		}
		if _, ok := hexDigit(data[e]); !ok {
			break
		}
		e++
	}
	for {
		if e >= len(data) {
			return e, atEOF
		}
		if data[e] != ' ' && data[e] != '\t' {
			break
		}
		e++
	}
	if data[e] == '\r' {
		e++
		if e >= len(data) {
			return e, atEOF
		}
	}
	if data[e] == '\n' {
		e++
	}
	return e, true
}

// split implements Split. With lenient, a telegram without a '!' line is
// returned when the next header begins or at EOF instead of being dropped.
// advance 0 with a nil token asks for more data. It drops noise and
// abandoned telegrams itself and goes on searching in the same call:
// bufio.Scanner stops at EOF after the first call that returns no token.
func split(data []byte, atEOF bool, maxSize int, lenient bool) (int, []byte) {
	from := 0
	for from < len(data) {
		adv, tok, more := split1(data[from:], atEOF, maxSize, lenient)
		if tok != nil {
			return from + adv, tok
		}
		from += adv
		if more {
			return from, nil
		}
	}
	return len(data), nil
}

// split1 looks for one telegram. Without a token, adv bytes can be
// dropped; more asks for more data before searching on.
func split1(data []byte, atEOF bool, maxSize int, lenient bool) (adv int, tok []byte, more bool) {
	start, k := -1, 0
	for i := 0; start < 0; {
		j := bytes.IndexByte(data[i:], '/')
		if j < 0 {
			return len(data), nil, false // no telegram start: drop everything
		}
		p := i + j
		switch st, next := headerAt(data, p, atEOF); st {
		case hdrYes:
			start, k = p, next
		case hdrMore:
			return p, nil, true // keep from this '/' on
		default:
			i = p + 1
		}
	}
	return body(data, start, k, atEOF, maxSize, lenient)
}

// body scans the telegram whose header data[start:k] is; k is at the
// start of the first line after it. Results as split1.
func body(data []byte, start, k int, atEOF bool, maxSize int, lenient bool) (adv int, tok []byte, more bool) {
	for {
		if k-start > maxSize {
			return start + 1, nil, false // too long without '!': resync after this '/'
		}
		q := k
		for q < len(data) && (data[q] == ' ' || data[q] == '\t' || data[q] == '\r') {
			q++
		}
		if q < len(data) && data[q] == '!' {
			end, ok := crcLineEnd(data, q, atEOF)
			if !ok {
				return start, nil, true
			}
			return end, data[start:end], false
		}
		lineEnd := len(data)
		nl := bytes.IndexByte(data[q:], '\n')
		if nl >= 0 {
			lineEnd = q + nl
		}
		for s := q; s < lineEnd; {
			j := bytes.IndexByte(data[s:lineEnd], '/')
			if j < 0 {
				break
			}
			p := s + j
			switch st, _ := headerAt(data, p, atEOF); st {
			case hdrYes:
				if lenient && p-start <= maxSize {
					return p, data[start:p], false
				}
				return p, nil, false // abandon the unfinished telegram
			case hdrMore:
				return start, nil, true
			}
			s = p + 1
		}
		if nl < 0 {
			break
		}
		k = lineEnd + 1
	}
	// The data ends inside the telegram.
	switch {
	case len(data)-start > maxSize:
		return start + 1, nil, false
	case !atEOF:
		return start, nil, true
	case lenient:
		return len(data), data[start:], false
	}
	return len(data), nil, false
}

// TelegramAt tells whether a complete telegram starts at data[0], for
// framers that look for several kinds of frames in one stream (DSMR text
// and DLMS ciphered frames on a P1 port) and so cannot let Split skip
// bytes on their behalf. It follows Split's rules: n > 0 means data[:n] is
// a telegram (through its CRC line); n == 0 with more means the answer
// needs more bytes (never at EOF); n == 0 without more means no telegram
// starts here (not a header, a new header inside it, no '!' line within
// MaxTelegramSize): skip this byte and look on.
func TelegramAt(data []byte, atEOF bool) (n int, more bool) {
	if len(data) == 0 || data[0] != '/' {
		return 0, false
	}
	switch st, k := headerAt(data, 0, atEOF); st {
	case hdrMore:
		return 0, true
	case hdrYes:
		_, tok, more := body(data, 0, k, atEOF, MaxTelegramSize, false)
		if tok != nil {
			return len(tok), false
		}
		return 0, more
	}
	return 0, false
}

// Framer finds telegrams in chunks of bytes as a serial port delivers them:
// Write what was read, then call Next until it returns nil. After the line
// has been idle for a while (e.g. 100 ms; meters pause about a second
// between telegrams), call Flush. It follows Split's rules.
//
// A Framer is not safe for concurrent use. Its zero value is ready.
type Framer struct {
	// MaxSize overrides MaxTelegramSize when positive.
	MaxSize int
	// AllowMissingEnd makes Next and Flush also return telegrams that have
	// no '!' line, ended by the next header or by Flush: some DSMR 2.2
	// meters (Iskra MT382) never send one. Parse returns such a telegram
	// with every line and codec.ErrTruncated.
	AllowMissingEnd bool

	buf     []byte
	off     int
	dropped int64
}

func (f *Framer) maxSize() int {
	if f.MaxSize > 0 {
		return f.MaxSize
	}
	return MaxTelegramSize
}

// Write appends p to the buffer. It never fails.
func (f *Framer) Write(p []byte) (int, error) {
	if f.off > 0 && f.off >= len(f.buf)/2 {
		n := copy(f.buf, f.buf[f.off:])
		f.buf = f.buf[:n]
		f.off = 0
	}
	f.buf = append(f.buf, p...)
	return len(p), nil
}

// Next returns the next complete telegram, or nil when none is complete
// yet. The returned slice is a copy the caller owns.
func (f *Framer) Next() []byte { return f.next(false) }

// Flush ends the input seen so far, as at the end of a file: a telegram
// whose CRC line has not ended is returned (so is one without '!' when
// AllowMissingEnd is set), and every other buffered byte is dropped. Call
// Next until nil before Flush.
func (f *Framer) Flush() []byte {
	tok := f.next(true)
	if tok == nil {
		f.dropped += int64(len(f.buf) - f.off)
		f.buf, f.off = f.buf[:0], 0
	}
	return tok
}

func (f *Framer) next(atEOF bool) []byte {
	for f.off < len(f.buf) {
		adv, tok := split(f.buf[f.off:], atEOF, f.maxSize(), f.AllowMissingEnd)
		if adv == 0 && tok == nil {
			return nil
		}
		f.off += adv
		if tok == nil {
			f.dropped += int64(adv)
			continue
		}
		f.dropped += int64(adv - len(tok))
		return bytes.Clone(tok)
	}
	return nil
}

// Buffered returns the number of bytes waiting for the rest of a telegram.
func (f *Framer) Buffered() int { return len(f.buf) - f.off }

// Dropped returns how many bytes were discarded so far: noise between
// telegrams, abandoned and oversized telegrams.
func (f *Framer) Dropped() int64 { return f.dropped }

// Reset empties the buffer and the counter.
func (f *Framer) Reset() { f.buf, f.off, f.dropped = f.buf[:0], 0, 0 }
