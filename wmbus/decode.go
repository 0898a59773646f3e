package wmbus

import (
	"crypto/aes"
	"crypto/subtle"
	"strconv"

	"github.com/meterwire/meterwire/cmac"
	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/mbus"
)

func crcEN(b []byte) uint16 { return crc16.Checksum(b, crc16.EN13757) }

// Sentinel errors, shared with the other meterwire decoders (package codec).
// Decode errors wrap exactly one of them; test with errors.Is.
var (
	ErrTruncated   = codec.ErrTruncated
	ErrCRC         = codec.ErrCRC
	ErrNoKey       = codec.ErrNoKey
	ErrWrongKey    = codec.ErrWrongKey
	ErrMAC         = codec.ErrMAC
	ErrUnsupported = codec.ErrUnsupported
	ErrMalformed   = codec.ErrMalformed
)

// KeyFunc returns the 16-byte AES key for a meter, or nil if none is known.
// The decoder asks with the address that identifies the meter for the layer
// being decrypted: the link address for the ELL (then M2/A2 if that finds
// nothing), the TPL long-header address when there is one, else the link
// address.
type KeyFunc func(a Address) []byte

// StaticKey returns a KeyFunc that answers key for every meter (the
// command line's --key).
func StaticKey(key []byte) KeyFunc { return func(Address) []byte { return key } }

// ELLAddressPolicy selects the address in the ELL AES-CTR counter block of
// a CI 0x8F frame, which carries two addresses. Implementations disagree
// (PROTOCOLS.md): wmbusmeters, jMBus, FHEM and exmbus use the link-layer
// M/A; one parser uses M2/A2.
type ELLAddressPolicy uint8

// ELL address policies.
const (
	ELLAddressLink ELLAddressPolicy = iota // link-layer M/A (default)
	ELLAddressM2A2                         // the ELL's own M2/A2
	ELLAddressAuto                         // link first, then M2/A2 if the PayloadCRC fails
)

func (p ELLAddressPolicy) String() string {
	return [...]string{"link", "m2a2", "auto"}[p]
}

// ParseELLAddressPolicy parses "link", "m2a2" or "auto".
func ParseELLAddressPolicy(s string) (ELLAddressPolicy, bool) {
	switch s {
	case "link", "":
		return ELLAddressLink, true
	case "m2a2":
		return ELLAddressM2A2, true
	case "auto":
		return ELLAddressAuto, true
	}
	return 0, false
}

// Status is the outcome of the security layers.
type Status uint8

// Security outcomes.
const (
	StatusPlain        Status = iota // nothing was encrypted
	StatusDecrypted                  // decrypted and verified (PayloadCRC, 2F2F, MAC)
	StatusAlreadyPlain               // marked encrypted, but a receiver module already decrypted it
	StatusNoKey                      // encrypted and no key known
	StatusWrongKey                   // the key does not decrypt it
	StatusMACFailed                  // the key decrypts it but the MAC does not verify
)

var statusNames = [...]string{"plain", "decrypted", "already-plain", "no-key", "wrong-key", "mac-failed"}

func (s Status) String() string { return statusNames[s] }

// MACResult says what happened to an AFL MAC.
type MACResult uint8

// MAC outcomes.
const (
	MACNone       MACResult = iota // no MAC in the frame
	MACVerified                    // verified
	MACFailed                      // did not verify
	MACNotChecked                  // present but not checked (no key, or policy)
)

func (m MACResult) String() string {
	return [...]string{"none", "verified", "failed", "not-checked"}[m]
}

