package stream

import (
	"errors"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// SplitRaw is a bufio.SplitFunc for raw captures (raw:FILE). A raw capture
// is wireless M-Bus frames as they were on the air once the physical
// coding (3-out-of-6, Manchester) is undone, written back to back with
// nothing between them: each frame starts with its L field and keeps its
// link-layer CRCs, in frame format A (a CRC after the 10-byte block 1 and
// after every 16 bytes; L counts the bytes without CRCs) or format B (L
// counts everything after it, CRCs included). No timestamps, RSSI or
// separators: these are raw bytes, not hex. Frames without CRCs cannot be
// found in such a stream (nothing tells a frame from noise); write them as
// hex lines instead.
//
// Each token is one frame with its CRCs, every CRC verified. A position
// where no valid frame starts (noise, a frame cut short) is skipped one
// byte at a time until one does, so frames after damage are still found.
// Format A is tried before B.
func SplitRaw(data []byte, atEOF bool) (int, []byte, error) {
	for i := range data {
		n, more := rawFrameAt(data[i:])
		switch {
		case n > 0:
			return i + n, data[i : i+n], nil
		case more && !atEOF:
			return i, nil, nil // a frame may start here: need more bytes
		}
	}
	return len(data), nil, nil
}

// rawFrameAt returns the wire length of a valid format A or B frame at
// b[0], or 0 and whether more bytes could make one.
func rawFrameAt(b []byte) (n int, more bool) {
	if len(b) == 0 {
		return 0, true
	}
	_, _, rest, errA := wmbus.StripCRC(nil, b, wmbus.FormatA)
	if errA == nil {
		return len(b) - rest, false
	}
	_, _, rest, errB := wmbus.StripCRC(nil, b, wmbus.FormatB)
	if errB == nil {
		return len(b) - rest, false
	}
	return 0, errors.Is(errA, codec.ErrTruncated) || errors.Is(errB, codec.ErrTruncated)
}

func decodeRaw(tok []byte) (radio.Frame, error) {
	data, _, _, err := wmbus.StripCRC(nil, tok, wmbus.FormatAuto)
	return radio.Frame{Data: data}, err
}
