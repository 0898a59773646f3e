package telegram

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// isWired reports whether raw is a wired M-Bus frame rather than a wireless
// frame without CRCs, whose first byte (L) can take the same values: an E5
// ack is one byte, a short frame exactly five bytes with its stop byte, and
// a long or control frame starts 68 L L 68 (anything starting 68 that is too
// short to tell is taken as wired, so that it fails as a wired frame).
func isWired(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case mbus.AckByte:
		return len(raw) == 1
	case mbus.ShortByte:
		return len(raw) == 5 && raw[4] == mbus.StopByte
	case mbus.LongByte:
		return len(raw) < 4 || raw[1] == raw[2] && raw[3] == mbus.LongByte
	}
	return false
}

// tplCI reports whether a wired frame's CI starts layers package wmbus
// decodes (EN 13757-7 transport layers, ELL, AFL, manufacturer-specific).
func tplCI(ci byte) bool {
	switch ci {
	case 0x5A, 0x5B, 0x69, 0x6A, 0x6B, 0x72, 0x78, 0x79, 0x7A, 0x7B, 0x8A, 0x8B,
		0x8C, 0x8D, 0x8E, 0x8F, 0x90:
		return true
	}
	return ci >= 0xA0 && ci <= 0xB7
}

// decodeWired decodes a wired M-Bus frame (isWired): transport-layer CIs
// through wmbus.Decoder.DecodeWired and the records, the others here.
func (d *Decoder) decodeWired(raw []byte) (*Result, error) {
	r := &d.res
	fr, n, err := mbus.ParseFrame(raw)
	if err != nil {
		return nil, err
	}
	d.frame = fr
	r.Wired = &d.frame
	r.wiredRaw = raw[:n:n]
	r.aplOffset = fr.DataOffset
	switch fr.Kind {
	case mbus.KindAck, mbus.KindShort:
		r.aplOffset = -1
		return r, nil
	}
	ci := fr.CI
	at := func(err error) error { // offsets in the data -> offsets in the frame
		if ce, ok := err.(*codec.Error); ok && ce.Offset >= 0 {
			ce.Offset += fr.DataOffset
		}
		return err
	}
	switch {
	case tplCI(ci):
		if fr.Kind == mbus.KindControl {
			if ci == 0x78 {
				return r, nil // a response without header and without records
			}
			return r, &codec.Error{Layer: "tpl", Offset: fr.DataOffset, Err: codec.ErrTruncated,
				Detail: "control frame with CI 0x" + hex2(ci) + " has no room for the transport layer header"}
		}
		r.Telegram, err = d.WMBus.DecodeWired(raw)
		if r.Telegram == nil {
			return r, err
		}
		r.aplOffset = r.Telegram.APLOffset
		if err != nil {
			return r, err
		}
		return r, d.records(r)
	case ci == mbus.CIAppError:
		d.appErr = mbus.ParseAppError(fr.Data)
		r.AppError = &d.appErr
		return r, nil
	case ci == mbus.CIFixedLSB || ci == mbus.CIFixedMSB:
		f, err := mbus.ParseFixed(fr.Data, ci == mbus.CIFixedMSB)
		if err != nil {
			return r, at(err)
		}
		d.fixed = f
		r.Fixed = &d.fixed
		return r, nil
	case mbus.IsCommandCI(ci):
		c, err := mbus.ParseCommand(ci, fr.Data)
		if err != nil {
			return r, at(err)
		}
		d.cmd = c
		r.Command = &d.cmd
		r.aplOffset = fr.DataOffset + c.DataOffset
		// Data send carries records; a selection may carry the enhanced
		// selection's records (fabrication number).
		if c.Kind == mbus.CommandDataSend || c.Kind == mbus.CommandSelect && len(c.Data) > 0 {
			r.Records, err = d.parser.Parse(c.Data)
			if err != nil {
				if ce, ok := err.(*codec.Error); ok {
					ce.Offset += r.aplOffset
				}
				return r, err
			}
		}
		return r, nil
	}
	name := mbus.CIName(ci)
	if name == "" {
		return r, &codec.Error{Layer: "mbus", Offset: fr.DataOffset - 1, Err: codec.ErrUnsupported,
			Detail: "CI 0x" + hex2(ci) + " is not a wired M-Bus CI this decoder knows"}
	}
	return r, &codec.Error{Layer: "mbus", Offset: fr.DataOffset - 1, Err: codec.ErrUnsupported,
		Detail: "CI 0x" + hex2(ci) + " (" + name + ") is not decoded"}
}

