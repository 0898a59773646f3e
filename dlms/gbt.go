package dlms

import (
	"encoding/binary"
	"strconv"

	"github.com/meterwire/meterwire/codec"
)

// General-Block-Transfer (IEC 62056-5-3 9.3.10, DLMS Green Book): a long
// APDU cut into numbered blocks, each an APDU of its own:
//
//	E0 | block-control | block-number (2) | block-number-ack (2) | BER length | block data
//
// block-control: bit 7 last block, bit 6 streaming, bits 5-0 window size.
// Blocks are numbered from 1; the data of all blocks in order is the
// inner APDU (for push meters a ciphered data-notification).

// GeneralBlockTransfer is the general-block-transfer APDU tag.
const GeneralBlockTransfer = 0xE0

// Default limits of GBTAssembler.
const (
	// DefaultMaxBlocks bounds the blocks of one general-block-transfer.
	DefaultMaxBlocks = 256
)

// GBTBlock is one parsed general-block-transfer APDU. Data aliases the
// input.
type GBTBlock struct {
	Control   byte   // block-control
	Last      bool   // bit 7: the last block
	Streaming bool   // bit 6: more blocks follow without waiting for an ack
	Window    byte   // bits 5-0: window size
	Number    uint16 // block-number, from 1
	Ack       uint16 // block-number-ack
	// Data is the block data; DataOffset its offset in the input.
	Data       []byte // block data
	DataOffset int    // offset of Data in the input
	// Len is the number of input bytes the block takes.
	Len int
}

func gerr(err error, off int, detail string) error {
	return &codec.Error{Layer: "gbt", Offset: off, Err: err, Detail: detail}
}

// ParseGBT parses the general-block-transfer APDU at the start of b.
// Errors wrap codec.ErrTruncated or codec.ErrMalformed.
func ParseGBT(b []byte) (GBTBlock, error) {
	var g GBTBlock
	if len(b) == 0 {
		return g, gerr(codec.ErrTruncated, 0, "empty input")
	}
	if b[0] != GeneralBlockTransfer {
		return g, gerr(codec.ErrMalformed, 0, "not a general-block-transfer APDU (tag 0x"+strconv.FormatUint(uint64(b[0]), 16)+", want E0)")
	}
	if len(b) < 6 {
		return g, gerr(codec.ErrTruncated, len(b), "block header needs 6 bytes before the length")
	}
	g.Control = b[1]
	g.Last = g.Control&0x80 != 0
	g.Streaming = g.Control&0x40 != 0
	g.Window = g.Control & 0x3F
	g.Number = binary.BigEndian.Uint16(b[2:])
	g.Ack = binary.BigEndian.Uint16(b[4:])
	n, ln, err := ReadBERLength(b[6:])
	if err != nil {
		e := err.(*codec.Error)
		return g, gerr(e.Err, e.Offset+6, "block length: "+e.Detail)
	}
	g.DataOffset = 6 + ln
	if len(b)-g.DataOffset < n {
		return g, gerr(codec.ErrTruncated, len(b), "block length "+strconv.Itoa(n)+", got "+strconv.Itoa(len(b)-g.DataOffset)+" bytes")
	}
	g.Data = b[g.DataOffset : g.DataOffset+n]
	g.Len = g.DataOffset + n
	if g.Number == 0 {
		return g, gerr(codec.ErrMalformed, 2, "block number 0 (blocks count from 1)")
	}
	return g, nil
}

// AppendGBT appends a general-block-transfer APDU carrying data to dst:
// block-control from last, streaming and window, ack 0.
func AppendGBT(dst []byte, number uint16, last, streaming bool, window byte, data []byte) []byte {
	c := window & 0x3F
	if last {
		c |= 0x80
	}
	if streaming {
		c |= 0x40
	}
	dst = append(dst, GeneralBlockTransfer, c, byte(number>>8), byte(number), 0, 0)
	dst = AppendBERLength(dst, len(data))
	return append(dst, data...)
}

// Layer describes the block for explanations.
func (g *GBTBlock) Layer() codec.Layer {
	return codec.Layer{Name: "gbt", Len: g.Len, Fields: []codec.Field{
		{Name: "tag", Offset: 0, Len: 1, Hex: "e0", Meaning: "general-block-transfer"},
		{Name: "block-control", Offset: 1, Len: 1, Hex: strconv.FormatUint(uint64(g.Control)|0x100, 16)[1:],
			Meaning: "last " + strconv.FormatBool(g.Last) + ", streaming " + strconv.FormatBool(g.Streaming) + ", window " + strconv.Itoa(int(g.Window))},
		{Name: "block-number", Offset: 2, Len: 2, Value: strconv.Itoa(int(g.Number))},
		{Name: "block-number-ack", Offset: 4, Len: 2, Value: strconv.Itoa(int(g.Ack))},
		{Name: "block-data", Offset: g.DataOffset, Len: len(g.Data), Value: strconv.Itoa(len(g.Data)) + " bytes"},
	}}
}

