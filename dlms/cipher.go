// Package dlms implements DLMS/COSEM (IEC 62056-5-3, -6-2) as smart meters
// push it: the general-glo/ded-ciphering envelope with AES-128-GCM
// (security suite 0/1, 12-byte tag) or counter mode without a tag, frame
// counters, A-XDR data, the data-notification APDU and the HDLC, wired
// M-Bus and general-block-transfer transports.
//
// A push travels through these steps, each a function of its input:
//
//	bytes --SplitHDLC--> HDLC frame --ParseHDLC--> HDLCAssembler (segments, LLC) --+
//	bytes --SplitMBus--> M-Bus frame --ParseMBusSegment--> MBusAssembler ----------+--> APDU
//	raw APDU (smarty, Salzburg) ------------------------------------------------------+
//
//	APDU --Unwrapper.Feed--> general-block-transfer (GBTAssembler)
//	     --> general-glo/ded-ciphering (Decrypter) --> data-notification
//	     --> notification-body as a tree of Data (DataDecoder)
//
// Frames are found by their length fields, never by searching for flag
// bytes; check sequences are verified and a frame that fails one is
// reported and not used. Every decoder bounds its work and memory by the
// length of its input, whatever counts the input claims. Vendor
// deviations from A-XDR (Quirks) are accepted only as a named fallback
// and reported.
//
// Ciphering: ParseCiphered reads the envelope
//
//	DB | 08 | system title (8) | BER length | SC | FC (4) | ciphertext [| tag]
//
// and a Decrypter opens it. With a tag (SC 0x30: authenticated and
// encrypted) the tag is checked with AES-GCM over AAD = SC | AK before any
// plaintext is returned; TagPolicy says what to do when the AK is unknown.
// Without a tag (SC 0x20, 0x21) the data is AES-CTR encrypted with the
// counter block IV | 00000002 (the GCM encryption counter), IV = system
// title | FC. AppendCiphered is the encrypting direction.
package dlms

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/aesctr"
)

// Envelope tags.
const (
	GeneralGloCiphering = 0xDB // global key
	GeneralDedCiphering = 0xDF // dedicated key
)

// Security control bits (IEC 62056-5-3 9.2.7.2.4.1).
const (
	SCAuthenticated = 0x10
	SCEncrypted     = 0x20
	SCBroadcastKey  = 0x40
	SCCompressed    = 0x80
	SCSuiteMask     = 0x0F
)

// TagLen is the GCM tag length of security suites 0 and 1.
const TagLen = 12

// SmartyAK is the authentication key every Luxembourg smarty meter uses.
var SmartyAK = []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}

// Envelope is a parsed general-glo/ded-ciphering APDU. Slices alias the
// input.
type Envelope struct {
	APDUTag     byte    // 0xDB or 0xDF
	SystemTitle [8]byte // the sender: 3 letters of manufacturer + serial
	SC          byte    // security control
	FC          uint32  // frame (invocation) counter
	Ciphertext  []byte  // encrypted information (or plaintext for SC 0x10)
	Tag         []byte  // authentication tag; nil without SCAuthenticated
	// Len is the number of input bytes the envelope takes; LenOffset and
	// BodyOffset locate the BER length and SC for explanations.
	Len, LenOffset, BodyOffset int
}

// IV returns the GCM initialisation vector: system title | FC.
func (e *Envelope) IV() (iv [12]byte) {
	copy(iv[:], e.SystemTitle[:])
	binary.BigEndian.PutUint32(iv[8:], e.FC)
	return iv
}

func errAt(err error, off int, detail string) error {
	return &codec.Error{Layer: "dlms", Offset: off, Err: err, Detail: detail}
}

// ReadBERLength reads a BER length (short form < 0x80, or 0x81/0x82/0x83/
// 0x84 followed by that many bytes) at b[0:] and returns it with the
// number of bytes it took.
func ReadBERLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, errAt(codec.ErrTruncated, 0, "length byte missing")
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, nil
	}
	n := int(b[0] & 0x7F)
	if n == 0 || n > 4 {
		return 0, 0, errAt(codec.ErrMalformed, 0, "BER length form 0x"+strconv.FormatUint(uint64(b[0]), 16))
	}
	if len(b) < 1+n {
		return 0, 0, errAt(codec.ErrTruncated, len(b), "BER length needs "+strconv.Itoa(n)+" more bytes")
	}
	v := 0
	for _, c := range b[1 : 1+n] {
		v = v<<8 | int(c)
	}
	if v > 1<<24 {
		return 0, 0, errAt(codec.ErrMalformed, 0, "BER length "+strconv.Itoa(v)+" is implausible")
	}
	return v, 1 + n, nil
}

