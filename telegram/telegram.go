// Package telegram decodes a meter telegram of any supported kind, from the
// bytes a receiver or a wired M-Bus master delivers to named values: it
// joins the link, transport and security layers of package wmbus with the
// EN 13757-3 records of package mbus, and remembers compact-frame formats.
package telegram

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

// Decoder decodes telegrams. The zero value decodes without keys, with a
// private compact-frame cache. Not safe for concurrent use; the Result is
// owned by the Decoder until the next call.
type Decoder struct {
	// WMBus holds the link/transport settings: keys, frame format, policies.
	WMBus wmbus.Decoder
	// Signatures caches compact-frame formats; share one between decoders
	// (it is safe for concurrent use). Nil means a private cache.
	Signatures *mbus.Signatures

	own    mbus.Signatures
	parser mbus.Parser
	apl    []byte
	res    Result
	frame  mbus.Frame
	appErr mbus.AppError
	fixed  mbus.Fixed
	cmd    mbus.Command
}

// Result is a decoded telegram.
type Result struct {
	// Telegram holds the link, ELL, AFL and TPL layers and the security
	// outcome. It is nil for wired frames without a transport layer: acks,
	// short frames, application errors (Result.AppError), fixed data
	// (Result.Fixed) and master-to-slave commands (Result.Command).
	Telegram *wmbus.Telegram
	// Records are the application data records (none when the telegram has
	// no application data, or it could not be decrypted or expanded). For a
	// CI 0x51 data send they are the records written to the slave.
	Records []mbus.Record
	// Compact is set for a compact frame that was expanded with a format
	// seen earlier; Records then refer to the expanded data, not to
	// Telegram.Frame.
	Compact bool

	// Wired is the wired M-Bus frame (EN 13757-2) when the input was one:
	// E5 ack, short, control or long frame; nil for wireless frames. Its
	// Data aliases the input.
	Wired *mbus.Frame
	// AppError is set for a CI 0x70 report of application errors.
	AppError *mbus.AppError
	// Fixed is set for a CI 0x73/0x77 fixed data structure.
	Fixed *mbus.Fixed
	// Command is set for a master-to-slave frame: CI 0x50 (application
	// reset), 0x51 (data send, records in Records), 0x52 (select slave),
	// 0x53, 0x54, 0xB8..0xBF (set baud rate).
	Command *mbus.Command

	wiredRaw  []byte // the wired frame as received (aliases the input)
	aplOffset int    // offset of the records in the wired frame, -1 if none
}

// RecordsOffset returns the offset of the first byte of the records'
// application data in the decoded frame (Telegram.Frame, or the wired frame
// from its first 0x68), -1 if there is none; for an expanded compact frame
// offsets count in the expanded data and it returns 0.
func (r *Result) RecordsOffset() int {
	switch {
	case r.Compact:
		return 0
	case r.Telegram != nil:
		return r.Telegram.APLOffset
	case r.Wired != nil:
		return r.aplOffset
	}
	return -1
}

func (d *Decoder) signatures() *mbus.Signatures {
	if d.Signatures != nil {
		return d.Signatures
	}
	return &d.own
}

func meterKey(a wmbus.Address) uint64 { return uint64(a.Manufacturer)<<32 | uint64(a.ID) }

// Decode decodes one telegram: a wired M-Bus frame (E5 ack, short frame
// 10 C A CS 16, or control/long frame 68 L L 68 ...) or a wireless M-Bus
// frame in any shape. Wired frames with a transport-layer CI (0x72, 0x7A,
// 0x78, ...) go through the wmbus layers and the records; application
// errors (CI 0x70), fixed data (0x73/0x77) and master-to-slave commands
// (0x50..0x54, 0xB8..0xBF) fill Result.AppError, Fixed and Command; other
// CIs fail with codec.ErrUnsupported naming the CI. On error the Result
// holds what was decoded before it (nil when not even the link layer, or
// the wired frame, could be read).
func (d *Decoder) Decode(raw []byte) (*Result, error) {
	r := &d.res
	*r = Result{aplOffset: -1}
	if isWired(raw) {
		return d.decodeWired(raw)
	}
	var err error
	r.Telegram, err = d.WMBus.Decode(raw)
	if r.Telegram == nil {
		return nil, err
	}
	if err != nil {
		return r, err
	}
	return r, d.records(r)
}

func (d *Decoder) records(r *Result) error {
	t := r.Telegram
	apl := t.APL()
	if !t.TPL.Present || apl == nil {
		return nil
	}
	meter := meterKey(t.Meter())
	var err error
	switch t.TPL.Content {
	case wmbus.ContentRecords:
		r.Records, err = d.parser.Parse(apl)
		// Learn the format for later compact frames; a format already
		// cached is not copied again (that would allocate on every frame).
		if s := d.signatures(); err == nil && s.Lookup(meter, mbus.Signature(r.Records)) == nil {
			s.Learn(meter, r.Records)
		}
	case wmbus.ContentCompact:
		if t.TPL.SecurityMode() != 0 && len(apl) >= 2 && apl[0] == 0x2F && apl[1] == 0x2F {
			apl = apl[2:] // the decryption marker precedes the compact header
		}
		sig, ok := mbus.CompactSignature(apl)
		if !ok {
			return &codec.Error{Layer: "apl", Offset: t.APLOffset, Meter: meterName(t), Err: codec.ErrTruncated, Detail: "compact frame shorter than its 4-byte header"}
		}
		f := d.signatures().Lookup(meter, sig)
		if f == nil {
			return &codec.Error{Layer: "apl", Offset: t.APLOffset, Meter: meterName(t), Err: codec.ErrUnknownSignature,
				Detail: fmt.Sprintf("compact frame with format signature %04X, and no full frame with that format seen yet from this meter: wait for its next full frame", sig)}
		}
		d.apl, err = mbus.ExpandCompact(d.apl[:0], apl, f)
		if err != nil {
			return err
		}
		r.Compact = true
		r.Records, err = d.parser.Parse(d.apl)
	default:
		return nil // format frames, commands, manufacturer data, no data
	}
	if err != nil {
		if ce, ok := err.(*codec.Error); ok && !r.Compact {
			ce.Offset += t.APLOffset // report offsets in the frame
			ce.Meter = meterName(t)
		}
	}
	return err
}

