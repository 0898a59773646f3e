// Package cul parses and builds the text lines culfw (CUL, nanoCUL, ...)
// exchanges with the host in wireless M-Bus mode.
//
// Received frames are lines `b<hex>` (mode T, or mode C frame format A)
// and `bY<hex>` (mode C frame format B), the hex being the frame with its
// link-layer CRCs. After `X21` culfw appends two more bytes, LQI then RSSI,
// as four hex digits; after `X01` it appends nothing. The commands `brs`,
// `brt` and `brc` select S, T and C mode reception; culfw answers `SMODE`,
// `TMODE` or `CMODE`. Lines end in CR LF.
//
// Everything here is pure: no I/O.
package cul

import (
	"bufio"
	"encoding/hex"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Commands the host sends (without the line ending).
const (
	// ReportRSSI starts reception reporting LQI and RSSI after each frame.
	ReportRSSI = "X21"
	// ReportPlain starts reception without LQI and RSSI.
	ReportPlain = "X01"
	// Version asks for the firmware version line ("V 1.67 nanoCUL868").
	Version = "V"
)

func culErr(cause error, off int, detail string) error {
	return &codec.Error{Layer: "cul", Offset: off, Err: cause, Detail: detail}
}

// ModeCommand returns the command that selects reception of mode: `brs`
// (S1, S1-m, S2), `brt` (T1, T2) or `brc` (C1, C2; receives T as well).
// Other modes return an error wrapping codec.ErrUnsupported.
func ModeCommand(mode radio.LinkMode) (string, error) {
	switch mode {
	case radio.ModeS1, radio.ModeS1m, radio.ModeS2:
		return "brs", nil
	case radio.ModeT1, radio.ModeT2:
		return "brt", nil
	case radio.ModeC1, radio.ModeC2:
		return "brc", nil
	}
	return "", culErr(codec.ErrUnsupported, -1, "link mode "+mode.String()+" not supported by culfw")
}

// ModeResponse returns culfw's answer to a mode command ("SMODE", "TMODE",
// "CMODE"), or "" for another line.
func ModeResponse(cmd string) string {
	switch strings.TrimSpace(cmd) {
	case "brs":
		return "SMODE"
	case "brt":
		return "TMODE"
	case "brc":
		return "CMODE"
	}
	return ""
}

// ParseModeCommand returns the link mode a mode command selects (S1, T1
// or C1): for simulators.
func ParseModeCommand(cmd string) (radio.LinkMode, bool) {
	switch strings.TrimSpace(cmd) {
	case "brs":
		return radio.ModeS1, true
	case "brt":
		return radio.ModeT1, true
	case "brc":
		return radio.ModeC1, true
	}
	return radio.ModeUnknown, false
}

// IsFrameLine reports whether line carries a received frame (starts with
// 'b'); other lines are answers and messages.
func IsFrameLine(line string) bool { return strings.HasPrefix(line, "b") }

// ParseLine decodes one received-frame line (line ending optional). The
// CRCs are checked and stripped with wmbus.StripCRC, format A for `b` and
// B for `bY`. Two bytes after the frame are LQI and RSSI (X21): RSSI is
// converted as the CC1101 datasheet says (raw signed / 2 - 74 dBm) and LQI
// is kept raw. Mode is left unknown (T or C for `b`): the driver knows
// what it selected.
//
// Errors wrap codec.ErrUnsupported (not a frame line), codec.ErrMalformed
// (bad hex, trailing bytes other than 0 or 2), codec.ErrTruncated or
// codec.ErrCRC (from StripCRC).
func ParseLine(line string) (radio.Frame, error) {
	line = strings.TrimRight(line, "\r\n ")
	var f radio.Frame
	if !IsFrameLine(line) {
		return f, culErr(codec.ErrUnsupported, 0, "not a frame line")
	}
	format, hx := wmbus.FormatA, line[1:]
	if strings.HasPrefix(hx, "Y") {
		format, hx = wmbus.FormatB, hx[1:]
	}
	raw, err := hex.DecodeString(hx)
	if err != nil {
		return f, culErr(codec.ErrMalformed, 0, "bad hex: "+err.Error())
	}
	data, _, rest, err := wmbus.StripCRC(nil, raw, format)
	if err != nil {
		return f, err
	}
	switch rest {
	case 0:
	case 2:
		tail := raw[len(raw)-2:]
		f.LQI, f.HasLQI = int(tail[0]), true
		f.RSSI, f.HasRSSI = RSSIToDBm(tail[1]), true
	default:
		return f, culErr(codec.ErrMalformed, len(raw)-rest, "unexpected bytes after the frame (want none or LQI and RSSI)")
	}
	f.Data = data
	return f, nil
}

// RSSIToDBm converts the CC1101 RSSI byte to dBm (two's complement / 2 -
// 74, the 868 MHz offset).
func RSSIToDBm(raw byte) int { return int(int8(raw))/2 - 74 }

// DBmToRSSI is the inverse of RSSIToDBm, clamped (for simulators).
func DBmToRSSI(dbm int) byte { return byte(int8(max(-128, min(127, (dbm+74)*2)))) }

// FormatLine builds the line culfw prints for f (without the line
// ending): f.Data (CRC-less, L = len-1) with CRCs in format (wmbus.FormatA
// gives `b...`, wmbus.FormatB `bY...`), upper-case hex, followed by LQI and
// RSSI when f.HasRSSI (as with X21; LQI 0 unless f.HasLQI). Errors wrap
// codec.ErrMalformed (bad frame or format).
func FormatLine(f radio.Frame, format wmbus.Format) (string, error) {
	prefix := "b"
	switch format {
	case wmbus.FormatA:
	case wmbus.FormatB:
		prefix = "bY"
	default:
		return "", culErr(codec.ErrMalformed, -1, "format must be A or B")
	}
	raw, err := wmbus.AppendCRC(nil, f.Data, format)
	if err != nil {
		return "", err
	}
	if f.HasRSSI {
		var lqi byte
		if f.HasLQI {
			lqi = byte(f.LQI)
		}
		raw = append(raw, lqi, DBmToRSSI(f.RSSI))
	}
	return prefix + strings.ToUpper(hex.EncodeToString(raw)), nil
}

// SplitLines is a bufio.SplitFunc for culfw output: lines ended by LF or
// CR LF, the ending removed, empty lines skipped (radio.SplitLines).
var SplitLines bufio.SplitFunc = radio.SplitLines
