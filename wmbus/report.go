package wmbus

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/meterwire/meterwire/codec"
)

// Report is the JSON form of a decoded telegram printed by `meterwire
// decode`: one object per telegram, field names in snake_case. It never
// contains keys.
type Report struct {
	Kind          string        `json:"kind"` // "wmbus" or "mbus" (wired)
	FrameFormat   string        `json:"frame_format"`
	CField        string        `json:"c_field"`
	CFieldName    string        `json:"c_field_name,omitempty"`
	Manufacturer  string        `json:"manufacturer"`
	ID            string        `json:"id"`
	Version       int           `json:"version"`
	DeviceType    string        `json:"device_type"`
	DeviceTypeHex string        `json:"device_type_code"`
	ELL           *ELLReport    `json:"ell,omitempty"`
	AFL           *AFLReport    `json:"afl,omitempty"`
	TPL           *TPLReport    `json:"tpl,omitempty"`
	Security      SecReport     `json:"security"`
	PlaintextHex  string        `json:"plaintext_hex"`
	APLHex        string        `json:"apl_hex,omitempty"`
	TrailingHex   string        `json:"trailing_hex,omitempty"`
	Error         string        `json:"error,omitempty"`
	Layers        []codec.Layer `json:"layers,omitempty"`
}

// ELLReport is the ELL part of a Report.
type ELLReport struct {
	CI           string `json:"ci"`
	CC           string `json:"cc"`
	ACC          int    `json:"acc"`
	M2           string `json:"m2,omitempty"`
	A2           string `json:"a2,omitempty"`
	SN           string `json:"sn,omitempty"`
	Encryption   string `json:"encryption,omitempty"`
	Minutes      uint32 `json:"minutes,omitempty"`
	Session      uint8  `json:"session,omitempty"`
	PayloadCRC   string `json:"payload_crc,omitempty"`
	ICBAddress   string `json:"counter_address,omitempty"`
	AlreadyPlain bool   `json:"already_plain,omitempty"`
}

// AFLReport is the AFL part of a Report.
type AFLReport struct {
	FCL     string `json:"fcl"`
	MCL     string `json:"mcl,omitempty"`
	MACType int    `json:"mac_type,omitempty"`
	KI      string `json:"ki,omitempty"`
	MCR     uint32 `json:"mcr,omitempty"`
	MAC     string `json:"mac,omitempty"`
	ML      int    `json:"ml,omitempty"`
}

// TPLReport is the TPL part of a Report.
type TPLReport struct {
	CI              string `json:"ci"`
	Header          string `json:"header"`
	Content         string `json:"content"`
	ID              string `json:"id,omitempty"`
	Manufacturer    string `json:"manufacturer,omitempty"`
	Version         *int   `json:"version,omitempty"`
	DeviceType      string `json:"device_type,omitempty"`
	ACC             *int   `json:"acc,omitempty"`
	STS             string `json:"sts,omitempty"`
	CFG             string `json:"cfg,omitempty"`
	SecurityMode    int    `json:"security_mode"`
	EncryptedBlocks int    `json:"encrypted_blocks,omitempty"`
	CFGExt          string `json:"cfg_ext,omitempty"`
}

// SecReport is the security part of a Report.
type SecReport struct {
	Mode        string `json:"mode"`
	Status      string `json:"status"`
	MAC         string `json:"mac,omitempty"`
	ShortBlocks bool   `json:"short_blocks,omitempty"`
	// SignatureIgnored: a wired frame's CFG named a reserved mode and was
	// read as the old signature field.
	SignatureIgnored bool `json:"signature_ignored,omitempty"`
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// Report returns the JSON form of t; with explain it includes the layers.
// decodeErr, if not nil, is recorded in Error. The top-level identity is the
// link layer's (for wired frames, which have none, the TPL long header's);
// a radio adapter's frame carries the meter's own identity under "tpl".
func (t *Telegram) Report(explain bool, decodeErr error) Report {
	id := t.Link
	if t.Wired {
		id = t.Meter()
	}
	r := Report{
		Kind:          "wmbus",
		FrameFormat:   t.Format.String(),
		CField:        hex2(t.C),
		CFieldName:    CFieldName(t.C),
		Manufacturer:  id.ManufacturerCode(),
		ID:            id.IDString(),
		Version:       int(id.Version),
		DeviceType:    DeviceTypeName(id.Type),
		DeviceTypeHex: hex2(id.Type),
		Security: SecReport{Mode: t.Security.Mode(), Status: t.Security.Status.String(),
			ShortBlocks: t.Security.ShortBlocks, SignatureIgnored: t.Security.SignatureIgnored},
		PlaintextHex: upperHex(t.Frame),
		APLHex:       upperHex(t.APL()),
		TrailingHex:  upperHex(t.Trailing),
	}
	if t.Wired {
		r.Kind = "mbus"
		r.FrameFormat = "wired-long"
		r.CFieldName = ""
	}
	if t.Security.MAC != MACNone {
		r.Security.MAC = t.Security.MAC.String()
	}
	if e := &t.ELL; e.Present {
		er := &ELLReport{CI: hex2(e.CI), CC: hex2(e.CC), ACC: int(e.ACC)}
		if e.HasAddr {
			er.M2, er.A2 = e.Addr.ManufacturerCode(), e.Addr.IDString()
		}
		if e.HasSN {
			er.SN = fmt.Sprintf("%08X", e.SN)
			er.Encryption = map[uint8]string{0: "none", 1: "aes-128-ctr"}[e.Encryption()]
			er.Minutes, er.Session = e.Minutes(), e.Session()
			er.PayloadCRC = fmt.Sprintf("%04X", e.PayloadCRC)
			er.ICBAddress = t.Security.ELLAddress
			er.AlreadyPlain = t.Security.Status == StatusAlreadyPlain
		}
		r.ELL = er
	}
	if a := &t.AFL; a.Present {
		ar := &AFLReport{FCL: fmt.Sprintf("%04X", a.FCL)}
		if a.Has(FCLMCLPresent) {
			ar.MCL, ar.MACType = hex2(a.MCL), int(a.MACType())
		}
		if a.Has(FCLKIPresent) {
			ar.KI = fmt.Sprintf("%04X", a.KI)
		}
		ar.MCR = a.MCR
		ar.MAC = upperHex(a.MAC)
		ar.ML = int(a.ML)
		r.AFL = ar
	}
	if tp := &t.TPL; tp.Present {
		tr := &TPLReport{CI: hex2(tp.CI), Header: tp.Header.String(), Content: tp.Content.String(), SecurityMode: tp.SecurityMode()}
		if tp.Header == HeaderLong {
			v := int(tp.Addr.Version)
			tr.ID, tr.Manufacturer, tr.Version, tr.DeviceType = tp.Addr.IDString(), tp.Addr.ManufacturerCode(), &v, DeviceTypeName(tp.Addr.Type)
		}
		if tp.Header != HeaderNone {
			acc := int(tp.ACC)
			tr.ACC, tr.STS, tr.CFG = &acc, hex2(tp.STS), fmt.Sprintf("%04X", tp.CFG)
			if m := tp.SecurityMode(); m == 5 || m == 7 {
				tr.EncryptedBlocks = tp.EncryptedBlocks()
			}
		}
		if tp.HasExt {
			tr.CFGExt = hex2(tp.CFGExt)
		}
		r.TPL = tr
	}
	if decodeErr != nil {
		r.Error = decodeErr.Error()
	}
	if explain {
		r.Layers = t.Layers()
	}
	return r
}