// AppendBERLength appends n in the shortest BER form.
func AppendBERLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n < 0x100:
		return append(dst, 0x81, byte(n))
	case n < 0x10000:
		return append(dst, 0x82, byte(n>>8), byte(n))
	}
	return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
}

// ParseCiphered parses the envelope at the start of b. Errors wrap
// codec.ErrTruncated or codec.ErrMalformed.
func ParseCiphered(b []byte) (Envelope, error) {
	var e Envelope
	if len(b) < 2 {
		return e, errAt(codec.ErrTruncated, len(b), "ciphered APDU header needs at least 2 bytes")
	}
	if b[0] != GeneralGloCiphering && b[0] != GeneralDedCiphering {
		return e, errAt(codec.ErrMalformed, 0, "not a general-glo/ded-ciphering APDU (tag 0x"+strconv.FormatUint(uint64(b[0]), 16)+", want DB or DF)")
	}
	e.APDUTag = b[0]
	if b[1] != 8 {
		return e, errAt(codec.ErrMalformed, 1, "system title length "+strconv.Itoa(int(b[1]))+", want 8")
	}
	if len(b) < 10 {
		return e, errAt(codec.ErrTruncated, len(b), "system title needs 8 bytes")
	}
	copy(e.SystemTitle[:], b[2:10])
	e.LenOffset = 10
	n, ln, err := ReadBERLength(b[10:])
	if err != nil {
		err.(*codec.Error).Offset += 10
		return e, err
	}
	e.BodyOffset = 10 + ln
	end := e.BodyOffset + n
	if n < 5 {
		return e, errAt(codec.ErrMalformed, 10, "length "+strconv.Itoa(n)+" is shorter than SC and frame counter")
	}
	if len(b) < end {
		return e, errAt(codec.ErrTruncated, len(b), "length says "+strconv.Itoa(end)+" bytes, got "+strconv.Itoa(len(b)))
	}
	body := b[e.BodyOffset:end]
	e.SC = body[0]
	e.FC = binary.BigEndian.Uint32(body[1:5])
	rest := body[5:]
	if e.SC&SCAuthenticated != 0 {
		if len(rest) < TagLen {
			return e, errAt(codec.ErrMalformed, e.BodyOffset+5, "authenticated APDU shorter than its 12-byte tag")
		}
		e.Tag = rest[len(rest)-TagLen:]
		rest = rest[:len(rest)-TagLen]
	}
	e.Ciphertext = rest
	e.Len = end
	return e, nil
}

// TagPolicy says what a Decrypter does with an authentication tag.
type TagPolicy uint8

// Tag policies.
const (
	// TagAuto verifies the tag when it can: with the AK given, else with
	// smarty's published AK, else over an empty AAD (some meters do that);
	// when none verifies and no AK was given it decrypts without checking
	// and says so. With an AK given, a tag that does not verify is an error.
	TagAuto TagPolicy = iota
	// TagVerify requires a verified tag (AK given or smarty's).
	TagVerify
	// TagDecryptOnly decrypts without checking the tag (operators that do
	// not publish the AK); the inner CRC is then the only integrity check.
	TagDecryptOnly
)

func (p TagPolicy) String() string { return [...]string{"auto", "verify", "decrypt-only"}[p] }

// ParseTagPolicy parses "auto", "verify" or "decrypt-only".
func ParseTagPolicy(s string) (TagPolicy, bool) {
	switch s {
	case "auto", "":
		return TagAuto, true
	case "verify":
		return TagVerify, true
	case "decrypt-only", "decrypt":
		return TagDecryptOnly, true
	}
	return 0, false
}

// Auth says how the plaintext was authenticated.
type Auth uint8

// Authentication outcomes.
const (
	AuthNone          Auth = iota // SC without authentication: no tag to check
	AuthVerified                  // tag verified with AAD = SC | AK
	AuthVerifiedEmpty             // tag verified over an empty AAD
	AuthNotChecked                // tag present but not checked (decrypt-only)
)

func (a Auth) String() string {
	return [...]string{"none", "verified", "verified-empty-aad", "not-checked"}[a]
}

// Decrypter opens ciphered APDUs with one key. It caches the AES and GCM
// state and reuses its buffer: not safe for concurrent use.
type Decrypter struct {
	Key []byte // EK, 16 bytes
	AK  []byte // authentication key; nil if unknown
	// Policy says what to do with tags.
	Policy TagPolicy

	key    [16]byte
	block  cipher.Block
	gcm    cipher.AEAD
	buf    []byte
	aad    [17]byte
	stream aesctr.Stream
	icb    [16]byte
	iv     [12]byte // a local array would escape through cipher.AEAD
}

