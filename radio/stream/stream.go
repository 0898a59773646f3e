// Package stream reads inputs that are byte streams rather than radio
// modules: hex lines (a file, stdin or a TCP server), raw capture files and
// P1 ports (serial, ser2net TCP or a capture file). All of them are
// receive-only: Send returns radio.ErrReceiveOnly.
//
// The building blocks (Tokens, which splits a reader in a goroutine of its
// own, and Conn, a receive-only radio.Conn over any split function) are
// exported for the line-based receiver drivers (rtl_wmbus, culfw).
package stream

import (
	"bufio"
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/radio"
)

// Conn is a receive-only radio.Conn over a byte stream: the stream is split
// into tokens, and each token is decoded into a Frame. Tokens that do not
// decode (noise, half frames, comments) are skipped and counted; the
// stream goes on with the next token, so nothing after them is lost.
type Conn struct {
	port    io.Closer
	tokens  *Tokens
	decode  func(tok []byte) (radio.Frame, error)
	skipped atomic.Int64
	once    sync.Once
	err     error
}

// NewConn starts reading port with split and decodes each token with
// decode. A token decode rejects is skipped; decode may return an empty
// Frame (nil Data) and a nil error for tokens to ignore without counting
// them (comments). maxToken bounds a token (DefaultMaxToken when <= 0).
func NewConn(port io.ReadCloser, split bufio.SplitFunc, maxToken int, decode func(tok []byte) (radio.Frame, error)) *Conn {
	return &Conn{port: port, tokens: NewTokens(port, split, maxToken), decode: decode}
}

// Receive returns the next frame. Frames without a time get the host's
// time of arrival. At the end of a finite input it returns io.EOF; when
// the port fails, the port's error; after Close, ErrClosed.
func (c *Conn) Receive() (radio.Frame, error) {
	for {
		tok, err := c.tokens.Next(0)
		if err != nil {
			return radio.Frame{}, err
		}
		f, err := c.decode(tok)
		if err != nil {
			c.skipped.Add(1)
			continue
		}
		if f.Data == nil {
			continue
		}
		if f.Time.IsZero() {
			f.Time = time.Now()
		}
		return f, nil
	}
}

// Send returns radio.ErrReceiveOnly: byte streams cannot transmit.
func (c *Conn) Send([]byte) error { return radio.ErrReceiveOnly }

// Close stops reading and closes the port; a Receive in progress returns
// ErrClosed.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.tokens.Close()
		c.err = c.port.Close()
	})
	return c.err
}

// Skipped is the number of tokens that did not decode as frames.
func (c *Conn) Skipped() int64 { return c.skipped.Load() }

// Discarded is the number of bytes dropped because they did not fit in a
// token (see Tokens).
func (c *Conn) Discarded() int64 { return c.tokens.Discarded() }

// maxHexLine bounds a hex line: a wM-Bus frame is at most 290 bytes with
// CRCs; room is left for separators and comments.
const maxHexLine = 8 << 10

// NewHexConn reads hex frames, one a line, from port: a file, stdin or a
// TCP connection (hex+tcp). See ParseHexLine for what a line may hold.
// Lines that are not frames are skipped (Conn.Skipped counts them).
func NewHexConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return NewConn(port, radio.SplitLines, maxHexLine, func(tok []byte) (radio.Frame, error) {
		data, err := ParseHexLine(string(tok))
		return radio.Frame{Data: data}, err
	}), nil
}

// NewRawConn reads a raw capture from port. The format is described at
// SplitRaw: wM-Bus frames with their link-layer CRCs (format A or B),
// back to back. Bytes that do not start a frame are skipped.
func NewRawConn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return NewConn(port, SplitRaw, 4096, decodeRaw), nil
}

// maxP1Unit bounds a P1 unit; p1.Split accepts telegrams and frames of up
// to 16 KiB.
const maxP1Unit = 64 << 10

// NewP1Conn reads P1 units from port (a serial port, a ser2net TCP
// connection or a capture file): DSMR text telegrams and binary DLMS
// frames (general-glo-ciphering as smarty meters send it, HDLC, DLMS in
// wired M-Bus frames), mixed on one stream if need be, as p1.Split finds
// them. Each unit is one Frame with P1 set and Data the unit as sent (not
// decrypted or checked: decode it with p1.Decoder). Bytes between units
// (noise, the tail of a telegram that was cut off when the port was
// opened) are skipped, see SplitP1.
func NewP1Conn(port io.ReadWriteCloser, d radio.Device) (radio.Conn, error) {
	return NewConn(port, SplitP1, maxP1Unit, func(tok []byte) (radio.Frame, error) {
		return radio.Frame{Data: tok, P1: true}, nil
	}), nil
}

// SplitP1 is p1.Split with one more resynchronisation rule. A ciphered
// DLMS frame (0xDB/0xDF) is found by its length field, so a frame cut
// short (the port opened in the middle of one, bytes lost) would swallow
// the start of the next frame and both would be lost. When the bytes
// p1.Split returns as a frame contain the header of another frame from the
// same meter (tag, 08, the same 8-byte system title), the first one was
// cut short: it is skipped up to that header, and the next frame arrives
// whole. (Ten bytes repeating inside ciphertext by chance: about 2^-80.)
// Text telegrams need no such rule: p1.Split restarts at a new '/' header.
func SplitP1(data []byte, atEOF bool) (int, []byte, error) {
	skipped := 0
	for {
		adv, tok, err := p1.Split(data[skipped:], atEOF)
		if len(tok) > 10 && (tok[0] == dlms.GeneralGloCiphering || tok[0] == dlms.GeneralDedCiphering) && tok[1] == 8 {
			if k := bytes.Index(tok[1:], tok[:10]); k >= 0 {
				// Look again from the inner header at once: a bufio.Scanner
				// reads more before it calls again after a skip, and the
				// next frame may be all there is.
				skipped += adv - len(tok) + 1 + k
				continue
			}
		}
		return skipped + adv, tok, err
	}
}
