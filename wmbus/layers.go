package wmbus

import "encoding/binary"

// ELL is the Extended Link Layer (EN 13757-4, CI 0x8C..0x8F).
type ELL struct {
	Present bool
	Offset  int  // offset of the CI byte in the frame
	CI      byte // 0x8C, 0x8D, 0x8E or 0x8F
	CC      byte // communication control
	ACC     byte // access number
	// Addr is M2/A2 (CI 0x8E/0x8F): the other party's address.
	Addr    Address
	HasAddr bool
	// SN is the session number (CI 0x8D/0x8F) as a little-endian uint32.
	SN    uint32
	HasSN bool
	// PayloadCRC as received (after decryption, if the payload was encrypted).
	PayloadCRC uint16
}

// Len returns the ELL length including its CI byte.
func (e *ELL) Len() int { return ellLen(e.CI) }

func ellLen(ci byte) int {
	switch ci {
	case 0x8C:
		return 3
	case 0x8D:
		return 9
	case 0x8E:
		return 11
	case 0x8F:
		return 17
	}
	return 0
}

// Encryption returns the SN ENC field (bits 31-29): 0 none, 1 AES-128-CTR.
func (e *ELL) Encryption() uint8 { return uint8(e.SN >> 29) }

// Minutes returns the SN time field (bits 28-4), minutes since a meter epoch.
func (e *ELL) Minutes() uint32 { return e.SN >> 4 & 0x1FFFFFF }

// Session returns the SN session field (bits 3-0).
func (e *ELL) Session() uint8 { return uint8(e.SN & 0xF) }

// MakeSN builds a session number from its fields.
func MakeSN(enc uint8, minutes uint32, session uint8) uint32 {
	return uint32(enc&7)<<29 | (minutes&0x1FFFFFF)<<4 | uint32(session&0xF)
}

// ELL CC bits (EN 13757-4).
const (
	CCBidirectional  = 0x80
	CCResponseDelay  = 0x40
	CCSynchronised   = 0x20
	CCHop            = 0x10
	CCPriority       = 0x08
	CCAccessibility  = 0x04
	CCRepeatedAccess = 0x02
)

// AFL is the Authentication and Fragmentation Layer (CI 0x90).
type AFL struct {
	Present bool
	Offset  int    // offset of the CI byte
	AFLL    byte   // length of the AFL after the AFLL byte
	FCL     uint16 // fragmentation control
	MCL     byte   // message control (valid if FCL has MCL present)
	KI      uint16 // key information
	MCR     uint32 // message counter
	MAC     []byte // the MAC as received (aliases the frame)
	ML      uint16 // message length
	mcrOff  int    // offset of MCR in the frame
	mclOff  int
	mlOff   int
}

// FCL bits.
const (
	FCLMoreFragments = 1 << 14
	FCLMCLPresent    = 1 << 13
	FCLMLPresent     = 1 << 12
	FCLMCRPresent    = 1 << 11
	FCLMACPresent    = 1 << 10
	FCLKIPresent     = 1 << 9
)

// Has reports whether an FCL presence bit is set.
func (a *AFL) Has(bit uint16) bool { return a.FCL&bit != 0 }

// FragmentID returns FCL bits 7-0.
func (a *AFL) FragmentID() byte { return byte(a.FCL) }

// MACType returns the MCL authentication type (bits 3-0).
func (a *AFL) MACType() byte { return a.MCL & 0x0F }

// macLen returns the MAC length for an AFL MAC type, 0 if undefined.
func macLen(at byte) int {
	switch at {
	case 3:
		return 2
	case 4:
		return 4
	case 5:
		return 8
	case 6:
		return 12
	case 7:
		return 16
	case 8:
		return 12 // GMAC
	}
	return 0
}

// TPL is the transport layer header (EN 13757-7).
type TPL struct {
	Present bool
	Offset  int // offset of the CI byte
	CI      byte
	Header  HeaderKind
	// Addr is the long-header address (Header == HeaderLong).
	Addr   Address
	ACC    byte
	STS    byte
	CFG    uint16
	CFGExt byte // mode 7 configuration extension
	HasExt bool
	// Content says what follows the header.
	Content Content
}

