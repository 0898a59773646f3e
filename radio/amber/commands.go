package amber

import (
	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
)

// SetMode returns the CMD_SET_MODE_REQ that makes the module receive
// frames of mode (volatile: lost at reset). Modes the module cannot
// receive return an error wrapping codec.ErrUnsupported.
func SetMode(mode radio.LinkMode) (Command, error) {
	v, ok := ModeValue(mode)
	if !ok {
		return Command{}, ambErr(codec.ErrUnsupported, -1, "link mode "+mode.String()+" not supported by the AMB8465")
	}
	return Command{Cmd: CmdSetModeReq, Payload: []byte{v}}, nil
}

// Reset returns CMD_RESET_REQ.
func Reset() Command { return Command{Cmd: CmdResetReq} }

// SerialNo returns CMD_SERIALNO_REQ (the confirmation carries 4 bytes,
// most significant first).
func SerialNo() Command { return Command{Cmd: CmdSerialNoReq} }

// FirmwareVersion returns CMD_FWV_REQ.
func FirmwareVersion() Command { return Command{Cmd: CmdFWVReq} }

// Get returns CMD_GET_REQ reading n bytes of non-volatile parameters from
// address addr.
func Get(addr, n byte) Command { return Command{Cmd: CmdGetReq, Payload: []byte{addr, n}} }

// Set returns CMD_SET_REQ writing values at address addr of the
// non-volatile parameters (a reset makes them take effect).
func Set(addr byte, values []byte) Command {
	p := make([]byte, 0, 2+len(values))
	p = append(p, addr, byte(len(values)))
	return Command{Cmd: CmdSetReq, Payload: append(p, values...)}
}

// SetAESKey returns CMD_SET_AES_KEY_REQ registering key for the meter with
// the given link-layer address (M field 2 bytes, A field 6 bytes, as in
// the frame). Errors wrap codec.ErrMalformed for wrong lengths.
func SetAESKey(addr [8]byte, key []byte) (Command, error) {
	if len(key) != 16 {
		return Command{}, ambErr(codec.ErrMalformed, -1, "AES key must be 16 bytes")
	}
	p := make([]byte, 0, 24)
	p = append(p, addr[:]...)
	return Command{Cmd: CmdSetAESKeyReq, Payload: append(p, key...)}, nil
}

// DataRequest returns CMD_DATA_REQ transmitting frame, a CRC-less frame
// starting with L; the request carries the C field to the end and the
// module adds L and the CRCs.
func DataRequest(frame []byte) Command {
	var p []byte
	if len(frame) > 0 {
		p = frame[1:]
	}
	return Command{Cmd: CmdDataReq, Payload: p}
}

// FrameFromDataRequest returns the frame a CMD_DATA_REQ asks to send, L
// restored (for simulators). Errors wrap codec.ErrMalformed.
func FrameFromDataRequest(c Command) ([]byte, error) {
	if c.Cmd != CmdDataReq {
		return nil, ambErr(codec.ErrMalformed, 1, "not CMD_DATA_REQ")
	}
	if len(c.Payload) < 9 || len(c.Payload) > 254 {
		return nil, ambErr(codec.ErrMalformed, 3, "frame body must be 9..254 bytes")
	}
	f := append(make([]byte, 0, len(c.Payload)+1), byte(len(c.Payload)))
	return append(f, c.Payload...), nil
}

// Confirm returns the confirmation of req carrying payload (for
// simulators); most confirmations carry one status byte, 0 = success.
func Confirm(req Command, payload []byte) Command {
	return Command{Cmd: req.Cmd | CNF, Payload: payload}
}

// Status returns the status byte of a one-byte confirmation. Errors wrap
// codec.ErrMalformed.
func Status(c Command) (byte, error) {
	if c.Cmd&CNF == 0 || len(c.Payload) != 1 {
		return 0, ambErr(codec.ErrMalformed, 1, "not a confirmation with one status byte")
	}
	return c.Payload[0], nil
}

