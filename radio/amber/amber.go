// Package amber encodes and decodes the host protocol of the Amber
// Wireless (Würth Elektronik) AMB8465 USB stick and AMB8426-M / AMB8626-M
// modules: 9600 8N1 by default.
//
// Command mode frames are
//
//	FF | command | length | payload | checksum
//
// with the checksum the XOR of every byte from FF through the payload.
// Each request (REQ) is answered by a confirmation (CNF) whose command byte
// is the request's with bit 0x80 set (AMB8426-M manual V2.4, 2.2.1).
// Received frames arrive as CMD_DATA_IND (0x03) when the module outputs in
// command mode, or in transparent mode as `L C M A CI ... RSSI` with L
// counting the RSSI byte.
//
// The codecs are pure: no I/O. Conn (Open, NewConn) is the driver, a
// radio.Conn.
//
// Facts the driver relies on that are less than certain: the parameter
// addresses of UART_CMD_Out_Enable (0x05), RSSI_Enable (0x45) and
// Mode_Preselect (0x46); CMD_GET_CNF carrying `address count values`;
// parameters written with CMD_SET_REQ taking effect only after
// CMD_RESET_REQ, and the module answering CMD_FWV_REQ again within three
// confirmation timeouts of the reset; confirmations arriving as command
// frames even in transparent output mode.
package amber

import (
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
)

// SOF starts every command-mode frame.
const SOF = 0xFF

// Commands (requests; confirmations are Cmd|CNF).
const (
	CmdDataReq         = 0x00 // transmit a telegram
	CmdDataRetryReq    = 0x02 // resend the previous telegram
	CmdDataInd         = 0x03 // received telegram (module to host)
	CmdSetModeReq      = 0x04 // change the wM-Bus mode in volatile memory
	CmdResetReq        = 0x05 // software reset
	CmdSetChannelReq   = 0x06 // select channel
	CmdSetReq          = 0x09 // write non-volatile parameters
	CmdGetReq          = 0x0A // read non-volatile parameters
	CmdSerialNoReq     = 0x0B // read serial number
	CmdFWVReq          = 0x0C // read firmware version
	CmdRSSIReq         = 0x0D // read current RSSI
	CmdSetUARTSpeedReq = 0x10
	CmdFactoryResetReq = 0x11
	CmdDataPreloadReq  = 0x30
	CmdDataClrPreload  = 0x31
	CmdSetAESKeyReq    = 0x50 // register a meter key
	CmdClrAESKeyReq    = 0x51
	CmdGetAESDevReq    = 0x52

	// CNF is or-ed into a request's command byte in its confirmation.
	CNF = 0x80
)

// Command is one command-mode frame. HasTrailingRSSI marks the variant of
// CMD_DATA_IND some firmware sends, with the RSSI byte between the payload
// and the checksum and not counted by the length; Decode recognises it by
// the checksum.
type Command struct {
	Cmd             byte
	Payload         []byte
	HasTrailingRSSI bool
	RSSI            byte
}

func ambErr(cause error, off int, detail string) error {
	return &codec.Error{Layer: "amber", Offset: off, Err: cause, Detail: detail}
}

