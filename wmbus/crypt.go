package wmbus

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/meterwire/meterwire/internal/aesctr"
)

// KeySize is the AES-128 key length used by every wM-Bus security mode here.
const KeySize = 16

// maxCachedCiphers bounds the per-decoder cache of expanded AES keys; a
// head-end with more meters than this simply re-expands keys.
const maxCachedCiphers = 4096

// cipherCache keeps one expanded AES key per raw key so the hot path does not
// call aes.NewCipher (which allocates) for every telegram.
type cipherCache map[[KeySize]byte]cipher.Block

func (c *cipherCache) get(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return aes.NewCipher(key) // returns the KeySizeError
	}
	k := [KeySize]byte(key)
	if b, ok := (*c)[k]; ok {
		return b, nil
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if *c == nil || len(*c) >= maxCachedCiphers {
		*c = make(cipherCache)
	}
	(*c)[k] = b
	return b, nil
}

// scratch holds the 16-byte blocks the ciphers work on. They live in the
// Decoder (heap) because a stack array passed to cipher.Block's interface
// methods escapes and would cost an allocation per block.
type scratch struct {
	ctr, prev, cur [16]byte
	ctrStream      aesctr.Stream
}

// xorCTR applies AES-CTR with the initial counter block icb to data in place.
func (s *scratch) xorCTR(b cipher.Block, icb *[16]byte, data []byte) {
	s.ctrStream.XOR(b, icb, data)
}

// decryptCBC decrypts whole blocks of data in place with the given IV.
func (s *scratch) decryptCBC(b cipher.Block, iv *[16]byte, data []byte) {
	s.prev = *iv
	for ; len(data) >= 16; data = data[16:] {
		copy(s.cur[:], data[:16])
		b.Decrypt(data[:16], data[:16])
		subtle.XORBytes(data[:16], data[:16], s.prev[:])
		s.prev = s.cur
	}
}

// encryptCBC encrypts whole blocks of data in place with the given IV.
func (s *scratch) encryptCBC(b cipher.Block, iv *[16]byte, data []byte) {
	s.prev = *iv
	for ; len(data) >= 16; data = data[16:] {
		subtle.XORBytes(data[:16], data[:16], s.prev[:])
		b.Encrypt(data[:16], data[:16])
		copy(s.prev[:], data[:16])
	}
}
