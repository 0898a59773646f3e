// Package imst encodes and decodes the host protocol (HCI) of the IMST
// iM871A (and iM170A) wireless M-Bus modules: 57600 8N1, messages
//
//	A5 | control<<4|endpoint | message id | length | payload | [timestamp 4] [RSSI 1] [FCS 2]
//
// where the control nibble says which optional trailer fields follow
// (0x2 timestamp, 0x4 RSSI, 0x8 FCS; 0x1 is reserved). The FCS is
// CRC-16/X-25 over the bytes after A5 up to the last trailer field before
// it, appended least significant byte first. Multi-byte fields (timestamp,
// device id) are little-endian.
//
// The codecs are pure: no I/O. Drivers and simulators build on Encode,
// Decode and Split and on the helpers for the messages they exchange; Conn
// (Open, NewConn) is the driver, a radio.Conn.
//
// Facts the driver relies on that are less than certain: responses to
// set requests and to data requests carry a status byte, 0 = success (an
// empty payload is taken as success too); the module answers requests
// sent without FCS (as wmbusmeters and jMBus send them); the received-frame
// timestamp is an RTC count of unknown unit and epoch (see
// Options.DeviceTime).
package imst

import (
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/radio"
)

// SOF is the start-of-frame byte of every HCI message.
const SOF = 0xA5

// Control-field bits (the upper nibble of the second byte).
const (
	CtrlReserved  = 0x1 // reserved; a message with it set is malformed
	CtrlTimestamp = 0x2 // a 4-byte timestamp follows the payload
	CtrlRSSI      = 0x4 // a 1-byte RSSI follows the payload (and timestamp)
	CtrlCRC       = 0x8 // a 2-byte FCS ends the message
)

// Endpoints.
const (
	EndpointDevMgmt       = 0x01 // device management
	EndpointRadioLink     = 0x02 // radio link (wM-Bus messages)
	EndpointRadioLinkTest = 0x03 // radio link test
	EndpointHWTest        = 0x04 // hardware test
)

// Device management message ids (endpoint 1).
const (
	DevMgmtPingReq            = 0x01
	DevMgmtPingRsp            = 0x02
	DevMgmtSetConfigReq       = 0x03
	DevMgmtSetConfigRsp       = 0x04
	DevMgmtGetConfigReq       = 0x05
	DevMgmtGetConfigRsp       = 0x06
	DevMgmtResetReq           = 0x07
	DevMgmtResetRsp           = 0x08
	DevMgmtFactoryResetReq    = 0x09
	DevMgmtFactoryResetRsp    = 0x0A
	DevMgmtGetOpModeReq       = 0x0B
	DevMgmtGetOpModeRsp       = 0x0C
	DevMgmtSetOpModeReq       = 0x0D
	DevMgmtSetOpModeRsp       = 0x0E
	DevMgmtGetDeviceInfoReq   = 0x0F
	DevMgmtGetDeviceInfoRsp   = 0x10
	DevMgmtGetSysStatusReq    = 0x11
	DevMgmtGetSysStatusRsp    = 0x12
	DevMgmtGetFWInfoReq       = 0x13
	DevMgmtGetFWInfoRsp       = 0x14
	DevMgmtGetRTCReq          = 0x19
	DevMgmtGetRTCRsp          = 0x1A
	DevMgmtSetRTCReq          = 0x1B
	DevMgmtSetRTCRsp          = 0x1C
	DevMgmtEnterLPMReq        = 0x1D
	DevMgmtEnterLPMRsp        = 0x1E
	DevMgmtSetAESEncKeyReq    = 0x21
	DevMgmtSetAESEncKeyRsp    = 0x22
	DevMgmtEnableAESEncKeyReq = 0x23
	DevMgmtEnableAESEncKeyRsp = 0x24
	DevMgmtSetAESDecKeyReq    = 0x25
	DevMgmtSetAESDecKeyRsp    = 0x26
	DevMgmtAESDecErrorInd     = 0x27
)

// Radio link message ids (endpoint 2).
const (
	RadioLinkWMBusMsgReq = 0x01 // send a frame given from the C field on
	RadioLinkWMBusMsgRsp = 0x02 // confirmation of RadioLinkWMBusMsgReq
	RadioLinkWMBusMsgInd = 0x03 // received frame, C field to end, no L, no CRCs
	RadioLinkDataReq     = 0x04 // send data given from the CI field on
	RadioLinkDataRsp     = 0x05 // confirmation of RadioLinkDataReq
)

// MaxPayload is the largest payload one message carries (the length field
// is one byte).
const MaxPayload = 255

