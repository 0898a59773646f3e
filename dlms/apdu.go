package dlms

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
)

// xDLMS APDUs a push meter sends (IEC 62056-5-3 9.5, DLMS Green Book):
//
//	data-notification         0F | long-invoke-id-and-priority (4) | date-time | notification-body
//	general-glo-ciphering     DB | ... (see ParseCiphered)
//	general-ded-ciphering     DF | ...
//	general-block-transfer    E0 | ... (see ParseGBT)
//
// The date-time of a data-notification is an optional octet-string: 00
// when absent, else its length 0C and 12 bytes; some meters (Kaifa
// MA304H3E) tag it as 09 0C. The body is one A-XDR value.

// DataNotificationTag is the data-notification APDU tag.
const DataNotificationTag = 0x0F

// APDUName returns the Green Book name of an APDU tag.
func APDUName(tag byte) string {
	switch tag {
	case DataNotificationTag:
		return "data-notification"
	case GeneralGloCiphering:
		return "general-glo-ciphering"
	case GeneralDedCiphering:
		return "general-ded-ciphering"
	case GeneralBlockTransfer:
		return "general-block-transfer"
	case 0xDD:
		return "general-ciphering"
	case 0xC0:
		return "get-request"
	case 0xC1:
		return "set-request"
	case 0xC2:
		return "event-notification-request"
	case 0xC3:
		return "action-request"
	case 0xC4:
		return "get-response"
	case 0xC5:
		return "set-response"
	case 0xC7:
		return "action-response"
	case 0xD8:
		return "exception-response"
	case 0x60:
		return "aarq"
	case 0x61:
		return "aare"
	case 0x62:
		return "rlrq"
	case 0x63:
		return "rlre"
	}
	return "apdu-0x" + strconv.FormatUint(uint64(tag)|0x100, 16)[1:]
}

// DataNotification is a parsed data-notification APDU. Slices alias the
// input; Body aliases the DataDecoder that decoded it.
type DataNotification struct {
	// LongInvokeID is long-invoke-id-and-priority: bit 31 priority high,
	// bit 30 confirmed service, bit 29 break on error, bit 28
	// self-descriptive, bits 23-0 the invoke id.
	LongInvokeID uint32
	// DateTime is the raw 12-byte date-time; nil when absent.
	DateTime []byte
	// BodyOffset is the offset of the notification-body in the APDU.
	BodyOffset int
	// Body is the decoded notification-body.
	Body *Data
	// Quirks are the vendor deviations the body needed (see
	// DataDecoder.Strict).
	Quirks Quirks
}

// InvokeID returns the invoke id (bits 23-0).
func (n *DataNotification) InvokeID() uint32 { return n.LongInvokeID & 0xFFFFFF }

// HighPriority reports the priority bit.
func (n *DataNotification) HighPriority() bool { return n.LongInvokeID&(1<<31) != 0 }

// Confirmed reports the service-class bit.
func (n *DataNotification) Confirmed() bool { return n.LongInvokeID&(1<<30) != 0 }

// Time returns the date-time of the notification, if it has one.
func (n *DataNotification) Time() (DateTime, bool) {
	if n.DateTime == nil {
		return DateTime{}, false
	}
	t, err := ParseDateTime(n.DateTime)
	return t, err == nil
}

func perr(err error, off int, detail string) error {
	return &codec.Error{Layer: "apdu", Offset: off, Err: err, Detail: detail}
}

// dataNotificationHeader reads tag, invoke id and date-time.
func dataNotificationHeader(b []byte, n *DataNotification) error {
	if len(b) == 0 {
		return perr(codec.ErrTruncated, 0, "empty APDU")
	}
	if b[0] != DataNotificationTag {
		return perr(codec.ErrMalformed, 0, "not a data-notification ("+APDUName(b[0])+")")
	}
	if len(b) < 6 {
		return perr(codec.ErrTruncated, len(b), "data-notification header needs 6 bytes")
	}
	n.LongInvokeID = binary.BigEndian.Uint32(b[1:])
	off := 5
	switch {
	case b[off] == 0x00:
		off++
	case b[off] == 0x0C:
		off++
	case b[off] == TypeOctetString && len(b) == off+1:
		return perr(codec.ErrTruncated, len(b), "date-time length missing")
	case b[off] == TypeOctetString && b[off+1] == 0x0C:
		off += 2
	default:
		return perr(codec.ErrMalformed, off, "date-time must be absent (00) or 12 bytes (0C or 09 0C), got 0x"+strconv.FormatUint(uint64(b[off]), 16))
	}
	if b[5] != 0x00 {
		if len(b)-off < 12 {
			return perr(codec.ErrTruncated, len(b), "date-time needs 12 bytes")
		}
		n.DateTime = b[off : off+12]
		off += 12
	}
	n.BodyOffset = off
	if off >= len(b) {
		return perr(codec.ErrTruncated, off, "notification-body missing")
	}
	return nil
}

