package dlms

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/obis"
)

// A-XDR data (IEC 62056-6-2 / DLMS Green Book 9.5, the Data CHOICE): one
// tag byte, then the value. Lengths and element counts use the BER form
// of ReadBERLength.

// A-XDR data types (tags).
const (
	TypeNullData           = 0x00
	TypeArray              = 0x01
	TypeStructure          = 0x02
	TypeBoolean            = 0x03
	TypeBitString          = 0x04
	TypeDoubleLong         = 0x05 // int32
	TypeDoubleLongUnsigned = 0x06 // uint32
	TypeOctetString        = 0x09
	TypeVisibleString      = 0x0A
	TypeUTF8String         = 0x0C
	TypeBCD                = 0x0D // one byte
	TypeInteger            = 0x0F // int8
	TypeLong               = 0x10 // int16
	TypeUnsigned           = 0x11 // uint8
	TypeLongUnsigned       = 0x12 // uint16
	TypeCompactArray       = 0x13
	TypeLong64             = 0x14 // int64
	TypeLong64Unsigned     = 0x15 // uint64
	TypeEnum               = 0x16
	TypeFloat32            = 0x17
	TypeFloat64            = 0x18
	TypeDateTime           = 0x19 // 12 bytes
	TypeDate               = 0x1A // 5 bytes
	TypeTime               = 0x1B // 4 bytes
	TypeDontCare           = 0xFF
	// TypeAttributeDescriptor is meterwire's own tag, never on the wire,
	// for an untagged COSEM attribute descriptor (class id (2), logical
	// name (6), attribute (1)) read under QuirkAttributeDescriptors.
	TypeAttributeDescriptor = 0xF0
)

// fixedSize returns the value size of a fixed-size type, or -1.
func fixedSize(t byte) int {
	switch t {
	case TypeNullData, TypeDontCare:
		return 0
	case TypeBoolean, TypeBCD, TypeInteger, TypeUnsigned, TypeEnum:
		return 1
	case TypeLong, TypeLongUnsigned:
		return 2
	case TypeDoubleLong, TypeDoubleLongUnsigned, TypeFloat32, TypeTime:
		return 4
	case TypeDate:
		return 5
	case TypeLong64, TypeLong64Unsigned, TypeFloat64:
		return 8
	case TypeDateTime:
		return 12
	}
	return -1
}

// TypeName returns the Green Book name of an A-XDR type.
func TypeName(t byte) string {
	switch t {
	case TypeNullData:
		return "null-data"
	case TypeArray:
		return "array"
	case TypeStructure:
		return "structure"
	case TypeBoolean:
		return "boolean"
	case TypeBitString:
		return "bit-string"
	case TypeDoubleLong:
		return "double-long"
	case TypeDoubleLongUnsigned:
		return "double-long-unsigned"
	case TypeOctetString:
		return "octet-string"
	case TypeVisibleString:
		return "visible-string"
	case TypeUTF8String:
		return "utf8-string"
	case TypeBCD:
		return "bcd"
	case TypeInteger:
		return "integer"
	case TypeLong:
		return "long"
	case TypeUnsigned:
		return "unsigned"
	case TypeLongUnsigned:
		return "long-unsigned"
	case TypeCompactArray:
		return "compact-array"
	case TypeLong64:
		return "long64"
	case TypeLong64Unsigned:
		return "long64-unsigned"
	case TypeEnum:
		return "enum"
	case TypeFloat32:
		return "float32"
	case TypeFloat64:
		return "float64"
	case TypeDateTime:
		return "date-time"
	case TypeDate:
		return "date"
	case TypeTime:
		return "time"
	case TypeDontCare:
		return "dont-care"
	case TypeAttributeDescriptor:
		return "attribute-descriptor"
	}
	return "type-0x" + strconv.FormatUint(uint64(t)|0x100, 16)[1:]
}

// Data is one decoded A-XDR value, a node of the tree a DataDecoder
// builds. Bytes and the tree alias the decoded input and the decoder.
type Data struct {
	Type byte // A-XDR tag (TypeXxx)
	// Offset and Len locate the value's encoding, tag included, in the
	// decoded input (for elements of a compact-array: the untagged value).
	Offset, Len int
	// Bytes holds the content of octet-string, visible-string,
	// utf8-string, bit-string (packed, first bit in the high bit),
	// date-time, date and time values, the type description of a
	// compact-array and the 9 bytes of an attribute descriptor.
	Bytes []byte
	// Items are the elements of an array, structure or compact-array.
	Items []Data
	v     uint64 // numeric value (two's complement, float bits), bit count
}

// IsContainer reports whether d holds Items.
func (d *Data) IsContainer() bool {
	return d.Type == TypeArray || d.Type == TypeStructure || d.Type == TypeCompactArray
}