func hex2(b byte) string {
	const hexd = "0123456789ABCDEF"
	return string([]byte{hexd[b>>4], hexd[b&0xF]})
}

// WiredReport is the wired M-Bus frame (EN 13757-2) part of a Report.
type WiredReport struct {
	Frame      string `json:"frame"` // "ack", "short", "control" or "long"
	CField     string `json:"c_field,omitempty"`
	CFieldName string `json:"c_field_name,omitempty"`
	// Address is the primary address (253: secondary addressing, 254/255
	// broadcast).
	Address *int   `json:"address,omitempty"`
	CI      string `json:"ci,omitempty"`
	CIName  string `json:"ci_name,omitempty"`
}

// AppErrorReport is a CI 0x70 application error.
type AppErrorReport struct {
	Code     int    `json:"code"`
	Name     string `json:"name"`
	NoData   bool   `json:"no_data,omitempty"`
	ExtraHex string `json:"extra_hex,omitempty"`
}

// FixedReport is a CI 0x73/0x77 fixed data structure.
type FixedReport struct {
	ID         string               `json:"id"`
	ACC        int                  `json:"acc"`
	STS        string               `json:"sts"`
	MediumCode int                  `json:"medium_code"`
	Medium     string               `json:"medium"`
	Coding     string               `json:"counter_coding"` // "bcd" or "binary"
	ByteOrder  string               `json:"byte_order"`     // "lsb-first" or "msb-first"
	Stored     bool                 `json:"stored,omitempty"`
	Counters   []FixedCounterReport `json:"counters"`
}

// FixedCounterReport is one counter of a FixedReport.
type FixedCounterReport struct {
	UnitCode string `json:"unit_code"`
	UnitName string `json:"unit_name"`
	RawHex   string `json:"raw_hex"`
	RawValue any    `json:"raw_value"` // the counter before scaling; nil for invalid BCD
	Value    any    `json:"value"`     // RawValue × 10^exp in Unit
	Unit     string `json:"unit,omitempty"`
	Quantity string `json:"quantity"`
	Historic bool   `json:"historic,omitempty"`
}

// CommandReport is a master-to-slave frame (CI 0x50..0x54, 0xB8..0xBF).
type CommandReport struct {
	Kind    string        `json:"kind"`
	Subcode string        `json:"subcode,omitempty"`
	Header  *HeaderReport `json:"header,omitempty"`
	Select  *SelectReport `json:"select,omitempty"`
	Baud    int           `json:"baud,omitempty"`
	DataHex string        `json:"data_hex,omitempty"`
}

// HeaderReport is the long TPL header of a CI 0x53 command.
type HeaderReport struct {
	ID           string `json:"id"`
	Manufacturer string `json:"manufacturer"`
	Version      int    `json:"version"`
	DeviceType   string `json:"device_type"`
	ACC          int    `json:"acc"`
	STS          string `json:"sts"`
	CFG          string `json:"cfg"`
}

// SelectReport is the secondary address of a CI 0x52 selection; wildcards
// are "any" (digits: F).
type SelectReport struct {
	ID           string `json:"id"`
	Manufacturer string `json:"manufacturer"`
	Version      string `json:"version"`
	DeviceType   string `json:"device_type"`
}

func (r *Result) wiredReport() *WiredReport {
	f := r.Wired
	if f == nil {
		return nil
	}
	wr := &WiredReport{Frame: f.Kind.String()}
	if f.Kind == mbus.KindAck {
		return wr
	}
	a := int(f.A)
	wr.CField, wr.CFieldName, wr.Address = hex2(f.C), mbus.CFieldName(f.C), &a
	if f.Kind == mbus.KindShort {
		return wr
	}
	wr.CI, wr.CIName = hex2(f.CI), mbus.CIName(f.CI)
	return wr
}