// Security describes the encryption found and what the decoder did.
type Security struct {
	ELLEncrypted bool   // ELL SN ENC=1 (AES-128-CTR)
	ELLAddress   string // "link" or "m2a2": the counter block address that verified
	TPLMode      int    // TPL security mode (0 none, 5, 7, ...)
	Status       Status
	MAC          MACResult
	// SignatureIgnored is set for a wired frame whose CFG names a reserved
	// security mode: read as the old "signature" field, data as plaintext.
	SignatureIgnored bool
	// ShortBlocks is set when the CFG announced more encrypted blocks than
	// the frame holds; only the whole blocks present were decrypted.
	ShortBlocks bool
	// Encrypted is the byte range [EncStart, EncEnd) of the frame that was
	// (or is) encrypted, for highlighting; EncEnd == 0 if none.
	EncStart, EncEnd int
}

// Mode names the security in use: "none", "ell-aes-ctr", "tpl-mode-5",
// "tpl-mode-7", or both joined with "+".
func (s *Security) Mode() string {
	switch {
	case s.ELLEncrypted && s.TPLMode != 0:
		return "ell-aes-ctr+tpl-mode-" + strconv.Itoa(s.TPLMode)
	case s.ELLEncrypted:
		return "ell-aes-ctr"
	case s.TPLMode != 0:
		return "tpl-mode-" + strconv.Itoa(s.TPLMode)
	}
	return "none"
}

// Telegram is a decoded wM-Bus frame. The slices alias the Decoder's
// buffers and the input: they are valid until the next Decode call.
type Telegram struct {
	// Format is the frame shape the link layer had.
	Format Format
	// Frame is the frame without link CRCs, L counting the bytes after it,
	// and every encrypted byte that could be decrypted replaced by its
	// plaintext (headers unchanged).
	Frame []byte
	// Trailing is what followed the frame in the input (RSSI, LQI, noise).
	Trailing []byte
	// Wired is true for a wired M-Bus long frame (DecodeWired), whose
	// primary address is WiredAddress.
	Wired        bool
	WiredAddress byte

	C    byte    // link-layer C field
	Link Address // link-layer M and A (for wired frames: only what the TPL gives)
	ELL  ELL
	AFL  AFL
	TPL  TPL

	Security Security
	// APLOffset is the offset in Frame where the application data starts,
	// -1 if the frame has none or it could not be decrypted.
	APLOffset int
}

// APL returns the application data (EN 13757-3 records, compact frame or
// manufacturer data), nil if there is none or it is still encrypted.
func (t *Telegram) APL() []byte {
	if t.APLOffset < 0 || t.APLOffset > len(t.Frame) {
		return nil
	}
	return t.Frame[t.APLOffset:]
}

// Meter returns the address identifying the meter: the TPL long header if
// present (the meter behind a radio adapter), else the link address.
func (t *Telegram) Meter() Address {
	if t.TPL.Present && t.TPL.Header == HeaderLong {
		return t.TPL.Addr
	}
	return t.Link
}

// MACPolicy says whether the AFL MAC of mode 7 frames must verify.
type MACPolicy uint8

// MAC policies.
const (
	MACVerify MACPolicy = iota // a MAC mismatch is an error (default)
	MACIgnore                  // decrypt even if the MAC does not verify; Security.MAC says so
)

// Decoder decodes wM-Bus frames. The zero value is ready to use (auto format,
// no keys). A Decoder reuses its buffers and expanded AES keys between
// calls, so it is not safe for concurrent use: give each goroutine its own.
type Decoder struct {
	// Format forces a frame shape; FormatAuto (zero) detects it.
	Format Format
	// Keys looks up meter keys; nil means no keys.
	Keys KeyFunc
	// ELLAddress selects the CI 0x8F counter-block address.
	ELLAddress ELLAddressPolicy
	// MAC selects what a mode 7 MAC mismatch does.
	MAC MACPolicy

	tel     Telegram
	buf     []byte
	saved   []byte
	ciphers cipherCache
	masters map[[KeySize]byte]*cmac.CMAC
	msgMAC  cmac.CMAC // rekeyed with each telegram's Kmac
	s       scratch
	kenc    [16]byte
	kmac    [16]byte
	mac     [16]byte
}