// Int returns the value of an integer kind (integer, long, double-long,
// long64, their unsigned forms if they fit, enum, bcd's raw byte) as int64.
func (d *Data) Int() (int64, bool) {
	switch d.Type {
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		return int64(d.v), true
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeEnum:
		return int64(d.v), true
	case TypeLong64Unsigned:
		return int64(d.v), d.v <= math.MaxInt64
	}
	return 0, false
}

// Uint returns the value of an unsigned kind (unsigned, long-unsigned,
// double-long-unsigned, long64-unsigned, enum, boolean) or of a
// non-negative signed one.
func (d *Data) Uint() (uint64, bool) {
	switch d.Type {
	case TypeUnsigned, TypeLongUnsigned, TypeDoubleLongUnsigned, TypeLong64Unsigned, TypeEnum, TypeBoolean:
		return d.v, true
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		return d.v, int64(d.v) >= 0
	}
	return 0, false
}

// Float returns the value of a float32/float64 or of any integer kind.
func (d *Data) Float() (float64, bool) {
	switch d.Type {
	case TypeFloat32:
		return float64(math.Float32frombits(uint32(d.v))), true
	case TypeFloat64:
		return math.Float64frombits(d.v), true
	case TypeLong64Unsigned:
		return float64(d.v), true
	}
	if i, ok := d.Int(); ok && d.Type != TypeEnum {
		return float64(i), true
	}
	return 0, false
}

// Bool returns the value of a boolean.
func (d *Data) Bool() (bool, bool) { return d.v != 0, d.Type == TypeBoolean }

// BitLen returns the number of bits of a bit-string.
func (d *Data) BitLen() int {
	if d.Type != TypeBitString {
		return 0
	}
	return int(d.v)
}

// Text returns the content of a visible-string or utf8-string, and of an
// octet-string that is printable ASCII (meters put serial numbers and
// names in octet-strings).
func (d *Data) Text() (string, bool) {
	switch d.Type {
	case TypeVisibleString, TypeUTF8String:
		return string(d.Bytes), true
	case TypeOctetString:
		if printable(d.Bytes) {
			return string(d.Bytes), true
		}
	}
	return "", false
}

