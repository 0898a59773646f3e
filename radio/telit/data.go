package telit

import (
	"bufio"
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// headerLen is the length of C(1) M(2) A(6) CI(1): the least a received
// frame holds after its L field.
const headerLen = 10

// TxFields is one frame the host hands the module in data mode. Mask
// (the value of RegTxFields) says which of the length byte, C, M, A and
// CI are sent; the module takes the others from RegTxC..RegTxCI, and it
// computes the radio L field and all link-layer CRCs itself.
type TxFields struct {
	Mask FieldMask
	C    byte
	// Address gives M (Manufacturer) and A (ID, Version, Type).
	Address wmbus.Address
	CI      byte
	// Data follows CI: the rest of the frame (ELL, AFL, TPL, APL).
	Data []byte
}

// AppendTransmit appends the data-mode bytes for f:
// [length][C][M(2)][A(6)][CI] data, each header field only when f.Mask
// selects it. The length byte counts the bytes after it; a frame whose
// length does not fit a byte gives an error wrapping codec.ErrMalformed.
func AppendTransmit(dst []byte, f TxFields) ([]byte, error) {
	n := len(f.Data)
	if f.Mask.Has(FieldC) {
		n++
	}
	if f.Mask.Has(FieldM) {
		n += 2
	}
	if f.Mask.Has(FieldA) {
		n += 6
	}
	if f.Mask.Has(FieldCI) {
		n++
	}
	if n > 255 {
		return dst, atErr(codec.ErrMalformed, -1, "frame of "+strconv.Itoa(n)+" bytes does not fit the length byte (255)")
	}
	if f.Mask.Has(FieldL) {
		dst = append(dst, byte(n))
	}
	if f.Mask.Has(FieldC) {
		dst = append(dst, f.C)
	}
	if f.Mask.Has(FieldM) {
		dst = binary.LittleEndian.AppendUint16(dst, f.Address.Manufacturer)
	}
	if f.Mask.Has(FieldA) {
		dst = binary.LittleEndian.AppendUint32(dst, f.Address.ID)
		dst = append(dst, f.Address.Version, f.Address.Type)
	}
	if f.Mask.Has(FieldCI) {
		dst = append(dst, f.CI)
	}
	return append(dst, f.Data...), nil
}

// ParseTransmit reads what AppendTransmit wrote (the simulator's side of
// the UART), returning the fields and the bytes consumed. With FieldL in
// mask one frame is read by its length byte; without it all of b is one
// frame. Fields mask omits stay zero. Data aliases b. Errors wrap
// codec.ErrTruncated or codec.ErrMalformed.
func ParseTransmit(b []byte, mask FieldMask) (TxFields, int, error) {
	f := TxFields{Mask: mask}
	body, n := b, len(b)
	if mask.Has(FieldL) {
		if len(b) == 0 {
			return TxFields{}, 0, atErr(codec.ErrTruncated, 0, "no length byte")
		}
		n = 1 + int(b[0])
		if len(b) < n {
			return TxFields{}, 0, atErr(codec.ErrTruncated, len(b), "length byte says "+strconv.Itoa(n-1)+" bytes follow, have "+strconv.Itoa(len(b)-1))
		}
		body = b[1:n]
	}
	need := 0
	for _, fl := range [...]struct {
		m FieldMask
		n int
	}{{FieldC, 1}, {FieldM, 2}, {FieldA, 6}, {FieldCI, 1}} {
		if mask.Has(fl.m) {
			need += fl.n
		}
	}
	if len(body) < need {
		return TxFields{}, 0, atErr(codec.ErrMalformed, n-len(body), "frame of "+strconv.Itoa(len(body))+" bytes is shorter than its "+strconv.Itoa(need)+" header bytes")
	}
	if mask.Has(FieldC) {
		f.C, body = body[0], body[1:]
	}
	if mask.Has(FieldM) {
		f.Address.Manufacturer, body = binary.LittleEndian.Uint16(body), body[2:]
	}
	if mask.Has(FieldA) {
		f.Address.ID = binary.LittleEndian.Uint32(body)
		f.Address.Version, f.Address.Type = body[4], body[5]
		body = body[6:]
	}
	if mask.Has(FieldCI) {
		f.CI, body = body[0], body[1:]
	}
	f.Data = body
	return f, n, nil
}

// RSSIToDBm converts the RSSI byte the module appends (a signed 8-bit
// number of dBm) to dBm.
func RSSIToDBm(raw byte) int { return int(int8(raw)) }

// DBmToRSSI is the inverse of RSSIToDBm, clamping to -128..127.
func DBmToRSSI(dbm int) byte { return byte(int8(max(-128, min(127, dbm)))) }

// trailerLen is the number of bytes after the frame: LQI, then RSSI.
func trailerLen(mask FieldMask) int {
	n := 0
	if mask.Has(FieldLQI) {
		n++
	}
	if mask.Has(FieldRSSI) {
		n++
	}
	return n
}

// ParseReceive decodes one received frame as the module delivers it with
// receive mask mask (the value of RegRxFields): [wake-up] [length] C M A
// CI data [LQI] [RSSI], without link-layer CRCs. It returns the frame,
// normalised as radio.Frame wants it (Data = L C M A CI ..., no CRCs, L
// restored), and the number of bytes consumed.
//
// With FieldL in mask the frame ends where its length byte says (b may
// hold more); without it all of b is one frame (the module separates
// frames by a pause on the UART, which the driver sees). The mask must
// select C, M, A and CI, else the frame cannot be restored: an error
// wrapping codec.ErrUnsupported. With FieldL, Data aliases b; without, it
// is a new slice. Time and Mode are left for the caller. Other errors wrap
// codec.ErrTruncated (b ends early) or codec.ErrMalformed.
func ParseReceive(b []byte, mask FieldMask) (radio.Frame, int, error) {
	if !mask.Has(FieldC | FieldM | FieldA | FieldCI) {
		return radio.Frame{}, 0, atErr(codec.ErrUnsupported, -1, "receive mask "+mask.String()+" drops link-layer fields; set register 402 to include C, M, A and CI")
	}
	pre := 0
	if mask.Has(FieldWakeUp) {
		pre = 1
	}
	tr := trailerLen(mask)
	var fr radio.Frame
	var end int // end of the frame body in b
	if mask.Has(FieldL) {
		if len(b) < pre+1 {
			return radio.Frame{}, 0, atErr(codec.ErrTruncated, len(b), "no length byte")
		}
		l := int(b[pre])
		if l < headerLen {
			return radio.Frame{}, 0, atErr(codec.ErrMalformed, pre, "length "+strconv.Itoa(l)+" is shorter than C, M, A and CI (10)")
		}
		end = pre + 1 + l
		if len(b) < end+tr {
			return radio.Frame{}, 0, atErr(codec.ErrTruncated, len(b), "length byte says "+strconv.Itoa(l)+" bytes and "+strconv.Itoa(tr)+" trailer bytes follow, have "+strconv.Itoa(len(b)-pre-1))
		}
		fr.Data = b[pre:end:end]
	} else {
		end = len(b) - tr
		l := end - pre
		if l < headerLen {
			return radio.Frame{}, 0, atErr(codec.ErrTruncated, len(b), "frame of "+strconv.Itoa(max(0, l))+" bytes is shorter than C, M, A and CI (10)")
		}
		if l > 255 {
			return radio.Frame{}, 0, atErr(codec.ErrMalformed, 0, "frame of "+strconv.Itoa(l)+" bytes is longer than an L field can say (255)")
		}
		fr.Data = make([]byte, 0, 1+l)
		fr.Data = append(append(fr.Data, byte(l)), b[pre:end]...)
	}
	p := end
	if mask.Has(FieldLQI) {
		fr.LQI, fr.HasLQI = int(b[p]), true
		p++
	}
	if mask.Has(FieldRSSI) {
		fr.RSSI, fr.HasRSSI = RSSIToDBm(b[p]), true
		p++
	}
	return fr, p, nil
}

// AppendReceive appends frame data (L C M A CI ..., no CRCs) as the
// module delivers it with receive mask mask; lqi and rssi (dBm) are
// appended when the mask selects them, and wake is the wake-up character
// for FieldWakeUp. It is the simulator's side of ParseReceive and needs
// the mask to select C, M, A and CI. Errors wrap codec.ErrMalformed or
// codec.ErrUnsupported.
func AppendReceive(dst []byte, frame []byte, mask FieldMask, lqi byte, rssi int, wake byte) ([]byte, error) {
	if !mask.Has(FieldC | FieldM | FieldA | FieldCI) {
		return dst, atErr(codec.ErrUnsupported, -1, "receive mask "+mask.String()+" drops link-layer fields")
	}
	if len(frame) < 1+headerLen || int(frame[0]) != len(frame)-1 {
		return dst, atErr(codec.ErrMalformed, 0, "frame must be L C M A CI ... without CRCs, L counting the bytes after it")
	}
	if mask.Has(FieldWakeUp) {
		dst = append(dst, wake)
	}
	if mask.Has(FieldL) {
		dst = append(dst, frame...)
	} else {
		dst = append(dst, frame[1:]...)
	}
	if mask.Has(FieldLQI) {
		dst = append(dst, lqi)
	}
	if mask.Has(FieldRSSI) {
		dst = append(dst, DBmToRSSI(rssi))
	}
	return dst, nil
}

// Split returns a bufio.SplitFunc that cuts the module's data-mode output
// into frames for ParseReceive with the same mask. Frame boundaries are
// only visible in the bytes when the mask selects FieldL; otherwise the
// returned function fails at once with an error wrapping
// codec.ErrUnsupported (read frame by frame using the UART pause
// instead). A length byte below 10 cannot start a frame and is skipped
// (resynchronisation). At EOF a partial frame gives an error wrapping
// codec.ErrTruncated.
func Split(mask FieldMask) bufio.SplitFunc {
	if !mask.Has(FieldL) {
		return func([]byte, bool) (int, []byte, error) {
			return 0, nil, atErr(codec.ErrUnsupported, -1, "frames cannot be found in a byte stream without the length byte; set bit 0 (L) in register 402")
		}
	}
	pre := 0
	if mask.Has(FieldWakeUp) {
		pre = 1
	}
	tr := trailerLen(mask)
	return func(data []byte, atEOF bool) (int, []byte, error) {
		for skip := 0; ; skip++ {
			d := data[skip:]
			if len(d) < pre+1 {
				if atEOF && len(d) > 0 {
					return len(data), nil, atErr(codec.ErrTruncated, len(d), "stream ends inside a frame")
				}
				return skip, nil, nil
			}
			l := int(d[pre])
			if l < headerLen {
				continue
			}
			n := pre + 1 + l + tr
			if len(d) < n {
				if atEOF {
					return len(data), nil, atErr(codec.ErrTruncated, len(d), "stream ends inside a frame of "+strconv.Itoa(l)+" bytes")
				}
				return skip, nil, nil
			}
			return skip + n, d[:n], nil
		}
	}
}