// baseReport is the top of the Report of a wired frame decoded without a
// wmbus Telegram (ack, short, application error, fixed data, command).
func (r *Result) baseReport(explain bool, decodeErr error) wmbus.Report {
	rep := wmbus.Report{Security: wmbus.SecReport{Mode: "none", Status: "plain"}}
	if f := r.Wired; f != nil {
		rep.Kind = "mbus"
		rep.FrameFormat = "wired-" + f.Kind.String()
		if f.Kind != mbus.KindAck {
			rep.CField = hex2(f.C)
			rep.CFieldName = mbus.CFieldName(f.C)
		}
		rep.PlaintextHex = upper(r.wiredFrame())
		if r.aplOffset >= 0 && r.aplOffset <= len(r.wiredFrame()) {
			rep.APLHex = upper(r.wiredFrame()[r.aplOffset:])
		}
	}
	switch {
	case r.Fixed != nil:
		rep.ID = r.Fixed.IDString()
	case r.Command != nil && r.Command.HasHeader:
		h := &r.Command.Header
		rep.ID = mbus.IDString(h.ID)
		rep.Manufacturer = wmbus.ManufacturerCode(h.Manufacturer)
		rep.Version = int(h.Version)
		rep.DeviceType = wmbus.DeviceTypeName(h.Medium)
		rep.DeviceTypeHex = hex2(h.Medium)
	}
	if decodeErr != nil {
		rep.Error = decodeErr.Error()
	}
	if explain {
		rep.Layers = r.wiredLayers()
	}
	return rep
}

// wiredFrame returns the frame without checksum and stop byte (E5 for an
// ack, 10 C A for a short frame).
func (r *Result) wiredFrame() []byte {
	f, b := r.Wired, r.wiredRaw
	switch f.Kind {
	case mbus.KindAck:
		return b[:1]
	case mbus.KindShort:
		return b[:3]
	}
	return b[:f.DataOffset+len(f.Data)]
}

func (r *Result) appErrorReport() *AppErrorReport {
	e := r.AppError
	if e == nil {
		return nil
	}
	return &AppErrorReport{Code: int(e.Code), Name: e.String(), NoData: e.NoData, ExtraHex: upper(e.Extra)}
}

func (r *Result) fixedReport() *FixedReport {
	f := r.Fixed
	if f == nil {
		return nil
	}
	fr := &FixedReport{
		ID: f.IDString(), ACC: int(f.ACC), STS: hex2(f.STS),
		MediumCode: int(f.Medium), Medium: f.MediumName(),
		Coding: "bcd", ByteOrder: "lsb-first", Stored: f.Stored(),
	}
	if f.Binary() {
		fr.Coding = "binary"
	}
	if f.MSBFirst {
		fr.ByteOrder = "msb-first"
	}
	for i := range f.Counters {
		c := &f.Counters[i]
		cr := FixedCounterReport{
			UnitCode: hex2(c.UnitCode), UnitName: mbus.FixedUnitName(c.UnitCode), RawHex: upper(c.Raw),
			Unit: c.Unit, Quantity: c.Quantity, Historic: c.Historic,
		}
		if c.Valid {
			cr.RawValue, cr.Value = c.Int, c.Value
		}
		fr.Counters = append(fr.Counters, cr)
	}
	return fr
}