func (d *Decrypter) init() error {
	if len(d.Key) != 16 {
		return errAt(codec.ErrWrongKey, -1, "the encryption key must be 16 bytes (32 hex digits), got "+strconv.Itoa(len(d.Key)))
	}
	if d.block != nil && [16]byte(d.Key) == d.key {
		return nil
	}
	b, err := aes.NewCipher(d.Key)
	if err != nil {
		return err
	}
	g, err := cipher.NewGCMWithTagSize(b, TagLen)
	if err != nil {
		return err
	}
	d.key, d.block, d.gcm = [16]byte(d.Key), b, g
	return nil
}

// Open decrypts (and authenticates) e. The plaintext aliases the
// Decrypter's buffer until the next call. Errors: codec.ErrNoKey (no key),
// codec.ErrAuth (the tag does not verify: wrong EK or AK, or altered data;
// no plaintext is returned), codec.ErrUnsupported (compression, unknown
// suite).
func (d *Decrypter) Open(e *Envelope) ([]byte, Auth, error) {
	if len(d.Key) == 0 {
		return nil, AuthNone, errAt(codec.ErrNoKey, e.BodyOffset, "the APDU is encrypted; give the meter's encryption key (EK)")
	}
	if err := d.init(); err != nil {
		return nil, AuthNone, err
	}
	if e.SC&SCCompressed != 0 {
		return nil, AuthNone, errAt(codec.ErrUnsupported, e.BodyOffset, "compressed APDU (SC bit 7)")
	}
	if s := e.SC & SCSuiteMask; s > 1 {
		return nil, AuthNone, errAt(codec.ErrUnsupported, e.BodyOffset, "security suite "+strconv.Itoa(int(s))+" (0 and 1 are supported)")
	}
	d.iv = e.IV()
	switch {
	case e.SC&SCEncrypted != 0 && e.SC&SCAuthenticated != 0:
		return d.openGCM(e, d.iv[:])
	case e.SC&SCEncrypted != 0:
		d.buf = append(d.buf[:0], e.Ciphertext...)
		d.ctr(d.iv, d.buf)
		return d.buf, AuthNone, nil
	case e.SC&SCAuthenticated != 0:
		// Authentication only: GMAC over SC | AK | plaintext.
		ak, ok := d.authKey()
		if !ok {
			if d.Policy == TagVerify {
				return nil, AuthNone, errAt(codec.ErrAuth, e.BodyOffset, "authenticated APDU and no authentication key (AK) to verify it")
			}
			d.buf = append(d.buf[:0], e.Ciphertext...)
			return d.buf, AuthNotChecked, nil
		}
		aad := append(append(append(d.buf[:0], e.SC), ak...), e.Ciphertext...)
		if _, err := d.gcm.Open(nil, d.iv[:], e.Tag, aad); err != nil {
			return nil, AuthNone, errAt(codec.ErrAuth, len(e.Ciphertext), "GMAC tag does not verify")
		}
		d.buf = append(d.buf[:0], e.Ciphertext...)
		return d.buf, AuthVerified, nil
	}
	d.buf = append(d.buf[:0], e.Ciphertext...)
	return d.buf, AuthNone, nil
}

// authKey returns the AK given, if it has the right length.
func (d *Decrypter) authKey() ([]byte, bool) {
	if len(d.AK) == 16 {
		return d.AK, true
	}
	return nil, false
}

// ctr decrypts data in place with AES-CTR from counter IV | 00000002.
func (d *Decrypter) ctr(iv [12]byte, data []byte) {
	copy(d.icb[:12], iv[:])
	binary.BigEndian.PutUint32(d.icb[12:], 2)
	d.stream.XOR(d.block, &d.icb, data)
}

func (d *Decrypter) tryGCM(e *Envelope, iv, aad []byte) bool {
	ct := append(append(d.buf[:0], e.Ciphertext...), e.Tag...)
	out, err := d.gcm.Open(ct[:0], iv, ct, aad)
	if err != nil {
		return false
	}
	d.buf = out
	return true
}

