package wmbus

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
)

// Layers explains the telegram: every layer that was decoded, each field
// with its byte offset in Frame, its hex, value and meaning. It allocates
// and is meant for people (`decode --explain`, the web analyzer), not for
// the hot path.
func (t *Telegram) Layers() []codec.Layer {
	if t == nil || len(t.Frame) == 0 {
		return nil
	}
	f := t.Frame
	var out []codec.Layer
	fld := func(name string, off, n int, value, meaning string) codec.Field {
		// A field the (truncated) frame does not hold is shown empty.
		off = min(off, len(f))
		if off+n > len(f) {
			n = len(f) - off
		}
		return codec.Field{Name: name, Offset: off, Len: n, Hex: strings.ToUpper(hex.EncodeToString(f[off : off+n])), Value: value, Meaning: meaning}
	}
	if t.Wired {
		out = append(out, codec.Layer{Name: "mbus", Offset: 0, Len: 7, Fields: []codec.Field{
			fld("start", 0, 4, "68 L L 68", "wired M-Bus long frame (EN 13757-2)"),
			fld("C", 4, 1, "0x"+hex2(t.C), "control field"),
			fld("A", 5, 1, strconv.Itoa(int(t.WiredAddress)), "primary address (253 = secondary addressing)"),
		}, Note: "checksum and stop byte removed"})
	} else {
		dll := codec.Layer{Name: "dll", Offset: 0, Len: block1Len, Fields: []codec.Field{
			fld("L", 0, 1, strconv.Itoa(int(f[0])), "bytes after L, without link CRCs"),
			fld("C", 1, 1, "0x"+hex2(t.C), cFieldMeaning(t.C)),
			fld("M", 2, 2, t.Link.ManufacturerCode(), "manufacturer (FLAG code)"),
			fld("ID", 4, 4, t.Link.IDString(), "identification number (BCD, least significant byte first)"),
			fld("version", 8, 1, strconv.Itoa(int(t.Link.Version)), "meter version"),
			fld("type", 9, 1, "0x"+hex2(t.Link.Type), DeviceTypeName(t.Link.Type)),
		}}
		dll.Note = formatNote(t.Format, len(f))
		out = append(out, dll)
	}
	if e := &t.ELL; e.Present {
		l := codec.Layer{Name: "ell", Offset: e.Offset, Len: e.Len()}
		l.Fields = append(l.Fields,
			fld("CI", e.Offset, 1, "0x"+hex2(e.CI), "extended link layer "+map[byte]string{0x8C: "I", 0x8D: "II", 0x8E: "III", 0x8F: "IV"}[e.CI]),
			fld("CC", e.Offset+1, 1, "0x"+hex2(e.CC), ccMeaning(e.CC)),
			fld("ACC", e.Offset+2, 1, strconv.Itoa(int(e.ACC)), "access number"))
		p := e.Offset + 3
		if e.HasAddr {
			l.Fields = append(l.Fields,
				fld("M2", p, 2, e.Addr.ManufacturerCode(), "manufacturer of the other party"),
				fld("A2", p+2, 6, e.Addr.IDString()+" v"+strconv.Itoa(int(e.Addr.Version))+" type 0x"+hex2(e.Addr.Type), DeviceTypeName(e.Addr.Type)))
			p += addrLen
		}
		if e.HasSN {
			enc := map[uint8]string{0: "none", 1: "AES-128-CTR"}[e.Encryption()]
			if enc == "" {
				enc = "reserved " + strconv.Itoa(int(e.Encryption()))
			}
			l.Fields = append(l.Fields,
				fld("SN", p, 4, fmt.Sprintf("0x%08X", e.SN), fmt.Sprintf("session number: encryption %s, time %d min, session %d", enc, e.Minutes(), e.Session())),
				fld("PayloadCRC", p+4, 2, fmt.Sprintf("0x%04X", e.PayloadCRC), "CRC-16/EN-13757 of the bytes after it (little-endian)"+payloadNote(t)))
		}
		out = append(out, l)
	}
	if a := &t.AFL; a.Present {
		l := codec.Layer{Name: "afl", Offset: a.Offset, Len: 2 + int(a.AFLL)}
		l.Fields = append(l.Fields,
			fld("CI", a.Offset, 1, "0x90", "authentication and fragmentation layer"),
			fld("AFLL", a.Offset+1, 1, strconv.Itoa(int(a.AFLL)), "AFL length after this byte"),
			fld("FCL", a.Offset+2, 2, fmt.Sprintf("0x%04X", a.FCL), fclMeaning(a)))
		p := a.Offset + 4
		if a.Has(FCLMCLPresent) {
			l.Fields = append(l.Fields, fld("MCL", p, 1, "0x"+hex2(a.MCL), mclMeaning(a.MCL)))
			p++
		}
		if a.Has(FCLKIPresent) {
			l.Fields = append(l.Fields, fld("KI", p, 2, fmt.Sprintf("0x%04X", a.KI), "key information"))
			p += 2
		}
		if a.Has(FCLMCRPresent) {
			l.Fields = append(l.Fields, fld("MCR", p, 4, strconv.FormatUint(uint64(a.MCR), 10), "message counter (input to the mode 7 key derivation)"))
			p += 4
		}
		if a.Has(FCLMACPresent) {
			l.Fields = append(l.Fields, fld("MAC", p, len(a.MAC), strings.ToUpper(hex.EncodeToString(a.MAC)), "AES-CMAC over MCL, MCR, [ML] and the TPL to the end: "+t.Security.MAC.String()))
			p += len(a.MAC)
		}
		if a.Has(FCLMLPresent) {
			l.Fields = append(l.Fields, fld("ML", p, 2, strconv.Itoa(int(a.ML)), "message length"))
		}
		out = append(out, l)
	}
	if tp := &t.TPL; tp.Present {
		info, _ := tplCIInfo(tp.CI)
		l := codec.Layer{Name: "tpl", Offset: tp.Offset, Len: 1 + tp.Header.headerLen()}
		l.Fields = append(l.Fields, fld("CI", tp.Offset, 1, "0x"+hex2(tp.CI), info.name))
		p := tp.Offset + 1
		if tp.Header == HeaderLong {
			l.Fields = append(l.Fields,
				fld("ID", p, 4, tp.Addr.IDString(), "meter identification number"),
				fld("M", p+4, 2, tp.Addr.ManufacturerCode(), "meter manufacturer"),
				fld("version", p+6, 1, strconv.Itoa(int(tp.Addr.Version)), "meter version"),
				fld("type", p+7, 1, "0x"+hex2(tp.Addr.Type), DeviceTypeName(tp.Addr.Type)))
			p += addrLen
		}
		if tp.Header != HeaderNone {
			l.Fields = append(l.Fields,
				fld("ACC", p, 1, strconv.Itoa(int(tp.ACC)), "access number"),
				fld("STS", p+1, 1, "0x"+hex2(tp.STS), stsMeaning(tp.STS)),
				fld("CFG", p+2, 2, fmt.Sprintf("0x%04X", tp.CFG), cfgMeaning(tp)))
			p += 4
		}
		if tp.HasExt {
			l.Fields = append(l.Fields, fld("CFG-ext", p, 1, "0x"+hex2(tp.CFGExt), fmt.Sprintf("key derivation %d (1 = AES-CMAC), key id %d", tp.KDF(), tp.KeyID())))
			l.Len++
		}
		out = append(out, l)
	}
	if t.APLOffset >= 0 && t.APLOffset <= len(f) {
		l := codec.Layer{Name: "apl", Offset: t.APLOffset, Len: len(f) - t.APLOffset}
		if t.TPL.Present {
			l.Note = "application data: " + t.TPL.Content.String()
		}
		if s := &t.Security; s.EncEnd > s.EncStart && s.Status == StatusDecrypted && s.EncStart >= t.APLOffset {
			l.Fields = append(l.Fields, fld("decrypted", s.EncStart, s.EncEnd-s.EncStart, "", "bytes that were encrypted (plaintext shown; 2F2F marks a valid decryption, 2F fills)"))
			if s.EncEnd < len(f) {
				l.Fields = append(l.Fields, fld("clear", s.EncEnd, len(f)-s.EncEnd, "", "sent unencrypted after the encrypted blocks"))
			}
		} else if l.Len > 0 {
			l.Fields = append(l.Fields, fld("data", t.APLOffset, l.Len, "", "application bytes"))
		}
		out = append(out, l)
	} else if s := &t.Security; s.EncEnd > s.EncStart && s.EncStart < len(f) {
		out = append(out, codec.Layer{Name: "encrypted", Offset: s.EncStart, Len: len(f) - s.EncStart,
			Fields: []codec.Field{fld("ciphertext", s.EncStart, len(f)-s.EncStart, "", s.Status.String())}})
	}
	return out
}