func (r *Result) commandReport() *CommandReport {
	c := r.Command
	if c == nil {
		return nil
	}
	cr := &CommandReport{Kind: c.Kind.String(), Baud: c.Baud, DataHex: upper(c.Data)}
	if c.HasSubcode {
		cr.Subcode = hex2(c.Subcode)
	}
	if c.HasHeader {
		h := &c.Header
		cr.Header = &HeaderReport{
			ID: mbus.IDString(h.ID), Manufacturer: wmbus.ManufacturerCode(h.Manufacturer), Version: int(h.Version),
			DeviceType: wmbus.DeviceTypeName(h.Medium), ACC: int(h.ACC), STS: hex2(h.STS), CFG: fmt.Sprintf("%04X", h.CFG),
		}
	}
	if c.Kind == mbus.CommandSelect {
		s := &c.Select
		sr := &SelectReport{ID: s.IDPattern(), Manufacturer: "any", Version: "any", DeviceType: "any"}
		if !s.AnyManufacturer() {
			sr.Manufacturer = wmbus.ManufacturerCode(s.Manufacturer)
		}
		if !s.AnyVersion() {
			sr.Version = strconv.Itoa(int(s.Version))
		}
		if !s.AnyMedium() {
			sr.DeviceType = wmbus.DeviceTypeName(s.Medium)
		}
		cr.Select = sr
	}
	return cr
}

