// Package aesctr applies AES counter mode without allocating: the counter
// and keystream blocks live in a caller-owned Stream (a stack array passed
// to cipher.Block's interface methods would escape and cost an allocation
// per block). wM-Bus ELL encryption and DLMS ciphering without a tag use it.
package aesctr

import (
	"crypto/cipher"
	"crypto/subtle"
)

// Stream holds the scratch blocks of one CTR operation. The zero value is
// ready; reuse it.
type Stream struct {
	ctr, ks [16]byte
}

// XOR applies AES-CTR with the 16-byte initial counter block icb to data in
// place. The counter is incremented as a 128-bit big-endian number
// (EN 13757-7; for DLMS/GCM only the low 32 bits move for frames under
// 64 GiB, which is the same thing).
func (s *Stream) XOR(b cipher.Block, icb *[16]byte, data []byte) {
	s.ctr = *icb
	for len(data) > 0 {
		b.Encrypt(s.ks[:], s.ctr[:])
		n := subtle.XORBytes(data, data, s.ks[:])
		data = data[n:]
		for i := 15; i >= 0; i-- {
			s.ctr[i]++
			if s.ctr[i] != 0 {
				break
			}
		}
	}
}