// ParseDataNotification parses a data-notification APDU and decodes its
// body into a new tree, which must take every byte after the header. See
// DataDecoder.DataNotification.
func ParseDataNotification(b []byte) (DataNotification, error) {
	var d DataDecoder
	return d.DataNotification(b)
}

// DataNotification parses a data-notification APDU and decodes its body,
// which must take every remaining byte. When the body does not decode
// with d.Quirks and d.Strict is false, it is decoded again with AllQuirks
// and the quirks it needed are reported in Quirks; if that fails too, the
// first error is returned. Errors wrap codec.ErrTruncated,
// codec.ErrMalformed (also for bytes after the body) or
// codec.ErrUnsupported; A-XDR errors carry offsets in the APDU.
func (d *DataDecoder) DataNotification(b []byte) (DataNotification, error) {
	var n DataNotification
	if err := dataNotificationHeader(b, &n); err != nil {
		return n, err
	}
	body := b[n.BodyOffset:]
	root, err := d.decodeAll(body)
	if err != nil && !d.Strict && d.Quirks != AllQuirks {
		q := d.Quirks
		d.Quirks = AllQuirks
		r2, err2 := d.decodeAll(body)
		d.Quirks = q
		if err2 == nil {
			root, err = r2, nil
		}
	}
	if err != nil {
		if e, ok := err.(*codec.Error); ok && e.Offset >= 0 {
			e.Offset += n.BodyOffset
		}
		return n, err
	}
	n.Body = root
	n.Quirks = d.used
	return n, nil
}

// decodeAll decodes b, which must hold exactly one value.
func (d *DataDecoder) decodeAll(b []byte) (*Data, error) {
	root, used, err := d.Decode(b)
	if err != nil {
		return nil, err
	}
	if used != len(b) {
		return nil, aerr(codec.ErrMalformed, used, strconv.Itoa(len(b)-used)+" bytes after the notification-body")
	}
	return root, nil
}

// APDU is an xDLMS APDU identified by its tag, with the part that applies
// parsed.
type APDU struct {
	Tag byte // the first byte: what kind of APDU
	// Raw is the whole APDU as given.
	Raw []byte
	// Notification is set for a data-notification (tag 0F).
	Notification DataNotification
	// Envelope is set for general-glo/ded-ciphering (DB, DF).
	Envelope Envelope
	// Block is set for a general-block-transfer (E0).
	Block GBTBlock
}

// Name returns the APDU's Green Book name.
func (a *APDU) Name() string { return APDUName(a.Tag) }

// ParseAPDU identifies the APDU in b and parses it: a data-notification
// with its body decoded (b must hold exactly the APDU), a ciphered APDU's
// envelope, or a general-block-transfer block. Other APDUs are refused
// with codec.ErrUnsupported, naming them.
func ParseAPDU(b []byte) (APDU, error) {
	a := APDU{Raw: b}
	if len(b) == 0 {
		return a, perr(codec.ErrTruncated, 0, "empty APDU")
	}
	a.Tag = b[0]
	var err error
	switch a.Tag {
	case DataNotificationTag:
		a.Notification, err = ParseDataNotification(b)
	case GeneralGloCiphering, GeneralDedCiphering:
		if a.Envelope, err = ParseCiphered(b); err == nil && a.Envelope.Len != len(b) {
			err = perr(codec.ErrMalformed, a.Envelope.Len, strconv.Itoa(len(b)-a.Envelope.Len)+" bytes after the ciphered APDU")
		}
	case GeneralBlockTransfer:
		if a.Block, err = ParseGBT(b); err == nil && a.Block.Len != len(b) {
			err = perr(codec.ErrMalformed, a.Block.Len, strconv.Itoa(len(b)-a.Block.Len)+" bytes after the block")
		}
	default:
		err = perr(codec.ErrUnsupported, 0, APDUName(a.Tag)+" APDU: meterwire decodes pushed data-notifications")
	}
	return a, err
}