func formatNote(f Format, n int) string {
	switch f {
	case FormatA:
		return "received as format A: CRC after block 1 and after every 16 bytes (removed; offsets count without them)"
	case FormatB:
		if n > formatBBlock2 {
			return "received as format B: CRCs after byte 126 and at the end (removed; offsets count without them)"
		}
		return "received as format B: one CRC at the end over blocks 1 and 2 (removed)"
	}
	return "received without link-layer CRCs"
}

func cFieldMeaning(c byte) string {
	if n := CFieldName(c); n != "" {
		return n
	}
	return "C field without a defined meaning"
}

func bitNames(v uint16, names map[uint16]string, order []uint16) string {
	var parts []string
	for _, b := range order {
		if v&b != 0 {
			parts = append(parts, names[b])
		}
	}
	if len(parts) == 0 {
		return "no flags"
	}
	return strings.Join(parts, ", ")
}

func ccMeaning(cc byte) string {
	return "communication control: " + bitNames(uint16(cc), map[uint16]string{
		CCBidirectional: "bidirectional", CCResponseDelay: "fast response delay", CCSynchronised: "synchronised",
		CCHop: "hopped", CCPriority: "priority", CCAccessibility: "accessibility", CCRepeatedAccess: "repeated access",
	}, []uint16{CCBidirectional, CCResponseDelay, CCSynchronised, CCHop, CCPriority, CCAccessibility, CCRepeatedAccess})
}