func (d *Decrypter) openGCM(e *Envelope, iv []byte) ([]byte, Auth, error) {
	if d.Policy == TagDecryptOnly {
		d.buf = append(d.buf[:0], e.Ciphertext...)
		d.ctr([12]byte(iv), d.buf)
		return d.buf, AuthNotChecked, nil
	}
	d.aad[0] = e.SC
	if ak, ok := d.authKey(); ok {
		copy(d.aad[1:], ak)
		if d.tryGCM(e, iv, d.aad[:]) {
			return d.buf, AuthVerified, nil
		}
		if d.tryGCM(e, iv, nil) {
			return d.buf, AuthVerifiedEmpty, nil
		}
		return nil, AuthNone, errAt(codec.ErrAuth, e.Len-TagLen, "the GCM tag does not verify with this EK and AK: wrong key, or the frame was altered; no plaintext is returned")
	}
	// No AK given: smarty's published AK, then an empty AAD.
	copy(d.aad[1:], SmartyAK)
	if d.tryGCM(e, iv, d.aad[:]) {
		return d.buf, AuthVerified, nil
	}
	if d.tryGCM(e, iv, nil) {
		return d.buf, AuthVerifiedEmpty, nil
	}
	if d.Policy == TagVerify {
		return nil, AuthNone, errAt(codec.ErrAuth, e.Len-TagLen, "the GCM tag does not verify with this EK (tried smarty's AK and an empty AAD): wrong key, altered frame, or give the AK")
	}
	d.buf = append(d.buf[:0], e.Ciphertext...)
	d.ctr([12]byte(iv), d.buf)
	return d.buf, AuthNotChecked, nil
}

// Seal describes an envelope to build.
type Seal struct {
	APDUTag     byte // 0 means 0xDB
	SystemTitle [8]byte
	SC          byte // 0 means 0x30 (authenticated and encrypted, suite 0)
	FC          uint32
	Key, AK     []byte
}

// AppendCiphered appends the envelope of plaintext under s to dst: GCM with
// a 12-byte tag over AAD = SC | AK for SC 0x3x, CTR without tag for 0x2x.
func AppendCiphered(dst []byte, s *Seal, plaintext []byte) ([]byte, error) {
	tag, sc := s.APDUTag, s.SC
	if tag == 0 {
		tag = GeneralGloCiphering
	}
	if sc == 0 {
		sc = SCAuthenticated | SCEncrypted
	}
	if len(s.Key) != 16 {
		return dst, errAt(codec.ErrMalformed, -1, "the encryption key must be 16 bytes")
	}
	if sc&SCAuthenticated != 0 && len(s.AK) != 16 {
		return dst, errAt(codec.ErrMalformed, -1, "an authenticated APDU needs a 16-byte AK")
	}
	if sc&SCEncrypted == 0 || sc&(SCCompressed|0x0E) != 0 {
		return dst, errAt(codec.ErrUnsupported, -1, "security control 0x"+strconv.FormatUint(uint64(sc), 16)+": build 0x30, 0x31, 0x20 or 0x21")
	}
	b, _ := aes.NewCipher(s.Key)
	e := Envelope{SystemTitle: s.SystemTitle, FC: s.FC}
	iv := e.IV()
	n := 5 + len(plaintext)
	if sc&SCAuthenticated != 0 {
		n += TagLen
	}
	dst = append(dst, tag, 8)
	dst = append(dst, s.SystemTitle[:]...)
	dst = AppendBERLength(dst, n)
	dst = append(dst, sc)
	dst = binary.BigEndian.AppendUint32(dst, s.FC)
	if sc&SCAuthenticated != 0 {
		g, _ := cipher.NewGCMWithTagSize(b, TagLen)
		aad := append([]byte{sc}, s.AK...)
		return g.Seal(dst, iv[:], plaintext, aad), nil
	}
	start := len(dst)
	dst = append(dst, plaintext...)
	var icb [16]byte
	copy(icb[:], iv[:])
	binary.BigEndian.PutUint32(icb[12:], 2)
	var st aesctr.Stream
	st.XOR(b, &icb, dst[start:])
	return dst, nil
}

// Counters tracks the last frame counter per system title, so a replayed
// (or re-ordered) frame is refused. Record a counter only after the frame
// was authenticated. Safe for concurrent use; the zero value is ready.
type Counters struct {
	mu sync.Mutex
	m  map[[8]byte]uint32
}

// Check returns codec.ErrReplay if fc is not greater than the last counter
// accepted from st, and otherwise records it. After a key change the meter
// restarts at 0: call Reset for that system title.
func (c *Counters) Check(st [8]byte, fc uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if last, ok := c.m[st]; ok && fc <= last {
		return errAt(codec.ErrReplay, -1, "frame counter "+strconv.FormatUint(uint64(fc), 10)+" from system title "+
			strings.ToUpper(hex.EncodeToString(st[:]))+" is not above the last one ("+strconv.FormatUint(uint64(last), 10)+"): replayed or re-ordered frame")
	}
	if c.m == nil {
		c.m = make(map[[8]byte]uint32)
	}
	c.m[st] = fc
	return nil
}

// Reset forgets the counter of st (after a key change).
func (c *Counters) Reset(st [8]byte) {
	c.mu.Lock()
	delete(c.m, st)
	c.mu.Unlock()
}

// Last returns the last accepted counter of st.
func (c *Counters) Last(st [8]byte) (uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[st]
	return v, ok
}
