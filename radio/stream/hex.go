package stream

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/wmbus"
)

func hexErr(cause error, detail string) error {
	return &codec.Error{Layer: "hex", Offset: -1, Err: cause, Detail: detail}
}

// ParseHexLine decodes one line of a hex stream into a frame as
// radio.Frame.Data holds it (L first, no CRCs). A line holds one wM-Bus
// frame as hex digits; everything from '#' on is a comment. The digits may
// be grouped by spaces, tabs, commas, colons, '_', '-' or '|', and the
// line or every group may carry a 0x prefix, so "1E44A205...",
// "1e 44 a2 05 ..." and "0x1E, 0x44, ..." are the same frame.
//
// The frame may be given with or without its link-layer CRCs: the shape
// is detected as the decode command does (wmbus.StripCRC with
// wmbus.FormatAuto: format A if block 1's CRC matches, else format B if
// its CRCs match, else no CRCs) and the CRCs are checked and removed. A
// CRC-less frame whose last two bytes happen to match a format B CRC (once
// in 65536) is misread. Bytes after the frame are an error, as the line
// then does not hold what L says.
//
// A blank or comment-only line returns nil and no error. Errors wrap
// codec.ErrMalformed (not hex, bytes after the frame), codec.ErrTruncated
// or codec.ErrCRC (from StripCRC).
func ParseHexLine(line string) ([]byte, error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	groups := strings.FieldsFunc(line, func(r rune) bool {
		switch r {
		case ' ', '\t', '\r', '\n', ',', ':', '_', '-', '|':
			return true
		}
		return false
	})
	if len(groups) == 0 {
		return nil, nil
	}
	var digits strings.Builder
	for _, g := range groups {
		if len(g) > 1 && g[0] == '0' && (g[1] == 'x' || g[1] == 'X') {
			g = g[2:]
		}
		digits.WriteString(g)
	}
	s := digits.String()
	if len(s)%2 == 1 {
		return nil, hexErr(codec.ErrMalformed, "odd number of hex digits ("+strconv.Itoa(len(s))+")")
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		var inv hex.InvalidByteError
		if errors.As(err, &inv) {
			return nil, hexErr(codec.ErrMalformed, "not a hex digit: "+strconv.QuoteRune(rune(inv)))
		}
		return nil, hexErr(codec.ErrMalformed, "not hex")
	}
	data, format, rest, err := wmbus.StripCRC(nil, raw, wmbus.FormatAuto)
	if err != nil {
		return nil, err
	}
	if rest != 0 {
		return nil, hexErr(codec.ErrMalformed, strconv.Itoa(rest)+" bytes after the frame (L="+strconv.Itoa(int(raw[0]))+", format "+format.String()+")")
	}
	return data, nil
}