func printable(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// OBIS returns the logical name of a 6-byte octet-string (the usual form
// of an OBIS code in push data) or of an attribute descriptor.
func (d *Data) OBIS() ([6]byte, bool) {
	switch {
	case d.Type == TypeOctetString && len(d.Bytes) == 6:
		return [6]byte(d.Bytes), true
	case d.Type == TypeAttributeDescriptor && len(d.Bytes) == 9:
		return [6]byte(d.Bytes[2:8]), true
	}
	return [6]byte{}, false
}

// AttributeDescriptor returns class id, logical name and attribute index
// of an attribute descriptor (read under QuirkAttributeDescriptors).
func (d *Data) AttributeDescriptor() (classID uint16, obis [6]byte, attr int8, ok bool) {
	if d.Type != TypeAttributeDescriptor || len(d.Bytes) != 9 {
		return 0, obis, 0, false
	}
	return binary.BigEndian.Uint16(d.Bytes), [6]byte(d.Bytes[2:8]), int8(d.Bytes[8]), true
}

// DateTime returns the value of a date-time, or of a 12-byte octet-string
// that reads as a plausible COSEM date-time (see DateTimeFromOctets).
func (d *Data) DateTime() (DateTime, bool) {
	switch d.Type {
	case TypeDateTime:
		t, err := ParseDateTime(d.Bytes)
		return t, err == nil
	case TypeOctetString:
		return DateTimeFromOctets(d.Bytes)
	}
	return DateTime{}, false
}

// Quirks are vendor deviations from A-XDR that a DataDecoder can accept.
type Quirks uint8

// Known quirks.
const (
	// QuirkAttributeDescriptors reads an untagged COSEM attribute
	// descriptor, class id (2, below 256) | logical name (6) | attribute
	// (1, not 0), in place of the first element of a structure (Sagemcom
	// XT211, EG.D push: structure { descriptor, value }). The node has
	// Type TypeAttributeDescriptor.
	QuirkAttributeDescriptors Quirks = 1 << iota
	// QuirkSwappedOBISTag reads 06 09 <6 bytes> as the first element of a
	// structure as the octet-string 09 06 <6 bytes> (a Landis+Gyr firmware
	// bug seen in ZMF100 push data).
	QuirkSwappedOBISTag

	// AllQuirks is every quirk meterwire knows.
	AllQuirks = QuirkAttributeDescriptors | QuirkSwappedOBISTag
)

// String lists the quirks by name.
func (q Quirks) String() string {
	var s []string
	if q&QuirkAttributeDescriptors != 0 {
		s = append(s, "attribute-descriptors")
	}
	if q&QuirkSwappedOBISTag != 0 {
		s = append(s, "swapped-obis-tag")
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// Limits of DataDecoder.
const (
	// DefaultMaxDepth bounds the nesting of arrays and structures.
	DefaultMaxDepth = 16
	// DefaultMaxNodes bounds the number of values in one tree.
	DefaultMaxNodes = 1 << 14
)

// DataDecoder decodes A-XDR data into a tree of Data. It checks every
// length and count against the bytes that remain before allocating, so
// hostile input costs time and memory in proportion to its length: a first
// pass validates and counts the values, a second fills one slice of
// exactly that many nodes. It reuses that slice: a tree is valid until the
// next Decode; not safe for concurrent use. The zero value is ready, with
// the default limits and no quirks.
type DataDecoder struct {
	// MaxDepth bounds nesting (0: DefaultMaxDepth); MaxNodes the number
	// of values (0: DefaultMaxNodes).
	MaxDepth, MaxNodes int
	// Quirks are the vendor deviations accepted.
	Quirks Quirks
	// Strict stops DataNotification from retrying a body that does not
	// decode with AllQuirks.
	Strict bool

	nodes []Data
	next  int // next node to hand out (second pass)
	count int // nodes counted (first pass)
	used  Quirks
}

// Used returns the quirks the last Decode needed.
func (d *DataDecoder) Used() Quirks { return d.used }

func aerr(err error, off int, detail string) error {
	return &codec.Error{Layer: "axdr", Offset: off, Err: err, Detail: detail}
}

// DecodeData decodes the A-XDR value at the start of b into a new tree and
// returns it with the number of bytes it took. See DataDecoder.Decode.
func DecodeData(b []byte) (*Data, int, error) {
	var d DataDecoder
	return d.Decode(b)
}

// Decode decodes the A-XDR value at the start of b and returns its tree
// with the number of bytes it took; bytes after the value are left alone.
// Errors wrap codec.ErrTruncated (a length or count runs past the input),
// codec.ErrMalformed (an unknown tag, an impossible length) or
// codec.ErrUnsupported (nesting beyond MaxDepth, more than MaxNodes
// values, a compact-array with elements of no size).
func (d *DataDecoder) Decode(b []byte) (*Data, int, error) {
	maxNodes := d.MaxNodes
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	d.used = 0
	d.count = 1
	n, err := d.value(b, 0, 0, nil, false, maxNodes)
	if err != nil {
		return nil, 0, err
	}
	if cap(d.nodes) < d.count {
		d.nodes = make([]Data, d.count)
	}
	d.nodes = d.nodes[:d.count]
	clear(d.nodes)
	d.next = 1
	if _, err := d.value(b, 0, 0, &d.nodes[0], false, maxNodes); err != nil {
		return nil, 0, err // cannot happen: the first pass checked everything
	}
	return &d.nodes[0], n, nil
}

// reserve claims n nodes for the items of a container.
func (d *DataDecoder) reserve(n int) []Data {
	s := d.nodes[d.next : d.next+n : d.next+n]
	d.next += n
	return s
}

// value decodes the value with its tag at b[off:]. In the first pass dst
// is nil and nodes are counted; in the second they are filled.
func (d *DataDecoder) value(b []byte, off, depth int, dst *Data, first bool, maxNodes int) (int, error) {
	if off >= len(b) {
		return 0, aerr(codec.ErrTruncated, off, "value missing")
	}
	t := b[off]
	if first && d.Quirks != 0 {
		switch {
		case d.Quirks&QuirkAttributeDescriptors != 0 && t == 0x00 && len(b)-off >= 9 && b[off+1] != 0 && b[off+8] != 0:
			d.used |= QuirkAttributeDescriptors
			if dst != nil {
				*dst = Data{Type: TypeAttributeDescriptor, Offset: off, Len: 9, Bytes: b[off : off+9]}
			}
			return off + 9, nil
		case d.Quirks&QuirkSwappedOBISTag != 0 && t == TypeDoubleLongUnsigned && len(b)-off >= 8 && b[off+1] == TypeOctetString:
			d.used |= QuirkSwappedOBISTag
			if dst != nil {
				*dst = Data{Type: TypeOctetString, Offset: off, Len: 8, Bytes: b[off+2 : off+8]}
			}
			return off + 8, nil
		}
	}
	end, err := d.body(b, t, off+1, depth, dst, maxNodes)
	if err != nil {
		return 0, err
	}
	if dst != nil {
		dst.Type = t
		dst.Offset = off
		dst.Len = end - off
	}
	return end, nil
}

// body decodes the value of type t at b[off:] (after the tag).
func (d *DataDecoder) body(b []byte, t byte, off, depth int, dst *Data, maxNodes int) (int, error) {
	rest := len(b) - off
	if sz := fixedSize(t); sz >= 0 {
		if rest < sz {
			return 0, aerr(codec.ErrTruncated, len(b), TypeName(t)+" needs "+strconv.Itoa(sz)+" bytes, "+strconv.Itoa(rest)+" left")
		}
		if dst != nil {
			setFixed(dst, t, b[off:off+sz])
		}
		return off + sz, nil
	}
	switch t {
	case TypeArray, TypeStructure:
		maxDepth := d.MaxDepth
		if maxDepth <= 0 {
			maxDepth = DefaultMaxDepth
		}
		if depth >= maxDepth {
			return 0, aerr(codec.ErrUnsupported, off-1, "nesting deeper than "+strconv.Itoa(maxDepth)+" (MaxDepth)")
		}
		n, ln, err := d.length(b, off)
		if err != nil {
			return 0, err
		}
		off += ln
		if n > len(b)-off {
			return 0, aerr(codec.ErrTruncated, off-ln, TypeName(t)+" claims "+strconv.Itoa(n)+" elements, "+strconv.Itoa(len(b)-off)+" bytes left")
		}
		var items []Data
		if dst != nil {
			items = d.reserve(n)
			dst.Items = items
		} else if d.count += n; d.count > maxNodes {
			return 0, aerr(codec.ErrUnsupported, off-ln, "more than "+strconv.Itoa(maxNodes)+" values (MaxNodes)")
		}
		for i := range n {
			var el *Data
			if items != nil {
				el = &items[i]
			}
			if off, err = d.value(b, off, depth+1, el, i == 0 && t == TypeStructure, maxNodes); err != nil {
				return 0, err
			}
		}
		return off, nil
	case TypeOctetString, TypeVisibleString, TypeUTF8String, TypeBitString:
		n, ln, err := d.length(b, off)
		if err != nil {
			return 0, err
		}
		nb := n
		if t == TypeBitString {
			nb = (n + 7) / 8
		}
		off += ln
		if nb > len(b)-off {
			return 0, aerr(codec.ErrTruncated, off-ln, TypeName(t)+" of "+strconv.Itoa(nb)+" bytes, "+strconv.Itoa(len(b)-off)+" left")
		}
		if dst != nil {
			dst.Bytes = b[off : off+nb]
			if t == TypeBitString {
				dst.v = uint64(n)
			}
		}
		return off + nb, nil
	case TypeCompactArray:
		return d.compactArray(b, off, depth, dst, maxNodes)
	}
	return 0, aerr(codec.ErrMalformed, off-1, "unknown A-XDR tag 0x"+strconv.FormatUint(uint64(t)|0x100, 16)[1:])
}

func (d *DataDecoder) length(b []byte, off int) (int, int, error) {
	n, ln, err := ReadBERLength(b[off:])
	if err != nil {
		e := err.(*codec.Error)
		return 0, 0, aerr(e.Err, off+e.Offset, e.Detail)
	}
	return n, ln, nil
}

// setFixed stores a fixed-size value.
func setFixed(dst *Data, t byte, v []byte) {
	switch t {
	case TypeBoolean, TypeUnsigned, TypeEnum:
		dst.v = uint64(v[0])
	case TypeInteger, TypeBCD:
		dst.v = uint64(int64(int8(v[0])))
	case TypeLong:
		dst.v = uint64(int64(int16(binary.BigEndian.Uint16(v))))
	case TypeLongUnsigned:
		dst.v = uint64(binary.BigEndian.Uint16(v))
	case TypeDoubleLong:
		dst.v = uint64(int64(int32(binary.BigEndian.Uint32(v))))
	case TypeDoubleLongUnsigned, TypeFloat32:
		dst.v = uint64(binary.BigEndian.Uint32(v))
	case TypeLong64, TypeLong64Unsigned, TypeFloat64:
		dst.v = binary.BigEndian.Uint64(v)
	case TypeDateTime, TypeDate, TypeTime:
		dst.Bytes = v
	}
}

// compactArray decodes
//
//	contents-description (TypeDescription) | BER length | array-contents
//
// where TypeDescription is a simple tag, 01 | count (2) | TypeDescription
// or 02 | BER count | TypeDescription..., and the contents are untagged
// values of that description, as many as fit.
func (d *DataDecoder) compactArray(b []byte, off, depth int, dst *Data, maxNodes int) (int, error) {
	descStart := off
	descEnd, minSize, nodes, err := d.typeDesc(b, off, depth+1)
	if err != nil {
		return 0, err
	}
	n, ln, err := d.length(b, descEnd)
	if err != nil {
		return 0, err
	}
	cstart := descEnd + ln
	if n > len(b)-cstart {
		return 0, aerr(codec.ErrTruncated, descEnd, "compact-array contents of "+strconv.Itoa(n)+" bytes, "+strconv.Itoa(len(b)-cstart)+" left")
	}
	if minSize == 0 {
		if n == 0 {
			if dst != nil {
				dst.Bytes = b[descStart:descEnd]
			}
			return cstart, nil
		}
		return 0, aerr(codec.ErrUnsupported, descStart, "compact-array of elements that take no bytes")
	}
	contents := b[:cstart+n]
	desc := b[descStart:descEnd]
	if dst == nil {
		// Count the elements (each takes at least minSize >= 1 bytes);
		// checking the node budget before each keeps the work bounded
		// by MaxNodes even for elements that expand (arrays of
		// null-data inside a structure).
		for p := cstart; p < len(contents); {
			if d.count += nodes; d.count > maxNodes {
				return 0, aerr(codec.ErrUnsupported, descStart, "more than "+strconv.Itoa(maxNodes)+" values (MaxNodes)")
			}
			if p, err = d.untagged(contents, p, desc, 0, nil); err != nil {
				return 0, err
			}
		}
		return len(contents), nil
	}
	count := 0
	for p := cstart; p < len(contents); count++ {
		p, _ = d.untagged(contents, p, desc, 0, nil)
	}
	dst.Bytes = desc
	dst.Items = d.reserve(count)
	p := cstart
	for i := range dst.Items {
		p, _ = d.untagged(contents, p, desc, 0, &dst.Items[i])
	}
	return len(contents), nil
}

// typeDesc validates the TypeDescription at b[off:] and returns its end,
// the least number of content bytes one element takes, and the number of
// nodes one element makes.
func (d *DataDecoder) typeDesc(b []byte, off, depth int) (end, minSize, nodes int, err error) {
	maxDepth := d.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if depth > maxDepth {
		return 0, 0, 0, aerr(codec.ErrUnsupported, off, "type description deeper than "+strconv.Itoa(maxDepth)+" (MaxDepth)")
	}
	if off >= len(b) {
		return 0, 0, 0, aerr(codec.ErrTruncated, off, "type description missing")
	}
	t := b[off]
	if sz := fixedSize(t); sz >= 0 {
		return off + 1, sz, 1, nil
	}
	switch t {
	case TypeOctetString, TypeVisibleString, TypeUTF8String, TypeBitString:
		return off + 1, 1, 1, nil
	case TypeArray:
		if len(b)-off < 3 {
			return 0, 0, 0, aerr(codec.ErrTruncated, len(b), "array description needs a 2-byte count")
		}
		cnt := int(binary.BigEndian.Uint16(b[off+1:]))
		e, ms, nn, err := d.typeDesc(b, off+3, depth+1)
		if err != nil {
			return 0, 0, 0, err
		}
		return e, min(cnt*ms, 1<<30), min(1+cnt*nn, 1<<30), nil
	case TypeStructure:
		cnt, ln, err := d.length(b, off+1)
		if err != nil {
			return 0, 0, 0, err
		}
		p := off + 1 + ln
		if cnt > len(b)-p {
			return 0, 0, 0, aerr(codec.ErrTruncated, off+1, "structure description claims "+strconv.Itoa(cnt)+" elements, "+strconv.Itoa(len(b)-p)+" bytes left")
		}
		ms, nn := 0, 1
		for range cnt {
			e, m, k, err := d.typeDesc(b, p, depth+1)
			if err != nil {
				return 0, 0, 0, err
			}
			p, ms, nn = e, min(ms+m, 1<<30), min(nn+k, 1<<30)
		}
		return p, ms, nn, nil
	}
	return 0, 0, 0, aerr(codec.ErrMalformed, off, "type 0x"+strconv.FormatUint(uint64(t)|0x100, 16)[1:]+" in a compact-array description")
}

// untagged decodes one untagged value of description desc[dp:] at
// b[off:]; dst nil only checks it. It returns the content offset after it.
func (d *DataDecoder) untagged(b []byte, off int, desc []byte, dp int, dst *Data) (int, error) {
	t := desc[dp]
	switch t {
	case TypeArray:
		cnt := int(binary.BigEndian.Uint16(desc[dp+1:]))
		var items []Data
		if dst != nil {
			*dst = Data{Type: t, Offset: off}
			items = d.reserve(cnt)
			dst.Items = items
		}
		var err error
		start := off
		for i := range cnt {
			var el *Data
			if items != nil {
				el = &items[i]
			}
			if off, err = d.untagged(b, off, desc, dp+3, el); err != nil {
				return 0, err
			}
		}
		if dst != nil {
			dst.Len = off - start
		}
		return off, nil
	case TypeStructure:
		cnt, ln, _ := ReadBERLength(desc[dp+1:])
		var items []Data
		if dst != nil {
			*dst = Data{Type: t, Offset: off}
			items = d.reserve(cnt)
			dst.Items = items
		}
		p := dp + 1 + ln
		var err error
		start := off
		for i := range cnt {
			var el *Data
			if items != nil {
				el = &items[i]
			}
			if off, err = d.untagged(b, off, desc, p, el); err != nil {
				return 0, err
			}
			p, _ = d.descEnd(desc, p)
		}
		if dst != nil {
			dst.Len = off - start
		}
		return off, nil
	}
	var tmp Data
	target := dst
	if target == nil {
		target = &tmp
	}
	e, err := d.body(b, t, off, 0, target, 1<<30)
	if err != nil {
		return 0, err
	}
	if dst != nil {
		dst.Type = t
		dst.Offset = off
		dst.Len = e - off
	}
	return e, nil
}

// descEnd returns the end of a (validated) type description at desc[dp:].
func (d *DataDecoder) descEnd(desc []byte, dp int) (int, error) {
	e, _, _, err := d.typeDesc(desc, dp, 0)
	return e, err
}

// String formats the tree, one value per line, indented by depth: the
// form of `meterwire decode --explain`. Octet-strings show their hex and,
// in parentheses, their text when printable, else their OBIS reading
// when 6 bytes long, else their date-time reading when they read as one.
func (d *Data) String() string {
	var sb strings.Builder
	d.write(&sb, 0)
	return sb.String()
}

func (d *Data) write(sb *strings.Builder, depth int) {
	for range depth {
		sb.WriteString("  ")
	}
	sb.WriteString(TypeName(d.Type))
	if d.IsContainer() {
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(len(d.Items)))
		sb.WriteByte(']')
		if d.Type == TypeCompactArray {
			sb.WriteString(" of ")
			sb.WriteString(hex.EncodeToString(d.Bytes))
		}
		sb.WriteByte('\n')
		for i := range d.Items {
			d.Items[i].write(sb, depth+1)
		}
		return
	}
	if v := d.valueString(); v != "" {
		sb.WriteByte(' ')
		sb.WriteString(v)
	}
	sb.WriteByte('\n')
}

// valueString renders a leaf value; "" for null-data and dont-care.
func (d *Data) valueString() string {
	switch d.Type {
	case TypeNullData, TypeDontCare:
		return ""
	case TypeBoolean:
		return strconv.FormatBool(d.v != 0)
	case TypeVisibleString, TypeUTF8String:
		if utf8.Valid(d.Bytes) {
			return strconv.Quote(string(d.Bytes))
		}
		return hex.EncodeToString(d.Bytes)
	case TypeOctetString:
		s := hex.EncodeToString(d.Bytes)
		if printable(d.Bytes) {
			return s + " (" + strconv.Quote(string(d.Bytes)) + ")"
		}
		if o, ok := d.OBIS(); ok {
			return s + " (" + FormatOBIS(o) + ")"
		}
		if t, ok := DateTimeFromOctets(d.Bytes); ok {
			return s + " (" + t.String() + ")"
		}
		return s
	case TypeBitString:
		return strconv.Itoa(int(d.v)) + " bits " + hex.EncodeToString(d.Bytes)
	case TypeDateTime:
		if t, err := ParseDateTime(d.Bytes); err == nil {
			return t.String()
		}
	case TypeDate, TypeTime:
		return hex.EncodeToString(d.Bytes)
	case TypeFloat32, TypeFloat64:
		f, _ := d.Float()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case TypeLong64Unsigned:
		return strconv.FormatUint(d.v, 10)
	case TypeAttributeDescriptor:
		c, o, a, _ := d.AttributeDescriptor()
		return "class " + strconv.Itoa(int(c)) + " " + FormatOBIS(o) + " attribute " + strconv.Itoa(int(a))
	}
	if i, ok := d.Int(); ok {
		return strconv.FormatInt(i, 10)
	}
	return hex.EncodeToString(d.Bytes)
}

// MarshalJSON encodes the tree as nested objects: {"type": name,
// "value": number|bool|string} for leaves (strings of octet-strings in hex,
// with "obis", "text" or "datetime" readings added where they apply) and
// {"type": name, "items": [...]} for containers.
func (d *Data) MarshalJSON() ([]byte, error) {
	return d.appendJSON(nil), nil
}

func (d *Data) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, TypeName(d.Type))
	if d.IsContainer() {
		if d.Type == TypeCompactArray {
			b = append(b, `,"description":"`...)
			b = hex.AppendEncode(b, d.Bytes)
			b = append(b, '"')
		}
		b = append(b, `,"items":[`...)
		for i := range d.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = d.Items[i].appendJSON(b)
		}
		return append(b, "]}"...)
	}
	switch d.Type {
	case TypeNullData, TypeDontCare:
	case TypeBoolean:
		b = append(b, `,"value":`...)
		b = strconv.AppendBool(b, d.v != 0)
	case TypeVisibleString, TypeUTF8String:
		b = append(b, `,"value":`...)
		b = appendJSONString(b, string(d.Bytes))
	case TypeOctetString, TypeDate, TypeTime, TypeDateTime, TypeBitString, TypeAttributeDescriptor:
		b = append(b, `,"value":"`...)
		b = hex.AppendEncode(b, d.Bytes)
		b = append(b, '"')
		if d.Type == TypeBitString {
			b = append(b, `,"bits":`...)
			b = strconv.AppendUint(b, d.v, 10)
		}
		if s, ok := d.Text(); ok && d.Type == TypeOctetString {
			b = append(b, `,"text":`...)
			b = appendJSONString(b, s)
		} else if o, ok := d.OBIS(); ok {
			b = append(b, `,"obis":"`...)
			b = AppendOBIS(b, o)
			b = append(b, '"')
		} else if t, ok := d.DateTime(); ok {
			b = append(b, `,"datetime":`...)
			b = appendJSONString(b, t.String())
		}
	case TypeFloat32, TypeFloat64:
		f, _ := d.Float()
		b = append(b, `,"value":`...)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			b = appendJSONString(b, strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
		}
	case TypeLong64Unsigned:
		b = append(b, `,"value":`...)
		b = strconv.AppendUint(b, d.v, 10)
	default:
		if i, ok := d.Int(); ok {
			b = append(b, `,"value":`...)
			b = strconv.AppendInt(b, i, 10)
		}
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: control characters as
// \u escapes, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7F:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// FormatOBIS formats a logical name as an OBIS code the way users see it
// in DSMR and on meter displays: "A-B:C.D.E", with "*F" appended only when
// F is not 255 (the usual "current value"), so 0100010800FF gives
// "1-0:1.8.0" and 0100010801 65 gives "1-0:1.8.1*101".
func FormatOBIS(b [6]byte) string {
	var buf [24]byte
	return string(AppendOBIS(buf[:0], b))
}

// AppendOBIS appends the FormatOBIS form of b to dst (package obis's
// canonical text).
func AppendOBIS(dst []byte, b [6]byte) []byte {
	return obis.Code(b).AppendText(dst)
}

// DateTime is a COSEM date-time (IEC 62056-6-2 4.1.6.1, 12 bytes):
//
//	year (2) | month | day | weekday | hour | minute | second | hundredths |
//	deviation (2, signed minutes) | clock status
//
// 0xFF (0xFFFF for the year) marks a field as not specified. Month 0xFD
// and 0xFE mean end and begin of daylight saving; day 0xFD and 0xFE the
// second-last and last day of the month. Deviation 0x8000 is not
// specified; otherwise it is UTC minus local time in minutes, as every
// meter of the corpus sends it (Austria in summer: -120, Russia: -180).
type DateTime struct {
	Year                          uint16 // 0xFFFF: not specified
	Month, Day, Weekday           uint8  // weekday 1 = Monday
	Hour, Minute, Second, Hundred uint8  // Hundred: hundredths of a second
	Deviation                     int16  // UTC minus local time in minutes, or DeviationUnspecified
	ClockStatus                   uint8  // ClockXxx bits; 0xFF: not specified
}

// DeviationUnspecified is the Deviation of a date-time without one.
const DeviationUnspecified = math.MinInt16

// Clock status bits.
const (
	ClockInvalid          = 0x01
	ClockDoubtful         = 0x02
	ClockDifferentBase    = 0x04
	ClockInvalidStatus    = 0x08
	ClockDaylightSavingOn = 0x80
)

// ParseDateTime reads a 12-byte COSEM date-time. It only checks the
// length (codec.ErrMalformed); see Valid and Time for the fields.
func ParseDateTime(b []byte) (DateTime, error) {
	if len(b) != 12 {
		return DateTime{}, aerr(codec.ErrMalformed, 0, "date-time of "+strconv.Itoa(len(b))+" bytes, want 12")
	}
	return DateTime{
		Year: binary.BigEndian.Uint16(b), Month: b[2], Day: b[3], Weekday: b[4],
		Hour: b[5], Minute: b[6], Second: b[7], Hundred: b[8],
		Deviation: int16(binary.BigEndian.Uint16(b[9:])), ClockStatus: b[11],
	}, nil
}

// Append appends the 12-byte encoding of t to dst.
func (t DateTime) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, t.Year)
	dst = append(dst, t.Month, t.Day, t.Weekday, t.Hour, t.Minute, t.Second, t.Hundred)
	dst = binary.BigEndian.AppendUint16(dst, uint16(t.Deviation))
	return append(dst, t.ClockStatus)
}