// Step names of Message.Steps.
const (
	StepBlockTransfer    = "general-block-transfer"
	StepGloCiphering     = "general-glo-ciphering"
	StepDedCiphering     = "general-ded-ciphering"
	StepDataNotification = "data-notification"
)

// Step is one unwrapping step of a Message.
type Step struct {
	Name    string // StepXxx
	In, Out int    // length of the APDU read and of the one produced
}

// Message is a data-notification unwrapped from the APDU a transport
// delivered: block transfer joined, ciphering opened, body decoded.
type Message struct {
	// Steps lists what was done, outermost first.
	Steps []Step
	// Blocks is the number of general-block-transfer blocks joined; 0
	// without a block transfer.
	Blocks int
	// Ciphered says the APDU was ciphered; Envelope (its Ciphertext
	// aliases an input buffer) and Auth describe it.
	Ciphered bool
	Envelope Envelope // the ciphering envelope, when Ciphered
	Auth     Auth     // how the plaintext was authenticated, when Ciphered
	// Plain is the plain data-notification APDU, Notification its parse.
	Plain        []byte           // the plain data-notification APDU
	Notification DataNotification // its parse, body decoded
}

// Layers describes the steps for explanations: one layer per step with
// its key fields; offsets count from the start of that step's input.
func (m *Message) Layers() []codec.Layer {
	var ls []codec.Layer
	for _, s := range m.Steps {
		l := codec.Layer{Name: s.Name, Len: s.In}
		switch s.Name {
		case StepBlockTransfer:
			l.Note = strconv.Itoa(m.Blocks) + " blocks joined into " + strconv.Itoa(s.Out) + " bytes"
		case StepGloCiphering, StepDedCiphering:
			e := &m.Envelope
			l.Fields = []codec.Field{
				{Name: "system title", Offset: 2, Len: 8, Hex: hex.EncodeToString(e.SystemTitle[:])},
				{Name: "security control", Offset: e.BodyOffset, Len: 1, Hex: strconv.FormatUint(uint64(e.SC)|0x100, 16)[1:]},
				{Name: "frame counter", Offset: e.BodyOffset + 1, Len: 4, Value: strconv.FormatUint(uint64(e.FC), 10)},
			}
			l.Note = "authentication " + m.Auth.String() + "; " + strconv.Itoa(s.Out) + " bytes of plaintext"
		case StepDataNotification:
			n := &m.Notification
			l.Fields = []codec.Field{
				{Name: "long-invoke-id-and-priority", Offset: 1, Len: 4, Value: strconv.FormatUint(uint64(n.LongInvokeID), 16)},
			}
			if t, ok := n.Time(); ok {
				l.Fields = append(l.Fields, codec.Field{Name: "date-time", Offset: n.BodyOffset - 12, Len: 12, Hex: hex.EncodeToString(n.DateTime), Value: t.String()})
			}
			l.Fields = append(l.Fields, codec.Field{Name: "notification-body", Offset: n.BodyOffset, Len: s.In - n.BodyOffset, Value: TypeName(n.Body.Type)})
			if n.Quirks != 0 {
				l.Note = "vendor quirks: " + n.Quirks.String()
			}
		}
		ls = append(ls, l)
	}
	return ls
}

// Unwrapper turns the APDUs a transport delivers (an HDLC information
// field without LLC, a reassembled M-Bus APDU, a raw APDU) into plain
// data-notifications: it joins general-block-transfer blocks, opens
// general-glo/ded-ciphering with its Decrypter and decodes the body. It
// reuses its buffers: a Message is valid until the next Feed; not safe for
// concurrent use. The zero value decodes plain APDUs.
type Unwrapper struct {
	// Decrypter opens ciphered APDUs; nil refuses them with
	// codec.ErrNoKey.
	Decrypter *Decrypter
	// Counters, when set, refuses a frame counter that does not increase
	// (codec.ErrReplay), checked after the APDU was opened.
	Counters *Counters
	// Blocks joins general-block-transfer blocks; set its limits here.
	Blocks GBTAssembler
	// Data decodes the body; set its limits and quirks here.
	Data DataDecoder

	msg Message
}