// Message is one HCI message. Trailer fields are present when their Has
// flag is set; HasCRC makes Encode append the FCS and says that Decode
// found (and verified) one.
type Message struct {
	Endpoint     byte // 0..15; 1..4 are defined
	ID           byte // message id within the endpoint
	Payload      []byte
	HasTimestamp bool
	Timestamp    uint32 // module RTC value, little-endian on the wire
	HasRSSI      bool
	RSSI         byte // raw RSSI; see RSSIToDBm
	HasCRC       bool
}

func hciErr(cause error, off int, detail string) error {
	return &codec.Error{Layer: "imst", Offset: off, Err: cause, Detail: detail}
}

// Encode returns msg on the wire. Payloads longer than MaxPayload are cut
// to MaxPayload bytes (no defined message is that long).
func Encode(msg Message) []byte {
	p := msg.Payload
	if len(p) > MaxPayload {
		p = p[:MaxPayload]
	}
	var ctrl byte
	if msg.HasTimestamp {
		ctrl |= CtrlTimestamp
	}
	if msg.HasRSSI {
		ctrl |= CtrlRSSI
	}
	if msg.HasCRC {
		ctrl |= CtrlCRC
	}
	b := make([]byte, 0, 4+len(p)+7)
	b = append(b, SOF, ctrl<<4|msg.Endpoint&0x0F, msg.ID, byte(len(p)))
	b = append(b, p...)
	if msg.HasTimestamp {
		b = binary.LittleEndian.AppendUint32(b, msg.Timestamp)
	}
	if msg.HasRSSI {
		b = append(b, msg.RSSI)
	}
	if msg.HasCRC {
		b = binary.LittleEndian.AppendUint16(b, crc16.Checksum(b[1:], crc16.X25))
	}
	return b
}

// Decode decodes the message at the start of b and returns it with the
// number of bytes it occupies. The payload aliases b.
//
// Errors wrap codec.ErrTruncated (b ends inside the message: read more),
// codec.ErrMalformed (no A5 at b[0], reserved control bit, endpoint outside
// 1..4) or codec.ErrCRC (FCS mismatch; n is then the message length, so a
// caller may skip it).
func Decode(b []byte) (Message, int, error) {
	var m Message
	if len(b) == 0 {
		return m, 0, hciErr(codec.ErrTruncated, 0, "empty input")
	}
	if b[0] != SOF {
		return m, 0, hciErr(codec.ErrMalformed, 0, "message does not start with A5")
	}
	if len(b) < 4 {
		return m, 0, hciErr(codec.ErrTruncated, len(b), "header needs 4 bytes, got "+strconv.Itoa(len(b)))
	}
	ctrl := b[1] >> 4
	if ctrl&CtrlReserved != 0 {
		return m, 0, hciErr(codec.ErrMalformed, 1, "reserved control bit set")
	}
	m.Endpoint = b[1] & 0x0F
	if m.Endpoint < EndpointDevMgmt || m.Endpoint > EndpointHWTest {
		return m, 0, hciErr(codec.ErrMalformed, 1, "unknown endpoint "+strconv.Itoa(int(m.Endpoint)))
	}
	m.ID = b[2]
	plen := int(b[3])
	n := 4 + plen
	if ctrl&CtrlTimestamp != 0 {
		n += 4
	}
	if ctrl&CtrlRSSI != 0 {
		n++
	}
	if ctrl&CtrlCRC != 0 {
		n += 2
	}
	if len(b) < n {
		return m, 0, hciErr(codec.ErrTruncated, len(b), "message needs "+strconv.Itoa(n)+" bytes, got "+strconv.Itoa(len(b)))
	}
	m.Payload = b[4 : 4+plen]
	i := 4 + plen
	if ctrl&CtrlTimestamp != 0 {
		m.HasTimestamp = true
		m.Timestamp = binary.LittleEndian.Uint32(b[i:])
		i += 4
	}
	if ctrl&CtrlRSSI != 0 {
		m.HasRSSI = true
		m.RSSI = b[i]
		i++
	}
	if ctrl&CtrlCRC != 0 {
		m.HasCRC = true
		want := crc16.Checksum(b[1:i], crc16.X25)
		if got := binary.LittleEndian.Uint16(b[i:]); got != want {
			return m, n, hciErr(codec.ErrCRC, i, "FCS "+hex4(got)+", computed "+hex4(want))
		}
	}
	return m, n, nil
}

func hex4(v uint16) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12], digits[v>>8&0xF], digits[v>>4&0xF], digits[v&0xF]})
}

