// Package wmbus decodes and builds wireless M-Bus frames (EN 13757-4 link
// layer, EN 13757-7 / OMS transport and security layers) in both
// directions.
//
// Decoding: a Decoder takes a frame as a receiver delivers it (format A or
// B with block CRCs, or without CRCs), detects its shape, checks and removes
// the CRCs, and decodes the Extended Link Layer (CI 0x8C-0x8F, AES-128-CTR
// with ENC=1), the Authentication and Fragmentation Layer (CI 0x90, AES-CMAC
// MAC) and the transport layer (no, short or long header) with security
// modes 5 (AES-128-CBC) and 7 (AES-128-CBC with key derivation and MAC). The
// result, a Telegram, keeps every layer with its byte offsets; Layers and
// WriteExplanation explain each byte, Report gives the JSON form.
//
// Errors wrap the sentinels of package codec, so a caller can tell a
// missing key (ErrNoKey) from a wrong one (ErrWrongKey: PayloadCRC or 2F2F
// mismatch after decryption), a failed MAC (ErrMAC), a damaged frame
// (ErrCRC, ErrTruncated, ErrMalformed) and what is valid but not decoded
// (ErrUnsupported). With ErrNoKey the Telegram still holds every header up
// to the encrypted part.
//
// Building: AppendFrame turns a Spec into a complete frame, computing L, the
// PayloadCRC, the 2F2F marker and padding, the encryption, the MAC and the
// block CRCs.
//
// Where implementations disagree (the address in the CI 0x8F counter block,
// MACs that do not follow the standard rule) the choice is an option
// (ELLAddressPolicy, MACPolicy), never a silent guess.
//
// Performance: a reused Decoder decodes an ELL AES-CTR or mode 5 telegram
// in about 200 ns without allocating; the Telegram and its slices belong to
// the Decoder until the next call.
package wmbus