func (d *Decoder) meterErr(t *Telegram, layer string, off int, err error, detail string) error {
	e := &codec.Error{Layer: layer, Offset: off, Err: err, Detail: detail}
	if m := t.Meter(); m != (Address{}) {
		e.Meter = m.meterName()
	}
	return e
}

// Decode decodes one frame: link layer (shape detected or forced, CRCs
// checked and removed), ELL, AFL and TPL, decrypting with the key Keys
// gives. On error the returned Telegram is still non-nil whenever the link
// layer could be read, with everything decoded before the failure (for
// ErrNoKey: all headers up to the encrypted part). The Telegram is owned by
// the Decoder and reused by the next call.
func (d *Decoder) Decode(raw []byte) (*Telegram, error) {
	t := &d.tel
	*t = Telegram{APLOffset: -1}
	buf, format, trailing, err := StripCRC(d.buf[:0], raw, d.Format)
	d.buf = buf
	t.Format = format
	if err != nil {
		return nil, err
	}
	t.Frame = buf
	t.Trailing = raw[len(raw)-trailing:]
	f := t.Frame
	if len(f) < block1Len {
		return nil, truncErr("dll", len(f), "frame shorter than the 10-byte link-layer header")
	}
	t.C = f[1]
	t.Link = parseAddress(f[2:])
	return t, d.decodeLayers(t, block1Len)
}

// decodeLayers decodes the CI layers starting at pos.
func (d *Decoder) decodeLayers(t *Telegram, pos int) error {
	f := t.Frame
	for pos < len(f) {
		ci := f[pos]
		switch {
		case ci >= 0x8C && ci <= 0x8F:
			if t.ELL.Present || t.AFL.Present {
				return d.meterErr(t, "ell", pos, ErrMalformed, "second extended link layer")
			}
			n, err := d.decodeELL(t, pos)
			if err != nil {
				return err
			}
			pos += n
		case ci == 0x86:
			return d.meterErr(t, "ell", pos, ErrUnsupported, "ELL with CI 0x86 (variable length) is not decoded")
		case ci == 0x90:
			if t.AFL.Present {
				return d.meterErr(t, "afl", pos, ErrMalformed, "second AFL")
			}
			n, err := d.decodeAFL(t, pos)
			if err != nil {
				return err
			}
			pos += n
		default:
			return d.decodeTPL(t, pos)
		}
	}
	// The frame ended after the ELL/AFL: nothing more to decode.
	return nil
}