func meterName(t *wmbus.Telegram) string {
	m := t.Meter()
	return m.IDString() + " (" + m.ManufacturerCode() + ")"
}

// RecordReport is the JSON form of one record.
type RecordReport struct {
	Offset      int    `json:"offset"`
	DIFVIF      string `json:"dif_vif"`
	Data        string `json:"data"`
	Name        string `json:"name"`
	Quantity    string `json:"quantity"`
	Description string `json:"description"`
	Value       any    `json:"value"`
	Unit        string `json:"unit,omitempty"`
	RawValue    any    `json:"raw_value,omitempty"`
	RawUnit     string `json:"raw_unit,omitempty"`
	Storage     uint64 `json:"storage"`
	Tariff      uint32 `json:"tariff"`
	Subunit     uint32 `json:"subunit"`
	Function    string `json:"function"`
	Unknown     bool   `json:"unknown_vif,omitempty"`
}

// Report is the JSON form of a Result: the wM-Bus layers plus records and
// named fields. It never contains keys.
type Report struct {
	wmbus.Report
	// Wired describes the wired M-Bus frame (C field, primary address,
	// CI); nil for wireless frames.
	Wired    *WiredReport    `json:"wired,omitempty"`
	AppError *AppErrorReport `json:"app_error,omitempty"`
	Fixed    *FixedReport    `json:"fixed,omitempty"`
	Command  *CommandReport  `json:"command,omitempty"`
	Records  []RecordReport  `json:"records,omitempty"`
	Fields   map[string]any  `json:"fields,omitempty"`
	Compact  bool            `json:"compact_expanded,omitempty"`
}

// Report returns the JSON form of r; with explain it includes the layers.
func (r *Result) Report(explain bool, decodeErr error) Report {
	rep := Report{Compact: r.Compact, Wired: r.wiredReport(), AppError: r.appErrorReport(), Fixed: r.fixedReport(), Command: r.commandReport()}
	if r.Telegram != nil {
		rep.Report = r.Telegram.Report(explain, decodeErr)
	} else {
		rep.Report = r.baseReport(explain, decodeErr)
	}
	base := r.RecordsOffset()
	for i := range r.Records {
		rec := &r.Records[i]
		v, unit := rec.DisplayValue()
		rr := RecordReport{
			Offset:      rec.Offset,
			DIFVIF:      upper(rec.DIB) + upper(rec.VIB),
			Data:        upper(rec.Data),
			Name:        rec.FieldName(),
			Quantity:    rec.Info.Quantity,
			Description: rec.Info.Description,
			Value:       rec.FieldValue(),
			Storage:     rec.Storage,
			Tariff:      rec.Tariff,
			Subunit:     rec.Subunit,
			Function:    rec.Function.String(),
			Unknown:     !rec.Info.Known,
		}
		if rec.Info.Type == mbus.TypeNumber && rec.Valid && !rec.IsText {
			rr.Unit = unit
			if rec.Info.Unit != "" && rec.Value != v {
				rr.RawValue, rr.RawUnit = rec.Value, rec.Info.Unit
			}
		}
		rr.Offset += base
		rep.Records = append(rep.Records, rr)
	}
	if len(r.Records) > 0 {
		rep.Fields = mbus.Fields(r.Records)
	}
	return rep
}

func upper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// WriteExplanation writes the layers and then every record with its bytes.
func (r *Result) WriteExplanation(w io.Writer) error {
	switch {
	case r.Telegram != nil:
		if err := r.Telegram.WriteExplanation(w); err != nil {
			return err
		}
	case r.Wired != nil:
		if err := r.writeWired(w); err != nil {
			return err
		}
	}
	if len(r.Records) == 0 {
		return nil
	}
	var b strings.Builder
	if r.Compact {
		b.WriteString("RECORDS (compact frame expanded with a cached format; offsets count in the expanded data)\n")
	} else {
		b.WriteString("RECORDS\n")
	}
	base := r.RecordsOffset()
	for i := range r.Records {
		rec := &r.Records[i]
		off := rec.Offset + base
		v := rec.FieldValue()
		_, unit := rec.DisplayValue()
		if rec.Info.Type != mbus.TypeNumber || v == nil {
			unit = ""
		}
		fmt.Fprintf(&b, "  %3d  %-10s %-8s %-16s %s = %v %s  (%s", off, upper(rec.DIB), upper(rec.VIB), upper(rec.Data), rec.FieldName(), v, unit, rec.Info.Description)
		if rec.Storage != 0 || rec.Tariff != 0 || rec.Subunit != 0 {
			fmt.Fprintf(&b, ", storage %d tariff %d subunit %d", rec.Storage, rec.Tariff, rec.Subunit)
		}
		if rec.Function != mbus.Instantaneous {
			fmt.Fprintf(&b, ", %s", rec.Function)
		}
		b.WriteString(")\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
