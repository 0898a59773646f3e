package mbus

import (
	"encoding/binary"
	"strconv"
	"sync"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
)

// ErrUnknownSignature is returned for a compact frame whose format has not
// been seen in a full frame yet.
var ErrUnknownSignature = codec.ErrUnknownSignature

// Signature returns the format signature of a record list: the
// CRC-16/EN-13757 of its DIB and VIB bytes concatenated in order (OMS
// Vol.2, compact frames; the Kamstrup CI 0x79 frames use the same rule).
func Signature(recs []Record) uint16 {
	crc := crc16.EN13757.Empty()
	for i := range recs {
		if recs[i].Coding == Special {
			continue
		}
		crc = crc16.Update(crc, crc16.EN13757, recs[i].DIB)
		crc = crc16.Update(crc, crc16.EN13757, recs[i].VIB)
	}
	return crc
}

// Format is a record layout remembered from a full frame: the DIB/VIB
// bytes of each record, for re-assembling compact frames.
type Format struct {
	Signature uint16
	// Headers is the concatenated DIB+VIB of every record; Lens holds each
	// record's header length.
	Headers []byte
	Lens    []uint8
}

// FormatOf captures the layout of recs (a full frame's records).
func FormatOf(recs []Record) *Format {
	f := &Format{Signature: Signature(recs)}
	for i := range recs {
		if recs[i].Coding == Special {
			continue
		}
		n := len(f.Headers)
		f.Headers = append(f.Headers, recs[i].DIB...)
		f.Headers = append(f.Headers, recs[i].VIB...)
		f.Lens = append(f.Lens, uint8(len(f.Headers)-n))
	}
	return f
}

// Signatures is a concurrency-safe cache of formats by meter and signature.
// The zero value is ready; the gateway persists it across restarts.
type Signatures struct {
	mu sync.RWMutex
	m  map[sigKey]*Format
	// shared holds one Format per distinct layout: a fleet of meters of
	// the same model shares one (a gateway may know 100,000 meters).
	shared map[string]*Format
}

type sigKey struct {
	meter uint64 // caller's meter identity (e.g. manufacturer<<32 | id)
	sig   uint16
}

// Learn records the layout of a full frame from meter.
func (s *Signatures) Learn(meter uint64, recs []Record) {
	sig := Signature(recs)
	s.mu.RLock()
	old := s.m[sigKey{meter, sig}]
	s.mu.RUnlock()
	if old != nil && old.matches(recs) {
		return // known: the usual case, without allocating
	}
	f := FormatOf(recs)
	if len(f.Lens) == 0 {
		return
	}
	key := string(f.Headers) + string(f.Lens)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[sigKey]*Format)
		s.shared = make(map[string]*Format)
	}
	if g, ok := s.shared[key]; ok && g.Signature == f.Signature {
		f = g
	} else {
		s.shared[key] = f
	}
	s.m[sigKey{meter, f.Signature}] = f
	s.mu.Unlock()
}

// matches reports whether f is the layout of recs.
func (f *Format) matches(recs []Record) bool {
	h, n := f.Headers, 0
	for i := range recs {
		r := &recs[i]
		if r.Coding == Special {
			continue
		}
		l := len(r.DIB) + len(r.VIB)
		if n >= len(f.Lens) || int(f.Lens[n]) != l || len(h) < l ||
			string(h[:len(r.DIB)]) != string(r.DIB) || string(h[len(r.DIB):l]) != string(r.VIB) {
			return false
		}
		h, n = h[l:], n+1
	}
	return n == len(f.Lens) && len(h) == 0
}

// Lookup returns the format with signature sig seen from meter.
func (s *Signatures) Lookup(meter uint64, sig uint16) *Format {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[sigKey{meter, sig}]
}

// Len returns the number of formats cached.
func (s *Signatures) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// ExpandCompact re-assembles the full record list of a compact frame body
// (after its CI: signature(2 LE), full-frame CRC(2 LE), values) with the
// format f, appending the full application data to dst. It checks the
// full-frame CRC, which covers the re-assembled data.
func ExpandCompact(dst, body []byte, f *Format) ([]byte, error) {
	if len(body) < 4 {
		return dst, recErr(codec.ErrTruncated, len(body), "compact frame header needs 4 bytes")
	}
	vals := body[4:]
	start := len(dst)
	h := f.Headers
	for _, n := range f.Lens {
		hdr := h[:n]
		h = h[n:]
		dst = append(dst, hdr...)
		dif := hdr[0]
		l := dataLen[dif&0x0F]
		if l < 0 {
			if dif&0x0F != byte(Variable) || len(vals) == 0 {
				return dst[:start], recErr(codec.ErrUnsupported, len(body)-len(vals), "compact frame with a special-function record")
			}
			l = lvarLen(vals[0])
			if l < 0 {
				return dst[:start], recErr(codec.ErrMalformed, len(body)-len(vals), "reserved LVAR in compact frame")
			}
			l++
		}
		if l > len(vals) {
			return dst[:start], recErr(codec.ErrTruncated, len(body), "compact frame values end early ("+strconv.Itoa(len(vals))+" bytes for a "+strconv.Itoa(l)+"-byte field)")
		}
		dst = append(dst, vals[:l]...)
		vals = vals[l:]
	}
	if crc := crc16.Checksum(dst[start:], crc16.EN13757); crc != binary.LittleEndian.Uint16(body[2:]) {
		return dst[:start], recErr(codec.ErrCRC, 2, "full-frame CRC of the re-assembled compact frame does not match: the cached format is stale")
	}
	dst = append(dst, vals...) // anything left (manufacturer data) is kept
	return dst, nil
}

// CompactSignature returns the format signature a compact frame body
// (after its CI) announces.
func CompactSignature(body []byte) (uint16, bool) {
	if len(body) < 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(body), true
}