// Split is a bufio.SplitFunc returning one whole HCI message (A5 through
// FCS) per token. Bytes before an A5 are skipped; an A5 that does not start
// a valid message (malformed header or FCS mismatch) is skipped alone, so
// the scan resynchronises on the next A5 without losing a message (a
// header whose length reaches past the data read so far delays the
// messages after it until enough bytes arrived to check its FCS). Messages
// without FCS cannot be told from noise that looks like a header: a garbage
// A5 followed by a plausible header may swallow bytes; the module sends FCS
// when configured to, which avoids this.
func Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	for start := 0; start < len(data); {
		i := indexByte(data[start:], SOF)
		if i < 0 {
			return len(data), nil, nil
		}
		start += i
		_, n, derr := Decode(data[start:])
		switch {
		case derr == nil:
			return start + n, data[start : start+n], nil
		case isTruncated(derr):
			if !atEOF {
				return start, nil, nil // keep from the A5 on, read more
			}
			start++ // no more data: this A5 starts nothing
		default:
			start++ // not a message here: resync after this A5
		}
	}
	return len(data), nil, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func isTruncated(err error) bool {
	e, ok := err.(*codec.Error)
	return ok && e.Err == codec.ErrTruncated
}

// RSSIToDBm converts the module's raw RSSI to dBm. IMST documents the RSSI
// only as a graph; this is the straight line through (45, -100 dBm) and
// (205, -20 dBm) that wmbusmeters reads off it (dBm = raw/2 - 122.5,
// rounded down). The result is approximate.
func RSSIToDBm(raw byte) int { return (int(raw) - 245) >> 1 }

// DBmToRSSI is the inverse of RSSIToDBm, clamped to 0..255: what a
// simulator reports for a given level.
func DBmToRSSI(dbm int) byte { return byte(max(0, min(255, 2*dbm+245))) }

// Link mode values of the configuration (iM871A HCI spec order).
const (
	LinkS1  = 0x00
	LinkS1m = 0x01
	LinkS2  = 0x02
	LinkT1  = 0x03
	LinkT2  = 0x04
	LinkR2  = 0x05
	LinkC1a = 0x06 // C1, frame format A
	LinkC1b = 0x07 // C1, frame format B
	LinkC2a = 0x08
	LinkC2b = 0x09
	LinkN1A = 0x0A // N1 channel a (iM170A); C1+T1 combined on iM871A firmware >= 0x14
	LinkN2A = 0x0B
	LinkN1B = 0x0C
	LinkN2B = 0x0D
	LinkN1C = 0x0E
	LinkN2C = 0x0F
	LinkN1D = 0x10
	LinkN2D = 0x11
	LinkN1E = 0x12
	LinkN2E = 0x13
	LinkN1F = 0x14
	LinkN2F = 0x15
	// LinkCT is LinkN1A as the iM871A (firmware 0x14 and later) reads it:
	// receive C1 and T1 at the same time.
	LinkCT = LinkN1A
)

// LinkModeValue returns the configuration value for mode: C modes use
// frame format A (the value for format B is one more), N modes channel a.
func LinkModeValue(mode radio.LinkMode) (byte, bool) {
	switch mode {
	case radio.ModeS1:
		return LinkS1, true
	case radio.ModeS1m:
		return LinkS1m, true
	case radio.ModeS2:
		return LinkS2, true
	case radio.ModeT1:
		return LinkT1, true
	case radio.ModeT2:
		return LinkT2, true
	case radio.ModeR2:
		return LinkR2, true
	case radio.ModeC1:
		return LinkC1a, true
	case radio.ModeC2:
		return LinkC2a, true
	case radio.ModeN1:
		return LinkN1A, true
	case radio.ModeN2:
		return LinkN2A, true
	}
	return 0, false
}

// LinkModeFromValue maps a configuration value back to a link mode (both
// C formats to C1/C2, all N channels to N1/N2). LinkCT reads as N1 here;
// on an iM871A it means C1+T1.
func LinkModeFromValue(v byte) (radio.LinkMode, bool) {
	switch {
	case v == LinkS1:
		return radio.ModeS1, true
	case v == LinkS1m:
		return radio.ModeS1m, true
	case v == LinkS2:
		return radio.ModeS2, true
	case v == LinkT1:
		return radio.ModeT1, true
	case v == LinkT2:
		return radio.ModeT2, true
	case v == LinkR2:
		return radio.ModeR2, true
	case v == LinkC1a || v == LinkC1b:
		return radio.ModeC1, true
	case v == LinkC2a || v == LinkC2b:
		return radio.ModeC2, true
	case v >= LinkN1A && v <= LinkN2F:
		if (v-LinkN1A)%2 == 0 {
			return radio.ModeN1, true
		}
		return radio.ModeN2, true
	}
	return radio.ModeUnknown, false
}
