package main

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// parseHex accepts hex with optional spaces, underscores, colons, '|' and a
// 0x prefix, as telegrams are pasted from logs and documents.
func parseHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '_', ':', '|', '-':
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(s)
	if err != nil {
		if len(s)%2 == 1 {
			return nil, fmt.Errorf("odd number of hex digits (%d)", len(s))
		}
		return nil, fmt.Errorf("not hex: %v", err)
	}
	return b, nil
}

// parseKey parses a 16-byte AES key. Its error never repeats the key.
func parseKey(s string) ([]byte, error) {
	k, err := parseHex(s)
	if err != nil {
		return nil, fmt.Errorf("not hex")
	}
	if len(k) != 16 {
		return nil, fmt.Errorf("%d bytes, an AES-128 key has 16 (32 hex digits)", len(k))
	}
	return k, nil
}