// frameFrom turns `L C M A CI ... [RSSI]` into a radio.Frame. With rssi the
// last byte is the RSSI and L may count it (transparent mode) or not.
func frameFrom(p []byte, rssi bool, off int) (radio.Frame, error) {
	var f radio.Frame
	data := p
	if rssi {
		if len(p) < 2 {
			return f, ambErr(codec.ErrTruncated, off+len(p), "frame without RSSI byte")
		}
		data = p[:len(p)-1]
		f.RSSI, f.HasRSSI = RSSIToDBm(p[len(p)-1]), true
	}
	if len(data) < 10 {
		return f, ambErr(codec.ErrMalformed, off, "frame shorter than the 10-byte link header")
	}
	if l := int(data[0]); l != len(data)-1 && l != len(data) {
		return f, ambErr(codec.ErrMalformed, off, "L disagrees with the frame length")
	}
	f.Data = append([]byte(nil), data...)
	f.Data[0] = byte(len(data) - 1)
	return f, nil
}

// FrameFromIndication turns a CMD_DATA_IND into a radio.Frame: L fixed to
// count the frame only, RSSI converted when the module appends it (rssi =
// the RSSI-output parameter is on; the trailing-RSSI variant is recognised
// by itself). Errors wrap codec.ErrMalformed or codec.ErrTruncated.
func FrameFromIndication(c Command, rssi bool) (radio.Frame, error) {
	if c.Cmd != CmdDataInd {
		return radio.Frame{}, ambErr(codec.ErrMalformed, 1, "not CMD_DATA_IND")
	}
	if c.HasTrailingRSSI {
		f, err := frameFrom(c.Payload, false, 3)
		if err == nil {
			f.RSSI, f.HasRSSI = RSSIToDBm(c.RSSI), true
		}
		return f, err
	}
	return frameFrom(c.Payload, rssi, 3)
}

// Indication builds the CMD_DATA_IND a module in command-output mode sends
// for f (for simulators): L counts the RSSI byte when f.HasRSSI, as in
// transparent mode. Errors wrap codec.ErrMalformed.
func Indication(f radio.Frame) (Command, error) {
	p, err := transparent(f)
	return Command{Cmd: CmdDataInd, Payload: p}, err
}

func transparent(f radio.Frame) ([]byte, error) {
	if len(f.Data) < 10 || int(f.Data[0]) != len(f.Data)-1 || len(f.Data) > 254 {
		return nil, ambErr(codec.ErrMalformed, 0, "frame must hold a link header, L = length-1, at most 254 bytes")
	}
	p := append([]byte(nil), f.Data...)
	if f.HasRSSI {
		p[0]++
		p = append(p, DBmToRSSI(f.RSSI))
	}
	return p, nil
}

// ParseTransparent decodes one frame of transparent-mode output with RSSI
// output on, `L C M A CI ... RSSI` where L counts the RSSI byte, from the
// start of b, and returns it with the bytes it took. Frame.Data gets L
// fixed to count the frame only. Errors wrap codec.ErrTruncated (read
// more) or codec.ErrMalformed (L too small for a frame, or 0xFF, which
// starts a command frame instead).
func ParseTransparent(b []byte) (radio.Frame, int, error) {
	return parseTransparent(b, true)
}

// ParseTransparentNoRSSI is ParseTransparent for modules with RSSI output
// off: `L C M A CI ...`, L counting the frame only.
func ParseTransparentNoRSSI(b []byte) (radio.Frame, int, error) {
	return parseTransparent(b, false)
}

func parseTransparent(b []byte, rssi bool) (radio.Frame, int, error) {
	if len(b) == 0 {
		return radio.Frame{}, 0, ambErr(codec.ErrTruncated, 0, "empty input")
	}
	l := int(b[0])
	minL := 9
	if rssi {
		minL = 10
	}
	if l == SOF || l < minL {
		return radio.Frame{}, 0, ambErr(codec.ErrMalformed, 0, "L does not start a transparent frame")
	}
	if len(b) < l+1 {
		return radio.Frame{}, 0, ambErr(codec.ErrTruncated, len(b), "transparent frame needs L+1 bytes")
	}
	f, err := frameFrom(b[:l+1], rssi, 0)
	if err != nil {
		return f, 0, err
	}
	return f, l + 1, nil
}

// Transparent builds transparent-mode output for f (for simulators): RSSI
// appended and counted by L when f.HasRSSI. Errors wrap codec.ErrMalformed.
func Transparent(f radio.Frame) ([]byte, error) { return transparent(f) }
