package p1

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/dsmr"
)

// Report is the JSON form of a decoded P1 unit (`meterwire decode`). It
// never contains keys.
type Report struct {
	Kind      string         `json:"kind"` // "p1" (DSMR telegram) or "dlms" (push message)
	Transport string         `json:"transport,omitempty"`
	Security  SecReport      `json:"security"`
	Telegram  string         `json:"telegram,omitempty"`
	Header    string         `json:"header,omitempty"`
	CRC       *CRCReport     `json:"crc,omitempty"`
	Profile   string         `json:"profile,omitempty"`
	Objects   []ObjectReport `json:"objects,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
	Error     string         `json:"error,omitempty"`
	Layers    []codec.Layer  `json:"layers,omitempty"`
	// DLMS push messages: the plaintext APDU, the layout that mapped it,
	// and (with explain) the A-XDR tree.
	APDUHex string     `json:"apdu_hex,omitempty"`
	Layout  string     `json:"layout,omitempty"`
	Tree    *dlms.Data `json:"tree,omitempty"`
}

// SecReport is the security part of a Report.
type SecReport struct {
	Mode         string `json:"mode"`
	Status       string `json:"status"`
	Tag          string `json:"tag,omitempty"` // verified, verified-empty-aad, not-checked
	SystemTitle  string `json:"system_title,omitempty"`
	FrameCounter uint32 `json:"frame_counter,omitempty"`
}

// CRCReport is the telegram CRC.
type CRCReport struct {
	Present  bool   `json:"present"`
	OK       bool   `json:"ok"`
	Value    string `json:"value,omitempty"`
	Computed string `json:"computed"`
	// Stale marks a CRC that does not match inside a frame whose tag
	// verified: the tag is the stronger check (real smarty frames do this).
	Stale bool `json:"stale,omitempty"`
}

// ObjectReport is one OBIS line.
type ObjectReport struct {
	OBIS      string   `json:"obis"`
	Value     any      `json:"value"`
	Unit      string   `json:"unit,omitempty"`
	Timestamp string   `json:"timestamp,omitempty"`
	Raw       []string `json:"raw,omitempty"`
}

// Report returns the JSON form of r; with explain it includes the layers.
func (r *Result) Report(explain bool, decodeErr error) Report {
	rep := Report{Kind: "p1", Transport: r.Transport, Security: SecReport{Mode: r.Security.Mode, Status: r.Security.Status}}
	if r.Transport != TransportText && (r.Message != nil || r.Telegram == nil && r.Plain == nil) {
		rep.Kind = "dlms"
	}
	if r.Encrypted {
		rep.Security.SystemTitle = systemTitleString(r.Security.SystemTitle)
		rep.Security.FrameCounter = r.Security.FC
		if r.Security.Status == "decrypted" {
			rep.Security.Tag = r.Security.Auth.String()
		}
	}
	if r.Plain != nil && (r.Telegram != nil || !r.Encrypted) {
		rep.Telegram = string(r.Plain)
	}
	if t := r.Telegram; t != nil {
		rep.Header = t.Header
		rep.CRC = &CRCReport{Present: t.CRC.Present, OK: t.CRC.OK, Computed: hex4(t.CRC.Computed)}
		if t.CRC.Present {
			rep.CRC.Value = hex4(t.CRC.Value)
			rep.CRC.Stale = !t.CRC.OK && r.Security.Status == "decrypted"
		}
		if t.Profile != nil {
			rep.Profile = t.Profile.Name
		}
		for i := range t.Objects {
			rep.Objects = append(rep.Objects, objectReport(&t.Objects[i]))
		}
		rep.Fields = t.Fields()
		if explain {
			rep.Layers = t.Layers()
		}
	}
	if m := r.Message; m != nil {
		rep.APDUHex = strings.ToUpper(hex.EncodeToString(m.Plain))
		for _, o := range r.Objects {
			or := ObjectReport{OBIS: o.OBIS, Unit: o.Unit, Value: o.Value}
			if t, ok := o.Value.(time.Time); ok {
				or.Value = t.Format(time.RFC3339)
			}
			rep.Objects = append(rep.Objects, or)
		}
		if r.Layout != nil {
			rep.Layout = r.Layout.Name
		}
		if len(r.Objects) > 0 {
			rep.Fields = dlms.Fields(r.Objects)
		}
		if explain {
			rep.Tree = m.Notification.Body
			rep.Layers = m.Layers()
		}
	}
	if explain && r.HDLC != nil {
		rep.Layers = append([]codec.Layer{r.HDLC.Layer(r.Raw)}, rep.Layers...)
	}
	if explain && r.Encrypted && r.Message == nil {
		rep.Layers = append([]codec.Layer{envelopeLayer(r)}, rep.Layers...)
	}
	if decodeErr != nil {
		rep.Error = decodeErr.Error()
	}
	return rep
}

func objectReport(o *dsmr.Object) ObjectReport {
	or := ObjectReport{OBIS: o.OBIS}
	for _, v := range o.Values {
		or.Raw = append(or.Raw, v.Raw)
	}
	if ts, ok := o.Timestamp(); ok && len(o.Values) > 1 {
		or.Timestamp = ts.Format(time.RFC3339)
	}
	if v := o.Main(); v != nil {
		switch {
		case v.IsNumber:
			or.Value, or.Unit = v.Number, v.Unit
		case v.IsTime:
			or.Value = v.Time.Format(time.RFC3339)
		default:
			or.Value = v.String()
		}
	}
	return or
}

// envelopeLayer explains the DLMS envelope bytes of an encrypted unit.
func envelopeLayer(r *Result) codec.Layer {
	e := &r.Envelope
	fld := func(name string, off, n int, value, meaning string) codec.Field {
		var hx string
		if off >= 0 && off+n <= len(r.Raw) {
			hx = strings.ToUpper(hex.EncodeToString(r.Raw[off : off+n]))
		}
		return codec.Field{Name: name, Offset: off, Len: n, Hex: hx, Value: value, Meaning: meaning}
	}
	l := codec.Layer{Name: "dlms", Offset: 0, Len: e.Len, Note: "general-" + map[byte]string{0xDB: "glo", 0xDF: "ded"}[e.APDUTag] + "-ciphering; offsets count in the frame as received"}
	l.Fields = append(l.Fields,
		fld("APDU", 0, 1, fmt.Sprintf("0x%02X", e.APDUTag), "ciphered APDU with the global (DB) or dedicated (DF) key"),
		fld("title length", 1, 1, "8", "length of the system title"),
		fld("system title", 2, 8, systemTitleString(e.SystemTitle), "the sender; with the frame counter it forms the IV"),
		fld("length", e.LenOffset, e.BodyOffset-e.LenOffset, fmt.Sprint(e.Len-e.BodyOffset), "BER length of SC, frame counter, ciphertext and tag"),
		fld("SC", e.BodyOffset, 1, fmt.Sprintf("0x%02X", e.SC), scMeaning(e.SC)),
		fld("frame counter", e.BodyOffset+1, 4, fmt.Sprint(e.FC), "must increase with every frame (replay protection)"),
		fld("ciphertext", e.BodyOffset+5, len(e.Ciphertext), "", "the telegram, "+r.Security.Mode+" encrypted"))
	if e.Tag != nil {
		l.Fields = append(l.Fields, fld("tag", e.Len-len(e.Tag), len(e.Tag), strings.ToUpper(hex.EncodeToString(e.Tag)), "GCM authentication tag: "+r.Security.Auth.String()))
	}
	return l
}

func scMeaning(sc byte) string {
	var parts []string
	if sc&0x10 != 0 {
		parts = append(parts, "authenticated")
	}
	if sc&0x20 != 0 {
		parts = append(parts, "encrypted")
	}
	if sc&0x40 != 0 {
		parts = append(parts, "broadcast key")
	}
	if sc&0x80 != 0 {
		parts = append(parts, "compressed")
	}
	return "security control: " + strings.Join(parts, ", ") + fmt.Sprintf(", suite %d", sc&0x0F)
}

// WriteExplanation writes the layers of r as text.
func (r *Result) WriteExplanation(w io.Writer) error {
	var b strings.Builder
	if r.Pending {
		fmt.Fprintf(&b, "%s unit of %d bytes: part of a longer DLMS message, decoded when its last part arrives\n", r.Transport, len(r.Raw))
	}
	if r.HDLC != nil {
		codec.WriteLayers(&b, []codec.Layer{r.HDLC.Layer(r.Raw)})
	}
	if m := r.Message; m != nil {
		fmt.Fprintf(&b, "DLMS push message (%s), %s: %s\n", r.Transport, r.Security.Mode, r.Security.Status)
		codec.WriteLayers(&b, m.Layers())
		if m.Notification.Body != nil {
			b.WriteString("A-XDR tree\n")
			b.WriteString(m.Notification.Body.String())
			b.WriteByte('\n')
		}
		if len(r.Objects) > 0 {
			name := "generic"
			if r.Layout != nil {
				name = r.Layout.Name
			}
			fmt.Fprintf(&b, "OBJECTS (layout %s)\n", name)
			for _, o := range r.Objects {
				fmt.Fprintf(&b, "  %-16s %v %s\n", o.OBIS, o.Value, o.Unit)
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if r.Encrypted {
		fmt.Fprintf(&b, "P1 encrypted frame, %d bytes, %s: %s\n", r.Envelope.Len, r.Security.Mode, r.Security.Status)
		codec.WriteLayers(&b, []codec.Layer{envelopeLayer(r)})
	}
	if t := r.Telegram; t != nil {
		prof := "unknown"
		if t.Profile != nil {
			prof = t.Profile.Name
		}
		fmt.Fprintf(&b, "P1 telegram, %d bytes, profile %s; offsets count in the telegram text\n", len(t.Raw), prof)
		codec.WriteLayers(&b, t.Layers())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