func (d *Decoder) decodeELL(t *Telegram, pos int) (int, error) {
	f := t.Frame
	e := &t.ELL
	e.CI = f[pos]
	n := ellLen(e.CI)
	if len(f)-pos < n {
		return 0, d.meterErr(t, "ell", len(f), ErrTruncated, "ELL CI 0x"+hex2(e.CI)+" needs "+strconv.Itoa(n)+" bytes")
	}
	e.Present = true
	e.Offset = pos
	e.CC = f[pos+1]
	e.ACC = f[pos+2]
	p := pos + 3
	if e.CI == 0x8E || e.CI == 0x8F {
		e.Addr = parseAddress(f[p:])
		e.HasAddr = true
		p += addrLen
	}
	if e.CI == 0x8C || e.CI == 0x8E {
		return n, nil
	}
	e.HasSN = true
	e.SN = le32(f[p:])
	pcOff := p + 4
	e.PayloadCRC = le16(f[pcOff:])
	payload := f[pcOff:] // PayloadCRC .. end: the encrypted region
	switch e.Encryption() {
	case 0:
		if crcEN(payload[2:]) != e.PayloadCRC {
			return 0, d.meterErr(t, "ell", pcOff, ErrCRC, "ELL PayloadCRC does not match the unencrypted payload")
		}
		return n, nil
	case 1:
	default:
		return 0, d.meterErr(t, "ell", p, ErrUnsupported, "ELL encryption "+strconv.Itoa(int(e.Encryption()))+" (only 0 none and 1 AES-128-CTR are defined)")
	}
	t.Security.ELLEncrypted = true
	t.Security.EncStart, t.Security.EncEnd = pcOff, len(f)
	// A receiver module (Telit, Amber) may have decrypted the payload already
	// and left ENC set: then the PayloadCRC matches the bytes as they are.
	// With a key, decryption is tried first (a ciphertext matches its own
	// PayloadCRC once in 65536 frames); without one, the bytes decide.
	rawMatches := crcEN(payload[2:]) == e.PayloadCRC
	key, addr := d.key(t.Link), "link"
	if key == nil && e.HasAddr {
		key, addr = d.key(e.Addr), "m2a2"
	}
	if key == nil {
		if rawMatches {
			t.Security.Status = StatusAlreadyPlain
			return n, nil
		}
		t.Security.Status = StatusNoKey
		return 0, d.meterErr(t, "ell", pcOff, ErrNoKey, "the payload is AES-128-CTR encrypted; add the meter's 16-byte key")
	}
	blk, err := d.ciphers.get(key)
	if err != nil {
		t.Security.Status = StatusWrongKey
		return 0, d.meterErr(t, "ell", pcOff, ErrWrongKey, "key must be 16 bytes")
	}
	d.saved = append(d.saved[:0], payload...)
	try := func(a *Address) bool {
		d.ellICB(a, e)
		d.s.xorCTR(blk, &d.s.cur, payload)
		if crcEN(payload[2:]) == le16(payload) {
			return true
		}
		copy(payload, d.saved)
		return false
	}
	policy := d.ELLAddress
	if !e.HasAddr {
		policy = ELLAddressLink
	}
	ok := false
	switch policy {
	case ELLAddressLink:
		ok = try(&t.Link)
	case ELLAddressM2A2:
		ok, addr = try(&e.Addr), "m2a2"
	case ELLAddressAuto:
		if ok, addr = try(&t.Link), "link"; !ok {
			ok, addr = try(&e.Addr), "m2a2"
		}
	}
	if !ok && rawMatches {
		t.Security.Status = StatusAlreadyPlain
		return n, nil
	}
	if !ok {
		t.Security.Status = StatusWrongKey
		hint := "PayloadCRC does not match after AES-CTR decryption: the key is wrong"
		if e.HasAddr && policy != ELLAddressAuto {
			hint += " (or the counter block needs the other address: try --ell-address auto)"
		}
		return 0, d.meterErr(t, "ell", pcOff, ErrWrongKey, hint)
	}
	e.PayloadCRC = le16(payload)
	t.Security.Status = StatusDecrypted
	t.Security.ELLAddress = addr
	return n, nil
}

// ellICB fills d.s.cur with the ELL initial counter block:
// M(2) A(6) | CC & ^(hop|repeated) | SN(4) | FN(2)=0 | BC=0.
func (d *Decoder) ellICB(a *Address, e *ELL) {
	ellICB(&d.s.cur, a, e)
}

func ellICB(icb *[16]byte, a *Address, e *ELL) {
	a.put(icb[:])
	icb[8] = e.CC &^ (CCHop | CCRepeatedAccess)
	icb[9] = byte(e.SN)
	icb[10] = byte(e.SN >> 8)
	icb[11] = byte(e.SN >> 16)
	icb[12] = byte(e.SN >> 24)
	icb[13], icb[14], icb[15] = 0, 0, 0
}

func (d *Decoder) key(a Address) []byte {
	if d.Keys == nil {
		return nil
	}
	return d.Keys(a)
}