// HeaderKind is the TPL header form a CI selects.
type HeaderKind uint8

// TPL header forms.
const (
	HeaderNone  HeaderKind = iota // no TPL header (CI 0x78, 0x79, manufacturer CIs)
	HeaderShort                   // ACC STS CFG
	HeaderLong                    // ID M ver type ACC STS CFG
)

func (h HeaderKind) String() string {
	switch h {
	case HeaderShort:
		return "short"
	case HeaderLong:
		return "long"
	}
	return "none"
}

// Content is what follows a TPL header.
type Content uint8

// TPL contents.
const (
	ContentRecords      Content = iota // EN 13757-3 data records (full frame)
	ContentCompact                     // compact frame: format signature + values
	ContentFormat                      // format frame: DIF/VIF list only
	ContentNone                        // no application data
	ContentManufacturer                // manufacturer-specific bytes
	ContentCommand                     // command to a device
)

func (c Content) String() string {
	return [...]string{"records", "compact", "format", "none", "manufacturer", "command"}[c]
}

type ciInfo struct {
	header  HeaderKind
	content Content
	name    string
}

// tplCIs lists the transport-layer CIs (EN 13757-7 table of CI fields).
var tplCIs = map[byte]ciInfo{
	0x5A: {HeaderShort, ContentCommand, "command, short header"},
	0x5B: {HeaderLong, ContentCommand, "command, long header"},
	0x69: {HeaderLong, ContentFormat, "format frame, long header"},
	0x6A: {HeaderNone, ContentFormat, "format frame, no header"},
	0x6B: {HeaderShort, ContentFormat, "format frame, short header"},
	0x72: {HeaderLong, ContentRecords, "response, long header"},
	0x73: {HeaderLong, ContentCompact, "compact frame, long header"},
	0x78: {HeaderNone, ContentRecords, "response, no header"},
	0x79: {HeaderNone, ContentCompact, "compact frame, no header"},
	0x7A: {HeaderShort, ContentRecords, "response, short header"},
	0x7B: {HeaderShort, ContentCompact, "compact frame, short header"},
	0x8A: {HeaderShort, ContentNone, "TPL short header, no application data"},
	0x8B: {HeaderLong, ContentNone, "TPL long header, no application data"},
}

func tplCIInfo(ci byte) (ciInfo, bool) {
	if ci >= 0xA0 && ci <= 0xB7 {
		return ciInfo{HeaderNone, ContentManufacturer, "manufacturer specific"}, true
	}
	i, ok := tplCIs[ci]
	return i, ok
}

// SecurityMode returns the CFG security mode (bits 12-8).
func (t *TPL) SecurityMode() int {
	if t.Header == HeaderNone {
		return 0
	}
	return int(t.CFG >> 8 & 0x1F)
}

// EncryptedBlocks returns the number of encrypted 16-byte blocks (CFG
// bits 7-4, modes 5 and 7).
func (t *TPL) EncryptedBlocks() int { return int(t.CFG >> 4 & 0x0F) }

// KDF returns the mode 7 key derivation selection (extension bits 5-4).
func (t *TPL) KDF() int { return int(t.CFGExt >> 4 & 3) }

// KeyID returns the mode 7 key id (extension bits 3-0).
func (t *TPL) KeyID() int { return int(t.CFGExt & 0x0F) }

// Mode 0-5 CFG bits (EN 13757-7).
const (
	CFGBidirectional = 0x8000
	CFGAccessibility = 0x4000
	CFGSynchronous   = 0x2000
	CFGRepeated      = 0x0002
	CFGHop           = 0x0001
)

// headerLen returns the TPL header length after the CI byte.
func (h HeaderKind) headerLen() int {
	switch h {
	case HeaderShort:
		return 4
	case HeaderLong:
		return 12
	}
	return 0
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