// Feed takes the next APDU. It returns the Message when a
// data-notification is complete, or nil and no error when a
// general-block-transfer block was stored and more are expected.
//
// Errors: those of ParseGBT and GBTAssembler.Add, ParseCiphered,
// Decrypter.Open (codec.ErrNoKey, codec.ErrAuth, ...), Counters.Check
// and DataDecoder.DataNotification; codec.ErrMalformed for bytes after a
// block or envelope; codec.ErrUnsupported for other APDUs (named), a
// block transfer inside ciphering or ciphering inside ciphering.
func (u *Unwrapper) Feed(apdu []byte) (*Message, error) {
	if len(apdu) == 0 {
		return nil, perr(codec.ErrTruncated, 0, "empty APDU")
	}
	m := &u.msg
	blocks := 0
	var gbtStep Step
	if apdu[0] == GeneralBlockTransfer {
		g, err := ParseGBT(apdu)
		if err != nil {
			return nil, err
		}
		if g.Len != len(apdu) {
			return nil, perr(codec.ErrMalformed, g.Len, strconv.Itoa(len(apdu)-g.Len)+" bytes after the block")
		}
		inner, done, err := u.Blocks.Add(&g)
		if err != nil || !done {
			return nil, err
		}
		blocks = u.Blocks.Blocks()
		gbtStep = Step{Name: StepBlockTransfer, In: len(apdu), Out: len(inner)}
		apdu = inner
		if len(apdu) == 0 {
			return nil, perr(codec.ErrTruncated, 0, "block transfer of no bytes")
		}
	}
	*m = Message{Steps: m.Steps[:0], Blocks: blocks}
	if blocks > 0 {
		m.Steps = append(m.Steps, gbtStep)
	}
	for {
		switch apdu[0] {
		case GeneralGloCiphering, GeneralDedCiphering:
			if m.Ciphered {
				return nil, perr(codec.ErrUnsupported, 0, "ciphered APDU inside a ciphered APDU")
			}
			e, err := ParseCiphered(apdu)
			if err != nil {
				return nil, err
			}
			if e.Len != len(apdu) {
				return nil, perr(codec.ErrMalformed, e.Len, strconv.Itoa(len(apdu)-e.Len)+" bytes after the ciphered APDU")
			}
			if u.Decrypter == nil {
				return nil, perr(codec.ErrNoKey, e.BodyOffset, "the APDU from system title "+strings.ToUpper(hex.EncodeToString(e.SystemTitle[:]))+" is encrypted; give the meter's encryption key (EK)")
			}
			pt, auth, err := u.Decrypter.Open(&e)
			if err != nil {
				return nil, err
			}
			if u.Counters != nil {
				if err := u.Counters.Check(e.SystemTitle, e.FC); err != nil {
					return nil, err
				}
			}
			name := StepGloCiphering
			if e.APDUTag == GeneralDedCiphering {
				name = StepDedCiphering
			}
			m.Steps = append(m.Steps, Step{Name: name, In: len(apdu), Out: len(pt)})
			m.Ciphered, m.Envelope, m.Auth = true, e, auth
			if len(pt) == 0 {
				return nil, perr(codec.ErrTruncated, 0, "ciphered APDU with no plaintext")
			}
			apdu = pt
		case DataNotificationTag:
			n, err := u.Data.DataNotification(apdu)
			if err != nil {
				return nil, err
			}
			m.Steps = append(m.Steps, Step{Name: StepDataNotification, In: len(apdu), Out: len(apdu)})
			m.Plain, m.Notification = apdu, n
			return m, nil
		case GeneralBlockTransfer:
			return nil, perr(codec.ErrUnsupported, 0, "general-block-transfer inside a ciphered APDU")
		default:
			return nil, perr(codec.ErrUnsupported, 0, APDUName(apdu[0])+" APDU: meterwire decodes pushed data-notifications")
		}
	}
}

// Unwrap unwraps one complete APDU (a general-block-transfer must fit in
// one block) into a new Message, opening ciphering with d (nil for plain
// APDUs). Use an Unwrapper for streams.
func Unwrap(apdu []byte, d *Decrypter) (*Message, error) {
	u := &Unwrapper{Decrypter: d}
	m, err := u.Feed(apdu)
	if err == nil && m == nil {
		return nil, perr(codec.ErrTruncated, len(apdu), "general-block-transfer block without the last-block bit; more blocks are needed")
	}
	return m, err
}
