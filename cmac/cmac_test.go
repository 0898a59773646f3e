package cmac

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"fmt"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The four examples of RFC 4493 section 4 (key 2b7e1516...).
func TestRFC4493(t *testing.T) {
	key := unhex("2b7e151628aed2a6abf7158809cf4f3c")
	msg := unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	cases := []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	}
	b, _ := aes.NewCipher(key)
	c, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		// Whole message, then in every two-piece split.
		for split := 0; split <= tc.n; split++ {
			c.Reset()
			c.Write(msg[:split])
			c.Write(msg[split:tc.n])
			if got := c.Sum(nil); !bytes.Equal(got, unhex(tc.want)) {
				t.Fatalf("len %d split %d: %x want %s", tc.n, split, got, tc.want)
			}
		}
	}
	// RFC 4493 subkeys.
	if !bytes.Equal(c.k1[:], unhex("fbeed618357133667c85e08f7236a8de")) || !bytes.Equal(c.k2[:], unhex("f7ddac306ae266ccf90bc11ee46d513b")) {
		t.Fatalf("subkeys k1=%x k2=%x", c.k1, c.k2)
	}
}

// OMS mode 7 key derivation, Annex N example (shared testdata
// wmbus/oms_examples.txt): Kenc = CMAC(K, 00 | MCR | ID | 07*7).
func TestOMSKDF(t *testing.T) {
	b, _ := aes.NewCipher(unhex("000102030405060708090A0B0C0D0E0F"))
	c, _ := New(b)
	c.Write(unhex("00B30A00007856341207070707070707"))
	if got := fmt.Sprintf("%x", c.Sum(nil)); got != "eccf39d475d730b8284fdfdc1995d52f" {
		t.Fatalf("Kenc %s", got)
	}
}

func TestSumIntoNoAlloc(t *testing.T) {
	b, _ := aes.NewCipher(make([]byte, 16))
	c, _ := New(b)
	var out [8]byte
	msg := make([]byte, 37)
	allocs := testing.AllocsPerRun(100, func() {
		c.Reset()
		c.Write(msg)
		c.SumInto(out[:])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func BenchmarkCMAC64(b *testing.B) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	c, _ := New(blk)
	msg := make([]byte, 64)
	var out [16]byte
	b.SetBytes(64)
	for b.Loop() {
		c.Reset()
		c.Write(msg)
		c.SumInto(out[:])
	}
}