func (d *Decoder) decodeAFL(t *Telegram, pos int) (int, error) {
	f := t.Frame
	a := &t.AFL
	if len(f)-pos < 4 {
		return 0, d.meterErr(t, "afl", len(f), ErrTruncated, "AFL header needs 4 bytes")
	}
	a.Present = true
	a.Offset = pos
	a.AFLL = f[pos+1]
	end := pos + 2 + int(a.AFLL)
	if end > len(f) {
		return 0, d.meterErr(t, "afl", len(f), ErrTruncated, "AFLL says "+strconv.Itoa(int(a.AFLL))+" bytes")
	}
	a.FCL = le16(f[pos+2:])
	p := pos + 4
	need := func(n int, what string) error {
		if p+n > end {
			return d.meterErr(t, "afl", p, ErrMalformed, "AFLL too short for "+what)
		}
		return nil
	}
	if a.Has(FCLMCLPresent) {
		if err := need(1, "MCL"); err != nil {
			return 0, err
		}
		a.MCL = f[p]
		a.mclOff = p
		p++
	}
	if a.Has(FCLKIPresent) {
		if err := need(2, "KI"); err != nil {
			return 0, err
		}
		a.KI = le16(f[p:])
		p += 2
	}
	if a.Has(FCLMCRPresent) {
		if err := need(4, "MCR"); err != nil {
			return 0, err
		}
		a.MCR = le32(f[p:])
		a.mcrOff = p
		p += 4
	}
	if a.Has(FCLMACPresent) {
		ml := macLen(a.MACType())
		if ml == 0 {
			return 0, d.meterErr(t, "afl", a.mclOff, ErrUnsupported, "AFL MAC type "+strconv.Itoa(int(a.MACType())))
		}
		if err := need(ml, "MAC"); err != nil {
			return 0, err
		}
		a.MAC = f[p : p+ml]
		p += ml
	}
	if a.Has(FCLMLPresent) {
		if err := need(2, "ML"); err != nil {
			return 0, err
		}
		a.ML = le16(f[p:])
		a.mlOff = p
		p += 2
	}
	if p != end {
		return 0, d.meterErr(t, "afl", p, ErrMalformed, "AFLL says "+strconv.Itoa(int(a.AFLL))+" bytes but the FCL fields take "+strconv.Itoa(p-pos-2))
	}
	if a.Has(FCLMoreFragments) || a.FragmentID() > 1 {
		return 0, d.meterErr(t, "afl", pos+2, ErrUnsupported, "fragmented message (AFL more-fragments/fragment id): reassembly is not supported")
	}
	return end - pos, nil
}

func (d *Decoder) decodeTPL(t *Telegram, pos int) error {
	f := t.Frame
	tp := &t.TPL
	ci := f[pos]
	info, ok := tplCIInfo(ci)
	if !ok {
		return d.meterErr(t, "tpl", pos, ErrUnsupported, "CI 0x"+hex2(ci)+" is not a wireless M-Bus transport layer this decoder knows")
	}
	tp.Present = true
	tp.Offset = pos
	tp.CI = ci
	tp.Header = info.header
	tp.Content = info.content
	p := pos + 1
	hl := info.header.headerLen()
	if len(f)-p < hl {
		return d.meterErr(t, "tpl", len(f), ErrTruncated, info.header.String()+" TPL header needs "+strconv.Itoa(hl)+" bytes")
	}
	if info.header == HeaderLong {
		tp.Addr = parseLongHeaderAddress(f[p:])
		p += 8
	}
	if info.header != HeaderNone {
		tp.ACC = f[p]
		tp.STS = f[p+1]
		tp.CFG = le16(f[p+2:])
		p += 4
	}
	mode := tp.SecurityMode()
	t.Security.TPLMode = mode
	if mode == 7 {
		if p >= len(f) {
			return d.meterErr(t, "tpl", p, ErrTruncated, "mode 7 configuration extension byte missing")
		}
		tp.CFGExt = f[p]
		tp.HasExt = true
		p++
	}
	switch mode {
	case 0:
		// Status stays what the ELL set (plain, decrypted or already-plain).
		t.APLOffset = p
		return nil
	case 5:
		return d.decryptMode5(t, p)
	case 7:
		return d.decryptMode7(t, p)
	}
	if t.Wired && reservedMode(mode) {
		// Before EN 13757-7 these two bytes of a wired frame were the
		// "signature", and old meters (AMT Calec) fill them with anything.
		// A mode no standard defines cannot be decrypted anyway: read the
		// data as plaintext and say so.
		t.Security.TPLMode = 0
		t.Security.SignatureIgnored = true
		t.APLOffset = p
		return nil
	}
	return d.meterErr(t, "tpl", p-2, ErrUnsupported, "security mode "+strconv.Itoa(mode)+modeName(mode))
}

