// Package rtlwmbus parses and builds the lines rtl_wmbus (an RTL-SDR
// software receiver) prints for each received frame:
//
//	MODE;CRC_OK;3OUTOF6OK;TIMESTAMP;PACKET_RSSI;CURRENT_RSSI;LINK_LAYER_IDENT_NO;0x<frame>
//	T1;1;1;2019-02-09 07:14:18.000;117;102;94740459;0x4944...
//
// The frame is printed without CRC bytes and with L counting the CRC-less
// frame (also for C1 format B frames). 3OUTOF6OK only matters for T1 (it
// is 1 for C1 and S1). The RSSI columns are rtl_wmbus' own units, not dBm.
//
// Everything here is pure: no I/O.
package rtlwmbus

import (
	"bufio"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// TimeLayout is the layout of the TIMESTAMP column (local time).
const TimeLayout = "2006-01-02 15:04:05.000"

// Line is one output line with every column.
type Line struct {
	Mode        radio.LinkMode // ModeUnknown when the column names no known mode
	ModeText    string         // the MODE column as printed ("T1", "C1", "S1")
	CRCOK       bool
	ThreeOfSix  bool // 3-out-of-6 decoding without errors (T1)
	Time        time.Time
	PacketRSSI  int    // rtl_wmbus units, not dBm
	CurrentRSSI int    // rtl_wmbus units, not dBm
	ID          string // link-layer identification number as printed
	Frame       []byte // CRC-less, L = len-1
}

func rtlErr(cause error, off int, detail string) error {
	return &codec.Error{Layer: "rtlwmbus", Offset: off, Err: cause, Detail: detail}
}

// ParseLineInfo decodes every column of line (line ending optional). The
// timestamp is read in loc (rtl_wmbus prints local time; nil means
// time.Local). Older rtl_wmbus versions printed C1 format B frames with
// their CRCs (L counting them), so the frame goes through wmbus.StripCRC
// with format detection: CRCs that match are stripped (a CRC-less frame
// whose last two bytes happen to match a format B CRC, once in 65536, is
// misread).
//
// Errors wrap codec.ErrMalformed (too few columns, bad numbers, time or
// hex, bytes after the frame), codec.ErrTruncated or codec.ErrCRC (from
// StripCRC). CRC_OK = 0 and 3OUTOF6OK = 0 are not errors here; ParseLine
// rejects them.
func ParseLineInfo(line string, loc *time.Location) (Line, error) {
	var l Line
	line = strings.TrimRight(line, "\r\n ")
	cols := strings.Split(line, ";")
	if len(cols) < 8 {
		return l, rtlErr(codec.ErrMalformed, -1, "want 8 semicolon-separated columns, got "+strconv.Itoa(len(cols)))
	}
	l.ModeText = cols[0]
	l.Mode, _ = radio.ParseLinkMode(cols[0])
	var err error
	if l.CRCOK, err = flag(cols[1]); err != nil {
		return l, err
	}
	if l.ThreeOfSix, err = flag(cols[2]); err != nil {
		return l, err
	}
	if loc == nil {
		loc = time.Local
	}
	if l.Time, err = time.ParseInLocation(TimeLayout, cols[3], loc); err != nil {
		return l, rtlErr(codec.ErrMalformed, -1, "bad timestamp "+strconv.Quote(cols[3]))
	}
	if l.PacketRSSI, err = strconv.Atoi(cols[4]); err != nil {
		return l, rtlErr(codec.ErrMalformed, -1, "bad packet RSSI "+strconv.Quote(cols[4]))
	}
	if l.CurrentRSSI, err = strconv.Atoi(cols[5]); err != nil {
		return l, rtlErr(codec.ErrMalformed, -1, "bad current RSSI "+strconv.Quote(cols[5]))
	}
	l.ID = cols[6]
	hx, ok := strings.CutPrefix(cols[7], "0x")
	if !ok {
		return l, rtlErr(codec.ErrMalformed, -1, "frame column does not start with 0x")
	}
	raw, err := hex.DecodeString(hx)
	if err != nil {
		return l, rtlErr(codec.ErrMalformed, -1, "bad hex: "+err.Error())
	}
	data, _, rest, err := wmbus.StripCRC(nil, raw, wmbus.FormatAuto)
	if err != nil {
		return l, err
	}
	if rest != 0 {
		return l, rtlErr(codec.ErrMalformed, len(raw)-rest, "bytes after the frame")
	}
	l.Frame = data
	return l, nil
}

func flag(s string) (bool, error) {
	switch s {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, rtlErr(codec.ErrMalformed, -1, "flag column must be 0 or 1, got "+strconv.Quote(s))
}

// ParseLine decodes one line into a radio.Frame with Time (local time)
// and Mode set; RSSI is not set (rtl_wmbus does not report dBm; see
// ParseLineInfo). Errors as ParseLineInfo, plus codec.ErrCRC when
// rtl_wmbus reports a CRC or 3-out-of-6 error.
func ParseLine(line string) (radio.Frame, error) {
	l, err := ParseLineInfo(line, nil)
	if err != nil {
		return radio.Frame{}, err
	}
	if !l.CRCOK || !l.ThreeOfSix {
		return radio.Frame{}, rtlErr(codec.ErrCRC, -1, "rtl_wmbus reports a CRC or 3-out-of-6 error")
	}
	return radio.Frame{Data: l.Frame, Time: l.Time, Mode: l.Mode}, nil
}

// FormatLine builds the line rtl_wmbus prints for l (without line
// ending), hex in lower case, frame without CRCs. ModeText is used when
// set, else Mode's name; an empty ID is derived from the frame's A field.
// Errors wrap codec.ErrMalformed when l.Frame is not a frame with L =
// len-1.
func FormatLine(l Line) (string, error) {
	f := l.Frame
	if len(f) < 10 || int(f[0]) != len(f)-1 {
		return "", rtlErr(codec.ErrMalformed, 0, "frame must hold a link header with L = length-1")
	}
	mode := l.ModeText
	if mode == "" {
		mode = l.Mode.String()
	}
	id := l.ID
	if id == "" {
		id = hex.EncodeToString([]byte{f[7], f[6], f[5], f[4]})
	}
	b := make([]byte, 0, 64+2*len(f))
	b = append(b, mode...)
	b = append(b, ';', bit(l.CRCOK), ';', bit(l.ThreeOfSix), ';')
	b = l.Time.AppendFormat(b, TimeLayout)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(l.PacketRSSI), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(l.CurrentRSSI), 10)
	b = append(b, ';')
	b = append(b, id...)
	b = append(b, ";0x"...)
	b = hex.AppendEncode(b, f)
	return string(b), nil
}

func bit(v bool) byte {
	if v {
		return '1'
	}
	return '0'
}

// SplitLines is a bufio.SplitFunc for rtl_wmbus output: lines ended by LF or
// CR LF, the ending removed, empty lines skipped (radio.SplitLines).
var SplitLines bufio.SplitFunc = radio.SplitLines