// GBTAssembler joins general-block-transfer blocks, given in order, into
// the inner APDU. It keeps one buffer: not safe for concurrent use. The
// zero value is ready, with the default limits.
type GBTAssembler struct {
	// MaxBlocks bounds the blocks of one transfer (0: DefaultMaxBlocks);
	// MaxSize the inner APDU (0: DefaultMaxAPDU).
	MaxBlocks, MaxSize int

	buf     []byte
	next    uint16 // number of the block expected next; 0: none pending
	blocks  int    // blocks of the last completed transfer
	dropped int
}

// Reset drops a partly assembled transfer.
func (a *GBTAssembler) Reset() {
	a.buf = a.buf[:0]
	a.next = 0
}

// Pending returns the number of blocks waiting for the last one.
func (a *GBTAssembler) Pending() int {
	if a.next == 0 {
		return 0
	}
	return int(a.next) - 1
}

// Blocks returns how many blocks the last completed transfer had.
func (a *GBTAssembler) Blocks() int { return a.blocks }

// Dropped returns how many transfers were abandoned so far: by an error,
// or because block 1 of a new transfer arrived before the last block of
// the pending one.
func (a *GBTAssembler) Dropped() int { return a.dropped }

func (a *GBTAssembler) drop() {
	a.Reset()
	a.dropped++
}

// Add takes the next block. It returns the inner APDU and true when g is
// the last block; nil and false while blocks are pending. The APDU aliases
// g (a transfer of one block) or the assembler's buffer until the next
// Add. Block 1 always starts a new transfer; a pending one that lacks its
// last block is then dropped and counted in Dropped.
//
// Errors say what happened to g: codec.ErrMalformed for a gap (g and the
// pending transfer are dropped), a repeated block or a block without its
// predecessors (g is ignored, a pending transfer goes on);
// codec.ErrUnsupported when the transfer exceeds MaxBlocks or MaxSize
// (dropped).
func (a *GBTAssembler) Add(g *GBTBlock) ([]byte, bool, error) {
	maxBlocks, maxSize := a.MaxBlocks, a.MaxSize
	if maxBlocks <= 0 {
		maxBlocks = DefaultMaxBlocks
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxAPDU
	}
	switch {
	case g.Number == 1:
		if a.next != 0 {
			a.drop()
		}
		a.buf = a.buf[:0]
		if g.Last {
			if len(g.Data) > maxSize {
				a.dropped++
				return nil, false, gerr(codec.ErrUnsupported, -1, "block longer than "+strconv.Itoa(maxSize)+" bytes (MaxSize)")
			}
			a.blocks = 1
			return g.Data, true, nil
		}
	case a.next == 0:
		return nil, false, gerr(codec.ErrMalformed, 2, "block "+strconv.Itoa(int(g.Number))+" without the blocks before it; ignored")
	case g.Number < a.next:
		return nil, false, gerr(codec.ErrMalformed, 2, "block "+strconv.Itoa(int(g.Number))+" repeated; ignored")
	case g.Number > a.next:
		want := a.next
		a.drop()
		return nil, false, gerr(codec.ErrMalformed, 2, "block "+strconv.Itoa(int(g.Number))+" where block "+strconv.Itoa(int(want))+" was expected; transfer dropped")
	}
	if int(g.Number) > maxBlocks {
		a.drop()
		return nil, false, gerr(codec.ErrUnsupported, 2, "more than "+strconv.Itoa(maxBlocks)+" blocks (MaxBlocks); transfer dropped")
	}
	if len(a.buf)+len(g.Data) > maxSize {
		a.drop()
		return nil, false, gerr(codec.ErrUnsupported, -1, "transfer longer than "+strconv.Itoa(maxSize)+" bytes (MaxSize); dropped")
	}
	a.buf = append(a.buf, g.Data...)
	if !g.Last {
		a.next = g.Number + 1
		if a.next == 0 {
			a.drop()
			return nil, false, gerr(codec.ErrUnsupported, 2, "block numbers exhausted; transfer dropped")
		}
		return nil, false, nil
	}
	a.blocks = int(g.Number)
	a.next = 0
	return a.buf, true, nil
}