// reservedMode reports whether a TPL security mode is undefined (reserved)
// in EN 13757-7.
func reservedMode(mode int) bool {
	return mode == 6 || mode == 11 || mode == 12 || mode >= 14
}

func modeName(mode int) string {
	switch mode {
	case 1:
		return " (manufacturer specific)"
	case 2, 3:
		return " (DES, deprecated)"
	case 4:
		return " (AES-CBC with zero IV, deprecated)"
	case 6:
		return " (reserved)"
	case 8:
		return " (AES-128-CTR with CMAC)"
	case 9:
		return " (AES-128-GCM)"
	case 10:
		return " (AES-128-CCM)"
	case 13:
		return " (TLS)"
	}
	return ""
}

// alreadyPlain reports whether data marked as TPL-encrypted already starts
// with the 2F2F a decryption would produce: a receiver (or a log) decrypted
// it and left the security mode set. A real ciphertext starts with 2F2F once
// in 65536 frames; with a key, decryption is tried first.
func alreadyPlain(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x2F && data[1] == 0x2F
}

// encRange returns the length of the encrypted part the CFG announces. When
// the frame ends inside the last announced block (some meters count wrong),
// the whole blocks present are decrypted, as jMBus and wmbusmeters do, and
// Security.ShortBlocks says so; with not even one whole block it is an error.
func (d *Decoder) encRange(t *Telegram, p int) (int, error) {
	n := t.TPL.EncryptedBlocks() * 16
	if avail := len(t.Frame) - p; n > avail {
		if avail < 16 {
			return 0, d.meterErr(t, "tpl", t.TPL.Offset, ErrTruncated, "CFG says "+strconv.Itoa(n/16)+" encrypted blocks but only "+strconv.Itoa(avail)+" bytes follow")
		}
		n = avail / 16 * 16
		t.Security.ShortBlocks = true
	}
	return n, nil
}

func (d *Decoder) tplKey(t *Telegram) []byte {
	if t.TPL.Header == HeaderLong {
		if k := d.key(t.TPL.Addr); k != nil {
			return k
		}
	}
	return d.key(t.Link)
}

func (d *Decoder) decryptMode5(t *Telegram, p int) error {
	n, err := d.encRange(t, p)
	if err != nil {
		return err
	}
	t.Security.EncStart, t.Security.EncEnd = p, p+n
	if n == 0 {
		t.APLOffset = p
		return nil
	}
	data := t.Frame[p : p+n]
	key := d.tplKey(t)
	if key == nil {
		if alreadyPlain(data) {
			t.Security.Status = StatusAlreadyPlain
			t.APLOffset = p
			return nil
		}
		t.Security.Status = StatusNoKey
		return d.meterErr(t, "tpl", p, ErrNoKey, "mode 5 (AES-128-CBC) encrypted; add the meter's 16-byte key")
	}
	blk, err := d.ciphers.get(key)
	if err != nil {
		t.Security.Status = StatusWrongKey
		return d.meterErr(t, "tpl", p, ErrWrongKey, "key must be 16 bytes")
	}
	// IV = M(2) A(6) of the meter + 8 x ACC (EN 13757-7 mode 5).
	iv := &d.s.ctr
	t.Meter().put(iv[:])
	for i := 8; i < 16; i++ {
		iv[i] = t.TPL.ACC
	}
	d.saved = append(d.saved[:0], data...)
	d.s.decryptCBC(blk, iv, data)
	if data[0] != 0x2F || data[1] != 0x2F {
		copy(data, d.saved)
		if alreadyPlain(data) {
			t.Security.Status = StatusAlreadyPlain
			t.APLOffset = p
			return nil
		}
		t.Security.Status = StatusWrongKey
		return d.meterErr(t, "tpl", p, ErrWrongKey, "decrypted data does not start with 2F2F: the key is wrong")
	}
	t.Security.Status = StatusDecrypted
	t.APLOffset = p
	return nil
}