func inRange(v, lo, hi uint8, extra ...uint8) bool {
	if v == 0xFF || (v >= lo && v <= hi) {
		return true
	}
	for _, e := range extra {
		if v == e {
			return true
		}
	}
	return false
}

// Valid reports whether every field is in its range or not specified.
func (t DateTime) Valid() bool {
	return inRange(t.Month, 1, 12, 0xFD, 0xFE) && inRange(t.Day, 1, 31, 0xFD, 0xFE) && inRange(t.Weekday, 1, 7) &&
		inRange(t.Hour, 0, 23) && inRange(t.Minute, 0, 59) && inRange(t.Second, 0, 59) && inRange(t.Hundred, 0, 99) &&
		(t.Deviation == DeviationUnspecified || (t.Deviation >= -840 && t.Deviation <= 840))
}

// DateTimeFromOctets tries to read a 12-byte octet-string as a date-time,
// as meters often send one (the clock in a data-notification body). It
// accepts only valid field values and a year from 1970 to 2200 or not
// specified, so text that happens to be 12 bytes long is not mistaken
// for a date.
func DateTimeFromOctets(b []byte) (DateTime, bool) {
	t, err := ParseDateTime(b)
	if err != nil || !t.Valid() || (t.Year != 0xFFFF && (t.Year < 1970 || t.Year > 2200)) {
		return DateTime{}, false
	}
	return t, true
}

