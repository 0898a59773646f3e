// Package radio talks to the wireless M-Bus receivers and transmitters
// people own (Telit ME70-169/ME50, IMST iM871A, Amber AMB8465, CUL sticks,
// rtl_wmbus) and to P1 ports. Each device family has a subpackage that
// encodes and decodes its host protocol; this package holds what they
// share: the received Frame, link modes and device addresses.
package radio

import (
	"bufio"
	"strings"
	"time"
)

// Frame is one wM-Bus frame as a receiver delivered it, normalised: Data
// starts with the L field (restored where the device strips it) and holds
// no link-layer CRCs, so wmbus.Decoder can decode it with FormatNone.
type Frame struct {
	Data []byte
	// RSSI in dBm and LQI (device-specific quality, 0 if unknown); HasRSSI
	// and HasLQI say whether the device reported them.
	RSSI    int
	LQI     int
	HasRSSI bool
	HasLQI  bool
	// Time is when the frame was received (device timestamp when it has
	// one, else the host's).
	Time time.Time
	// Mode is the link mode the receiver was in (the frame does not say).
	Mode LinkMode
	// P1 is set when Data is one P1 unit (a DSMR text telegram or a
	// binary DLMS frame, see package p1) instead of a wM-Bus frame.
	P1 bool
}

// LinkMode is a wireless M-Bus link mode (EN 13757-4). The mode belongs to
// the receiver configuration, not to the frame.
type LinkMode uint8

// Link modes.
const (
	ModeUnknown LinkMode = iota
	ModeS1
	ModeS1m
	ModeS2
	ModeT1
	ModeT2
	ModeC1
	ModeC2
	ModeR2
	ModeN1
	ModeN2
	ModeF2
)

var modeNames = [...]string{"unknown", "S1", "S1-m", "S2", "T1", "T2", "C1", "C2", "R2", "N1", "N2", "F2"}

func (m LinkMode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// ParseLinkMode parses "s1", "S1-m", "t1", "c1", "n2", ... (case-insensitive).
func ParseLinkMode(s string) (LinkMode, bool) {
	for i, n := range modeNames {
		if i > 0 && strings.EqualFold(n, s) {
			return LinkMode(i), true
		}
	}
	return ModeUnknown, false
}

// SplitLines is a bufio.SplitFunc for receivers that print text lines
// (culfw, rtl_wmbus): lines ended by LF or CR LF, the ending removed,
// empty lines skipped.
func SplitLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	skipped := 0
	for {
		adv, tok, err := bufio.ScanLines(data[skipped:], atEOF)
		if err != nil || adv == 0 || len(tok) > 0 || tok == nil {
			return skipped + adv, tok, err
		}
		skipped += adv // an empty line
	}
}