func (d *Decoder) decryptMode7(t *Telegram, p int) error {
	a := &t.AFL
	if !a.Present || !a.Has(FCLMCRPresent) || !a.Has(FCLMACPresent) || !a.Has(FCLMCLPresent) {
		return d.meterErr(t, "tpl", t.TPL.Offset, ErrMalformed, "mode 7 needs an AFL with MCL, message counter and MAC")
	}
	if t.TPL.KDF() != 1 {
		return d.meterErr(t, "tpl", p-1, ErrUnsupported, "mode 7 key derivation "+strconv.Itoa(t.TPL.KDF())+" (only 1, AES-CMAC, is defined)")
	}
	if at := a.MACType(); at < 3 || at > 7 {
		return d.meterErr(t, "afl", a.mclOff, ErrUnsupported, "MAC type "+strconv.Itoa(int(at))+" with mode 7 (AES-CMAC types 3-7 are supported)")
	}
	n, err := d.encRange(t, p)
	if err != nil {
		return err
	}
	t.Security.EncStart, t.Security.EncEnd = p, p+n
	key := d.tplKey(t)
	if key == nil {
		t.Security.MAC = MACNotChecked
		if n > 0 && alreadyPlain(t.Frame[p:p+n]) {
			t.Security.Status = StatusAlreadyPlain
			t.APLOffset = p
			return nil
		}
		t.Security.Status = StatusNoKey
		return d.meterErr(t, "tpl", p, ErrNoKey, "mode 7 (AES-128-CBC, CMAC) encrypted; add the meter's 16-byte key")
	}
	if len(key) != KeySize {
		t.Security.Status = StatusWrongKey
		return d.meterErr(t, "tpl", p, ErrWrongKey, "key must be 16 bytes")
	}
	if err := d.deriveMode7(t, key); err != nil {
		return err
	}
	// MAC = CMAC(Kmac, MCL | MCR | [ML] | TPL CI .. end), truncated (OMS Vol.2 9.3.1).
	f := t.Frame
	mb, _ := aes.NewCipher(d.kmac[:])
	m := &d.msgMAC
	m.Rekey(mb)
	m.Write(f[a.mclOff : a.mclOff+1])
	m.Write(f[a.mcrOff : a.mcrOff+4])
	if a.Has(FCLMLPresent) {
		m.Write(f[a.mlOff : a.mlOff+2])
	}
	m.Write(f[t.TPL.Offset:])
	m.SumInto(d.mac[:])
	macOK := subtle.ConstantTimeCompare(d.mac[:len(a.MAC)], a.MAC) == 1
	eb, _ := aes.NewCipher(d.kenc[:])
	data := f[p : p+n]
	d.saved = append(d.saved[:0], data...)
	d.s.prev = [16]byte{}
	d.s.decryptCBC(eb, &d.s.prev, data)
	// With no encrypted blocks (authentication only) the MAC alone decides.
	marker := n == 0 || data[0] == 0x2F && data[1] == 0x2F
	switch {
	case macOK && marker:
		t.Security.MAC = MACVerified
	case !marker && !macOK && alreadyPlain(d.saved):
		// Decrypted by a receiver that left the mode set: the MAC can no
		// longer be checked (it covers the ciphertext).
		copy(data, d.saved)
		t.Security.Status = StatusAlreadyPlain
		t.Security.MAC = MACNotChecked
		t.APLOffset = p
		return nil
	case !marker || n == 0 && !macOK:
		copy(data, d.saved)
		t.Security.Status = StatusWrongKey
		t.Security.MAC = MACFailed
		return d.meterErr(t, "tpl", p, ErrWrongKey, "AFL MAC does not verify and the data does not decrypt to 2F2F: the key is wrong")
	case d.MAC == MACIgnore:
		t.Security.MAC = MACFailed
	default:
		copy(data, d.saved)
		t.Security.Status = StatusMACFailed
		t.Security.MAC = MACFailed
		return d.meterErr(t, "afl", a.mcrOff+4, ErrMAC, "the key decrypts the data but the AFL MAC does not verify: the telegram was altered, or the meter computes its MAC differently")
	}
	t.Security.Status = StatusDecrypted
	t.APLOffset = p
	return nil
}