// DST reports whether the clock status says daylight saving is active.
func (t DateTime) DST() bool {
	return t.ClockStatus != 0xFF && t.ClockStatus&ClockDaylightSavingOn != 0
}

// Time returns t as a time.Time when the date and time of day are
// complete (year, month, day, hour, minute and second specified and in
// range; hundredths default to 0). With a deviation the zone is the fixed
// offset it gives; without one t is taken as local time in loc, and
// without loc Time fails.
func (t DateTime) Time(loc *time.Location) (time.Time, bool) {
	if t.Year == 0xFFFF || t.Month < 1 || t.Month > 12 || t.Day < 1 || t.Day > 31 || t.Hour > 23 || t.Minute > 59 || t.Second > 59 {
		return time.Time{}, false
	}
	ns := 0
	if t.Hundred <= 99 {
		ns = int(t.Hundred) * 10e6
	}
	switch {
	case t.Deviation != DeviationUnspecified && t.Deviation >= -840 && t.Deviation <= 840:
		loc = time.FixedZone("", -int(t.Deviation)*60)
	case loc == nil:
		return time.Time{}, false
	}
	tm := time.Date(int(t.Year), time.Month(t.Month), int(t.Day), int(t.Hour), int(t.Minute), int(t.Second), ns, loc)
	if tm.Day() != int(t.Day) {
		return time.Time{}, false // 31 April and the like
	}
	return tm, true
}

