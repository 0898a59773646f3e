// Package cmac implements AES-CMAC (RFC 4493, NIST SP 800-38B) over any
// 128-bit block cipher. OMS security mode 7 uses it twice: as the key
// derivation function (Kenc, Kmac) and as the AFL message authentication
// code, truncated to 2..16 bytes.
//
// A CMAC is a hash.Hash: Write the message in as many pieces as convenient,
// then Sum. Reset makes it reusable; a reused CMAC does not allocate.
// It is not safe for concurrent use.
package cmac

import (
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"hash"
)

// BlockSize is the only block size CMAC is defined for here.
const BlockSize = 16

// CMAC computes AES-CMAC with one key. Create it with New.
type CMAC struct {
	b      cipher.Block
	k1, k2 [BlockSize]byte
	x      [BlockSize]byte // running chaining value
	buf    [BlockSize]byte // pending bytes, not yet known to be the last block
	n      int             // bytes in buf
	out    [BlockSize]byte // scratch for Sum; a stack array would escape through cipher.Block
}

var _ hash.Hash = (*CMAC)(nil)

// New returns a CMAC keyed by b, whose block size must be 16 bytes.
func New(b cipher.Block) (*CMAC, error) {
	if b.BlockSize() != BlockSize {
		return nil, errors.New("cmac: block size must be 16 bytes")
	}
	c := new(CMAC)
	c.Rekey(b)
	return c, nil
}

// Rekey makes c compute CMACs with b (block size 16, unchecked), reusing
// c's memory: a decoder deriving a key per message rekeys one CMAC instead
// of allocating a new one.
func (c *CMAC) Rekey(b cipher.Block) {
	c.b = b
	c.out = [BlockSize]byte{}
	b.Encrypt(c.out[:], c.out[:])
	shift(&c.k1, &c.out)
	shift(&c.k2, &c.k1)
	c.Reset()
}

// shift sets dst = src << 1, XOR Rb (0x87) if the top bit of src was set.
func shift(dst, src *[BlockSize]byte) {
	var carry byte
	for i := BlockSize - 1; i >= 0; i-- {
		b := src[i]
		dst[i] = b<<1 | carry
		carry = b >> 7
	}
	dst[BlockSize-1] ^= 0x87 & -carry
}

// Reset clears the message, keeping the key.
func (c *CMAC) Reset() {
	c.x = [BlockSize]byte{}
	c.n = 0
}

// Size returns the full MAC length, 16.
func (c *CMAC) Size() int { return BlockSize }

// BlockSize returns 16.
func (c *CMAC) BlockSize() int { return BlockSize }

// Write adds p to the message. It never returns an error.
func (c *CMAC) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if c.n == BlockSize {
			// buf holds a full block and more data follows: it is not last.
			subtle.XORBytes(c.x[:], c.x[:], c.buf[:])
			c.b.Encrypt(c.x[:], c.x[:])
			c.n = 0
		}
		k := copy(c.buf[c.n:], p)
		c.n += k
		p = p[k:]
	}
	return n, nil
}

// Sum appends the 16-byte MAC of the message written so far to in. It does
// not change the state, so more may be written after it.
func (c *CMAC) Sum(in []byte) []byte {
	c.sum(&c.out)
	return append(in, c.out[:]...)
}

// SumInto writes the first len(dst) bytes (at most 16) of the MAC into dst,
// without allocating.
func (c *CMAC) SumInto(dst []byte) {
	c.sum(&c.out)
	copy(dst, c.out[:])
}

func (c *CMAC) sum(out *[BlockSize]byte) {
	copy(out[:], c.buf[:c.n])
	if c.n == BlockSize {
		subtle.XORBytes(out[:], out[:], c.k1[:])
	} else {
		out[c.n] = 0x80
		for i := c.n + 1; i < BlockSize; i++ {
			out[i] = 0
		}
		subtle.XORBytes(out[:], out[:], c.k2[:])
	}
	subtle.XORBytes(out[:], out[:], c.x[:])
	c.b.Encrypt(out[:], out[:])
}