func fclMeaning(a *AFL) string {
	s := bitNames(a.FCL, map[uint16]string{
		FCLMoreFragments: "more fragments", FCLMCLPresent: "MCL", FCLMLPresent: "ML", FCLMCRPresent: "MCR",
		FCLMACPresent: "MAC", FCLKIPresent: "KI",
	}, []uint16{FCLMoreFragments, FCLMCLPresent, FCLMLPresent, FCLMCRPresent, FCLMACPresent, FCLKIPresent})
	return "fragmentation control: present " + s + ", fragment " + strconv.Itoa(int(a.FragmentID()))
}

func mclMeaning(m byte) string {
	at := m & 0x0F
	s := "message control: MAC type " + strconv.Itoa(int(at))
	if n := macLen(at); n > 0 {
		kind := "AES-CMAC"
		if at == 8 {
			kind = "AES-GMAC"
		}
		s += " (" + kind + ", " + strconv.Itoa(n) + " bytes)"
	}
	if m&0x10 != 0 {
		s += ", key information present"
	}
	if m&0x20 != 0 {
		s += ", message counter present"
	}
	if m&0x40 != 0 {
		s += ", message length present"
	}
	return s
}

func stsMeaning(s byte) string {
	parts := []string{[...]string{"no error", "application busy", "application error", "abnormal condition"}[s&3]}
	if s&0x04 != 0 {
		parts = append(parts, "power low")
	}
	if s&0x08 != 0 {
		parts = append(parts, "permanent error")
	}
	if s&0x10 != 0 {
		parts = append(parts, "temporary error")
	}
	if s&0xE0 != 0 {
		parts = append(parts, "manufacturer bits 0x"+hex2(s&0xE0))
	}
	return "status: " + strings.Join(parts, ", ")
}

func cfgMeaning(tp *TPL) string {
	mode := tp.SecurityMode()
	s := "configuration: security mode " + strconv.Itoa(mode) + modeName(mode)
	if mode == 0 {
		s = "configuration: no encryption"
	}
	if mode == 5 || mode == 7 {
		s += ", " + strconv.Itoa(tp.EncryptedBlocks()) + " encrypted blocks"
	}
	if mode == 7 {
		return s + ", other bits 0x" + fmt.Sprintf("%04X", tp.CFG&^0x1FF0)
	}
	flags := bitNames(tp.CFG, map[uint16]string{CFGBidirectional: "bidirectional", CFGAccessibility: "accessibility",
		CFGSynchronous: "synchronous", CFGRepeated: "repeated access", CFGHop: "hop counter"},
		[]uint16{CFGBidirectional, CFGAccessibility, CFGSynchronous, CFGRepeated, CFGHop})
	s += ", " + flags
	if c := tp.CFG >> 2 & 3; c != 0 {
		s += ", content " + strconv.Itoa(int(c))
	}
	return s
}

func payloadNote(t *Telegram) string {
	switch t.Security.Status {
	case StatusAlreadyPlain:
		return "; matches the bytes as received: the receiver already decrypted them"
	case StatusDecrypted:
		if t.Security.ELLEncrypted {
			return "; verified after decryption (" + t.Security.ELLAddress + " address in the counter block)"
		}
	}
	return ""
}

// WriteExplanation writes a human-readable tree of the telegram's layers to
// w: one line per field with its offset, bytes, value and meaning.
func (t *Telegram) WriteExplanation(w io.Writer) error {
	var b strings.Builder
	kind := "wireless M-Bus frame"
	if t.Wired {
		kind = "wired M-Bus long frame"
	}
	fmt.Fprintf(&b, "%s, %d bytes; offsets count in the frame without link CRCs\n", kind, len(t.Frame))
	codec.WriteLayers(&b, t.Layers())
	fmt.Fprintf(&b, "security: %s, %s", t.Security.Mode(), t.Security.Status)
	if t.Security.MAC != MACNone {
		fmt.Fprintf(&b, ", MAC %s", t.Security.MAC)
	}
	if t.Security.ShortBlocks {
		b.WriteString(", CFG announced more encrypted blocks than the frame holds")
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