// wiredLayers explains a wired frame decoded without a wmbus Telegram.
func (r *Result) wiredLayers() []codec.Layer {
	f := r.Wired
	if f == nil {
		return nil
	}
	b := r.wiredFrame()
	fld := func(name string, off, n int, value, meaning string) codec.Field {
		if off+n > len(b) {
			n = max(0, len(b)-off)
		}
		return codec.Field{Name: name, Offset: off, Len: n, Hex: upper(b[off : off+n]), Value: value, Meaning: meaning}
	}
	switch f.Kind {
	case mbus.KindAck:
		return []codec.Layer{{Name: "mbus", Offset: 0, Len: 1, Fields: []codec.Field{
			fld("ack", 0, 1, "E5", "single character: acknowledgement (EN 13757-2)")}}}
	case mbus.KindShort:
		return []codec.Layer{{Name: "mbus", Offset: 0, Len: 3, Note: "checksum and stop byte removed", Fields: []codec.Field{
			fld("start", 0, 1, "10", "wired M-Bus short frame (EN 13757-2)"),
			fld("C", 1, 1, "0x"+hex2(f.C), cMeaning(f.C)),
			fld("A", 2, 1, strconv.Itoa(int(f.A)), addrMeaning(f.A))}}}
	}
	kind := "long"
	if f.Kind == mbus.KindControl {
		kind = "control"
	}
	out := []codec.Layer{{Name: "mbus", Offset: 0, Len: f.DataOffset, Note: "checksum and stop byte removed", Fields: []codec.Field{
		fld("start", 0, 4, "68 L L 68", "wired M-Bus "+kind+" frame (EN 13757-2), L = "+strconv.Itoa(len(b)-4)),
		fld("C", 4, 1, "0x"+hex2(f.C), cMeaning(f.C)),
		fld("A", 5, 1, strconv.Itoa(int(f.A)), addrMeaning(f.A)),
		fld("CI", 6, 1, "0x"+hex2(f.CI), ciMeaning(f.CI))}}}
	p := f.DataOffset
	switch {
	case r.AppError != nil:
		e := r.AppError
		l := codec.Layer{Name: "error", Offset: p, Len: len(f.Data)}
		if e.NoData {
			l.Note = "no error code: unspecified error"
		} else {
			l.Fields = append(l.Fields, fld("code", p, 1, strconv.Itoa(int(e.Code)), e.String()))
			if len(e.Extra) > 0 {
				l.Fields = append(l.Fields, fld("extra", p+1, len(e.Extra), "", "further error information (not decoded)"))
			}
		}
		out = append(out, l)
	case r.Fixed != nil:
		x := r.Fixed
		l := codec.Layer{Name: "fixed", Offset: p, Len: mbus.FixedLen, Note: "fixed data structure (EN 1434-3), " + map[bool]string{false: "LSB first", true: "MSB first"}[x.MSBFirst]}
		coding := "BCD"
		if x.Binary() {
			coding = "binary"
		}
		kind := "actual values"
		if x.Stored() {
			kind = "stored (historic) values"
		}
		l.Fields = append(l.Fields,
			fld("ID", p, 4, x.IDString(), "identification number (BCD)"),
			fld("ACC", p+4, 1, strconv.Itoa(int(x.ACC)), "access number"),
			fld("STS", p+5, 1, "0x"+hex2(x.STS), "status: counters "+coding+", "+kind),
			fld("medium/unit", p+6, 2, x.MediumName(), "medium code "+strconv.Itoa(int(x.Medium))+" from the top two bits of each unit byte; units "+
				mbus.FixedUnitName(x.Counters[0].UnitCode)+" and "+mbus.FixedUnitName(x.Counters[1].UnitCode)))
		for i := range x.Counters {
			c := &x.Counters[i]
			v, m := "invalid", "counter "+strconv.Itoa(i+1)
			if c.Valid {
				v = strconv.FormatInt(c.Int, 10) + " " + mbus.FixedUnitName(c.UnitCode)
				if c.Unit != "" {
					m += ": " + strings.ReplaceAll(c.Quantity, "_", " ") + " " + strconv.FormatFloat(c.Value, 'g', -1, 64) + " " + c.Unit
				}
				if c.Historic {
					m += " (historic, counter 1's unit)"
				}
			}
			l.Fields = append(l.Fields, fld("counter "+strconv.Itoa(i+1), p+8+4*i, 4, v, m))
		}
		out = append(out, l)
	case r.Command != nil:
		c := r.Command
		l := codec.Layer{Name: "command", Offset: p, Len: len(f.Data), Note: c.Kind.String()}
		if c.HasHeader {
			h := &c.Header
			l.Fields = append(l.Fields,
				fld("ID", p, 4, mbus.IDString(h.ID), "identification number"),
				fld("M", p+4, 2, wmbus.ManufacturerCode(h.Manufacturer), "manufacturer"),
				fld("version", p+6, 1, strconv.Itoa(int(h.Version)), "version"),
				fld("type", p+7, 1, "0x"+hex2(h.Medium), wmbus.DeviceTypeName(h.Medium)),
				fld("ACC", p+8, 1, strconv.Itoa(int(h.ACC)), "access number"),
				fld("STS", p+9, 1, "0x"+hex2(h.STS), "status"),
				fld("CFG", p+10, 2, fmt.Sprintf("0x%04X", h.CFG), "configuration"))
		}
		if c.HasSubcode {
			l.Fields = append(l.Fields, fld("subcode", p+c.DataOffset-1, 1, "0x"+hex2(c.Subcode), "application reset subcode"))
		}
		if c.Kind == mbus.CommandSelect {
			s := r.commandReport().Select
			l.Fields = append(l.Fields,
				fld("ID", p, 4, s.ID, "identification number (F: any digit)"),
				fld("M", p+4, 2, s.Manufacturer, "manufacturer (FFFF: any)"),
				fld("version", p+6, 1, s.Version, "version (FF: any)"),
				fld("type", p+7, 1, s.DeviceType, "device type (FF: any)"))
		}
		if len(c.Data) > 0 {
			what := "data"
			if r.Records != nil {
				what = "records"
			}
			l.Fields = append(l.Fields, fld(what, p+c.DataOffset, len(c.Data), "", "application data"))
		}
		out = append(out, l)
	}
	return out
}

func cMeaning(c byte) string {
	if n := mbus.CFieldName(c); n != "" {
		return n
	}
	return "control field"
}

func addrMeaning(a byte) string {
	switch a {
	case 253:
		return "primary address 253: secondary addressing"
	case 254, 255:
		return "broadcast"
	}
	return "primary address"
}

func ciMeaning(ci byte) string {
	if n := mbus.CIName(ci); n != "" {
		return n
	}
	return "control information"
}

// writeWired writes the explanation of a wired frame decoded without a
// wmbus Telegram.
func (r *Result) writeWired(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.wiredTitle())
	codec.WriteLayers(&b, r.wiredLayers())
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) wiredTitle() string {
	f := r.Wired
	switch f.Kind {
	case mbus.KindAck:
		return "wired M-Bus acknowledgement (E5)\n"
	case mbus.KindShort:
		return "wired M-Bus short frame, 5 bytes\n"
	}
	return fmt.Sprintf("wired M-Bus %s frame, %d bytes; offsets count from the first 0x68\n", f.Kind, len(r.wiredRaw))
}