// String formats t as "2021-09-27 09:47:15" with ".hh" hundredths and a
// "+02:00" offset when specified; unspecified fields show as "*".
func (t DateTime) String() string {
	b := make([]byte, 0, 32)
	num := func(v, width int, unspec bool) {
		if unspec {
			for range width {
				b = append(b, '*')
			}
			return
		}
		s := strconv.Itoa(v)
		for i := len(s); i < width; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	num(int(t.Year), 4, t.Year == 0xFFFF)
	b = append(b, '-')
	num(int(t.Month), 2, t.Month == 0xFF)
	b = append(b, '-')
	num(int(t.Day), 2, t.Day == 0xFF)
	b = append(b, ' ')
	num(int(t.Hour), 2, t.Hour == 0xFF)
	b = append(b, ':')
	num(int(t.Minute), 2, t.Minute == 0xFF)
	b = append(b, ':')
	num(int(t.Second), 2, t.Second == 0xFF)
	if t.Hundred != 0xFF && t.Hundred != 0 {
		b = append(b, '.')
		num(int(t.Hundred), 2, false)
	}
	if t.Deviation != DeviationUnspecified {
		off := -int(t.Deviation)
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, ' ', sign)
		num(off/60, 2, false)
		b = append(b, ':')
		num(off%60, 2, false)
	}
	return string(b)
}