// deriveMode7 computes Kenc and Kmac (OMS Vol.2 9.5.2, KDF 1):
// K = CMAC(master, D | MCR(4) | ID(4) | 07 x 7), D = 00 for Kenc, 01 for Kmac.
// ID is the meter's: TPL long header if present, else the link address.
func (d *Decoder) deriveMode7(t *Telegram, master []byte) error {
	k := [KeySize]byte(master)
	c := d.masters[k]
	if c == nil {
		blk, err := aes.NewCipher(master)
		if err != nil {
			return d.meterErr(t, "tpl", t.TPL.Offset, ErrWrongKey, "key must be 16 bytes")
		}
		c, _ = cmac.New(blk)
		if d.masters == nil || len(d.masters) >= maxCachedCiphers {
			d.masters = make(map[[KeySize]byte]*cmac.CMAC)
		}
		d.masters[k] = c
	}
	kdfInput(&d.s.cur, 0x00, t.AFL.MCR, t.Meter().ID)
	c.Reset()
	c.Write(d.s.cur[:])
	c.SumInto(d.kenc[:])
	d.s.cur[0] = 0x01
	c.Reset()
	c.Write(d.s.cur[:])
	c.SumInto(d.kmac[:])
	return nil
}

func kdfInput(b *[16]byte, dc byte, mcr, id uint32) {
	b[0] = dc
	b[1], b[2], b[3], b[4] = byte(mcr), byte(mcr>>8), byte(mcr>>16), byte(mcr>>24)
	b[5], b[6], b[7], b[8] = byte(id), byte(id>>8), byte(id>>16), byte(id>>24)
	for i := 9; i < 16; i++ {
		b[i] = 0x07
	}
}

// DecodeWired decodes a wired M-Bus long frame (EN 13757-2) whose CI is a
// transport layer this package knows (0x72, 0x7A, 0x78, ...), with the same
// TPL security handling as wireless frames. Telegram.Frame holds the frame
// from the first 0x68 through the last data byte (checksum and stop byte
// removed); Telegram.C is the frame's C field, the link Address is empty
// (wired frames carry only a primary address, in WiredAddress).
func (d *Decoder) DecodeWired(raw []byte) (*Telegram, error) {
	fr, n, err := mbus.ParseFrame(raw)
	if err != nil {
		return nil, err
	}
	if fr.Kind != mbus.KindLong {
		return nil, &codec.Error{Layer: "mbus", Offset: 0, Err: ErrUnsupported, Detail: fr.Kind.String() + " frame carries no transport layer"}
	}
	t := &d.tel
	*t = Telegram{APLOffset: -1, Wired: true, Format: FormatNone}
	d.buf = append(d.buf[:0], raw[:fr.DataOffset+len(fr.Data)]...)
	t.Frame = d.buf
	t.Trailing = raw[n:]
	t.C = fr.C
	t.WiredAddress = fr.A
	return t, d.decodeLayers(t, fr.DataOffset-1)
}