// Checksum returns the XOR of b: the checksum of a frame whose bytes from
// FF through the payload are b.
func Checksum(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// MaxPayload is the largest payload (the length is one byte).
const MaxPayload = 255

// Encode returns c on the wire. Payloads longer than MaxPayload are cut.
func Encode(c Command) []byte {
	p := c.Payload
	if len(p) > MaxPayload {
		p = p[:MaxPayload]
	}
	b := make([]byte, 0, len(p)+5)
	b = append(b, SOF, c.Cmd, byte(len(p)))
	b = append(b, p...)
	if c.HasTrailingRSSI {
		b = append(b, c.RSSI)
	}
	return append(b, Checksum(b))
}

// Decode decodes the command frame at the start of b and returns it with
// its length in bytes. The payload aliases b. Errors wrap
// codec.ErrTruncated (read more), codec.ErrMalformed (b[0] is not FF) or
// codec.ErrCRC (checksum mismatch; n is then the length the header
// announces).
func Decode(b []byte) (Command, int, error) {
	var c Command
	if len(b) == 0 {
		return c, 0, ambErr(codec.ErrTruncated, 0, "empty input")
	}
	if b[0] != SOF {
		return c, 0, ambErr(codec.ErrMalformed, 0, "command frame does not start with FF")
	}
	if len(b) < 4 {
		return c, 0, ambErr(codec.ErrTruncated, len(b), "command frame needs at least 4 bytes")
	}
	c.Cmd = b[1]
	l := int(b[2])
	n := 3 + l + 1
	if len(b) < n {
		return c, 0, ambErr(codec.ErrTruncated, len(b), "command frame needs "+strconv.Itoa(n)+" bytes, got "+strconv.Itoa(len(b)))
	}
	if Checksum(b[:n-1]) == b[n-1] {
		c.Payload = b[3 : 3+l]
		return c, n, nil
	}
	if c.Cmd == CmdDataInd && len(b) >= n+1 && Checksum(b[:n]) == b[n] {
		c.Payload, c.HasTrailingRSSI, c.RSSI = b[3:3+l], true, b[n-1]
		return c, n + 1, nil
	}
	if c.Cmd == CmdDataInd && len(b) == n {
		// The trailing-RSSI variant needs one more byte to tell.
		return c, 0, ambErr(codec.ErrTruncated, len(b), "data indication: checksum does not match yet, RSSI may follow")
	}
	return c, n, ambErr(codec.ErrCRC, n-1, "checksum "+hex2(b[n-1])+", computed "+hex2(Checksum(b[:n-1])))
}

func hex2(v byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>4], digits[v&0xF]})
}

// Split is a bufio.SplitFunc returning one whole command frame (FF through
// checksum) per token. Bytes before an FF are skipped; an FF that does not
// start a frame with a valid checksum is skipped alone, so the scan
// resynchronises without losing the frames after it. Use it only when the
// module outputs in command mode (transparent output has no start byte;
// see ParseTransparent).
func Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	for start := 0; start < len(data); {
		i := -1
		for k, x := range data[start:] {
			if x == SOF {
				i = k
				break
			}
		}
		if i < 0 {
			return len(data), nil, nil
		}
		start += i
		_, n, derr := Decode(data[start:])
		switch {
		case derr == nil:
			return start + n, data[start : start+n], nil
		case isTruncated(derr) && !atEOF:
			return start, nil, nil
		default:
			start++
		}
	}
	return len(data), nil, nil
}

func isTruncated(err error) bool {
	e, ok := err.(*codec.Error)
	return ok && e.Err == codec.ErrTruncated
}

// RSSIToDBm converts the module's RSSI byte (two's complement) to dBm as
// the AMB8426-M manual (7.9) says: raw/2 - 74, raw signed, the division
// truncating.
func RSSIToDBm(raw byte) int { return int(int8(raw))/2 - 74 }

// DBmToRSSI is the inverse of RSSIToDBm (for simulators), clamped to the
// byte's range.
func DBmToRSSI(dbm int) byte { return byte(int8(max(-128, min(127, (dbm+74)*2)))) }

// Mode values of CMD_SET_MODE_REQ (and of the Mode_Preselect parameter)
// that receivers use. The names follow the mode the module runs in: a
// receiver of T1 meters runs as "T2 other", and so on.
const (
	ModeS2      = 0x03 // receives S1, S1-m and S2
	ModeT2Other = 0x08 // receives T1 and T2 meter frames
	ModeCT      = 0x09 // C2/T2 other: receives C1 and T1 frames
	ModeC2Other = 0x0E // receives C1 and C2 meter frames
)

// ModeValue returns the CMD_SET_MODE_REQ value that makes the module
// receive frames of link mode mode.
func ModeValue(mode radio.LinkMode) (byte, bool) {
	switch mode {
	case radio.ModeS1, radio.ModeS1m, radio.ModeS2:
		return ModeS2, true
	case radio.ModeT1, radio.ModeT2:
		return ModeT2Other, true
	case radio.ModeC1, radio.ModeC2:
		return ModeC2Other, true
	}
	return 0, false
}

// ModeFromValue returns the link mode a mode value receives (ModeCT reads
// as C1; it receives T1 as well). For simulators.
func ModeFromValue(v byte) (radio.LinkMode, bool) {
	switch v {
	case ModeS2:
		return radio.ModeS1, true
	case ModeT2Other:
		return radio.ModeT1, true
	case ModeC2Other, ModeCT:
		return radio.ModeC1, true
	}
	return radio.ModeUnknown, false
}
