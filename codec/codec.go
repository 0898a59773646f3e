// Package codec holds what every meterwire decoder shares: the error model
// (sentinel causes wrapped in an *Error that says where decoding stopped)
// and the explanation model (layers and fields with byte offsets) behind
// `meterwire decode --explain` and the web analyzer.
//
// Decoders return errors that satisfy errors.Is with exactly one of the
// sentinels below, so a program can tell the causes a user must act on
// apart:
//
//	switch {
//	case errors.Is(err, codec.ErrNoKey):    // add a key for this meter
//	case errors.Is(err, codec.ErrWrongKey): // the key does not fit
//	case errors.Is(err, codec.ErrCRC):      // radio noise; wait for the next telegram
//	}
package codec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel causes. Each decoder documents which ones it returns.
var (
	// ErrTruncated: the input ends before a length field says it should.
	ErrTruncated = errors.New("truncated")
	// ErrCRC: a checksum or CRC over received bytes does not match.
	ErrCRC = errors.New("CRC mismatch")
	// ErrNoKey: the data is encrypted and no key is known for the meter.
	ErrNoKey = errors.New("no key")
	// ErrWrongKey: decryption with the known key does not yield a valid
	// plaintext (PayloadCRC, 2F2F marker or MAC mismatch after decryption).
	ErrWrongKey = errors.New("wrong key")
	// ErrMAC: a message authentication code does not verify although the
	// key decrypts the data: the telegram was altered or the MAC rule differs.
	ErrMAC = errors.New("MAC verification failed")
	// ErrAuth: an AES-GCM authentication tag does not verify.
	ErrAuth = errors.New("authentication tag mismatch")
	// ErrUnknownSignature: a compact frame whose format signature has not
	// been seen in a full frame yet.
	ErrUnknownSignature = errors.New("unknown format signature")
	// ErrReplay: a frame or message counter went backwards.
	ErrReplay = errors.New("replayed frame")
	// ErrUnsupported: valid input using a feature meterwire does not decode.
	ErrUnsupported = errors.New("unsupported")
	// ErrMalformed: the bytes violate the protocol (a field has an
	// impossible value, lengths disagree).
	ErrMalformed = errors.New("malformed")
)

// Error describes where and why decoding stopped. It wraps one sentinel.
type Error struct {
	Layer  string // protocol layer, e.g. "dll", "ell", "afl", "tpl"
	Offset int    // byte offset in the decoded frame (link CRCs removed) where the problem is; -1 if none
	Meter  string // meter identity as users know it, e.g. "12345678 (KAM)"; may be empty
	Err    error  // the sentinel cause
	Detail string // what exactly is wrong and what to do about it
}

// Error formats as "layer at offset N: cause: detail".
func (e *Error) Error() string {
	b := make([]byte, 0, 64+len(e.Detail))
	if e.Layer != "" {
		b = append(b, e.Layer...)
	}
	if e.Offset >= 0 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, "at offset "...)
		b = strconv.AppendInt(b, int64(e.Offset), 10)
	}
	if len(b) > 0 {
		b = append(b, ": "...)
	}
	if e.Err != nil {
		b = append(b, e.Err.Error()...)
	}
	if e.Meter != "" {
		b = append(b, " for meter "...)
		b = append(b, e.Meter...)
	}
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	return string(b)
}

// Unwrap returns the sentinel cause.
func (e *Error) Unwrap() error { return e.Err }

// Field is one named item of a layer, with the bytes it occupies.
type Field struct {
	Name    string `json:"name"`
	Offset  int    `json:"offset"`
	Len     int    `json:"len"`
	Hex     string `json:"hex"`
	Value   string `json:"value"`
	Meaning string `json:"meaning,omitempty"`
}

// Layer is one protocol layer of a decoded message: its byte range and
// fields. Offsets count from the first byte of the decoded message.
type Layer struct {
	Name   string  `json:"name"`
	Offset int     `json:"offset"`
	Len    int     `json:"len"`
	Fields []Field `json:"fields"`
	Note   string  `json:"note,omitempty"`
}

// WriteLayers writes layers as indented text, one line per field with its
// offset, bytes (shortened past 16), name, value and meaning: the common
// form of `meterwire decode --explain`.
func WriteLayers(b *strings.Builder, layers []Layer) {
	for _, l := range layers {
		fmt.Fprintf(b, "%s [%d..%d)", strings.ToUpper(l.Name), l.Offset, l.Offset+l.Len)
		if l.Note != "" {
			fmt.Fprintf(b, "  %s", l.Note)
		}
		b.WriteByte('\n')
		for _, fl := range l.Fields {
			hx := fl.Hex
			if len(hx) > 32 {
				hx = hx[:28] + "..."
			}
			val := fl.Value
			if val != "" {
				val = " = " + val
			}
			fmt.Fprintf(b, "  %3d  %-32s %s%s", fl.Offset, hx, fl.Name, val)
			if fl.Meaning != "" {
				fmt.Fprintf(b, "  (%s)", fl.Meaning)
			}
			b.WriteByte('\n')
		}
	}
}
