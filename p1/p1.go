// Package p1 reads what comes out of a smart meter's P1 (customer) port:
// plain DSMR text telegrams and DLMS general-glo-ciphering frames (smarty
// in Luxembourg, Austrian and other encrypted meters), possibly both on the
// same stream. It finds the units in a byte stream (Split), decrypts frames
// (package dlms) and parses the telegrams (package dsmr).
//
// Trust rules. A frame whose GCM tag verified is authentic even when the
// DSMR CRC inside is stale (real smarty frames have that). A frame
// decrypted without checking a tag (the operator did not publish the AK,
// or SC 0x20 has none) must contain a telegram with a valid CRC, or it is
// refused as a wrong key. When an AK is configured, a frame that claims to
// carry no tag is refused (downgrade). Frame counters are recorded only for
// frames that were authenticated, and a counter that goes backwards is
// ErrReplay.
package p1

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/dsmr"
)

// maxFrame bounds a DLMS frame on a P1 stream (smarty frames are ~650 bytes,
// Luxembourg's largest ~1500).
const maxFrame = 16 << 10

// Split is a bufio.SplitFunc that finds P1 units in a stream: DSMR text
// telegrams ('/' ... '!' CRC line), ciphered DLMS frames (0xDB/0xDF, 0x08,
// system title, BER length), HDLC frames (0x7E, split by their length
// field) and DLMS segments in wired M-Bus long frames (68 L L 68). Garbage
// between them is skipped.
func Split(data []byte, atEOF bool) (int, []byte, error) {
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '/':
			// TelegramAt does not skip: a stray '/' (inside binary data) must
			// not swallow a DLMS frame that follows it.
			n, more := dsmr.TelegramAt(data[i:], atEOF)
			if n > 0 {
				return i + n, data[i : i+n], nil
			}
			if more {
				return i, nil, nil // need more data
			}
		case c == dlms.HDLCFlag:
			adv, tok, _ := dlms.SplitHDLC(data[i:], atEOF)
			switch {
			case tok != nil && adv-len(tok)+1 == 0:
				// A frame starts here; SplitHDLC leaves the closing flag,
				// which may open the next frame.
				return i + adv, tok, nil
			case tok == nil && adv == 0 && !atEOF:
				return i, nil, nil // need more data
			}
		case c == 0x68 && i+3 < len(data) && data[i+1] == data[i+2] && data[i+3] == 0x68:
			_, n, err := dlms.ParseMBusSegment(data[i:])
			switch {
			case err == nil:
				return i + n, data[i : i+n], nil
			case errors.Is(err, codec.ErrTruncated) && !atEOF:
				return i, nil, nil
			}
		case (c == dlms.GeneralGloCiphering || c == dlms.GeneralDedCiphering) && i+1 < len(data) && data[i+1] == 8:
			if len(data)-i < 11 {
				if atEOF {
					return len(data), nil, nil
				}
				return i, nil, nil
			}
			n, ln, err := dlms.ReadBERLength(data[i+10:])
			if err != nil {
				if errors.Is(err, codec.ErrTruncated) && !atEOF {
					return i, nil, nil
				}
				continue // not a frame: resync
			}
			total := 10 + ln + n
			if total > maxFrame || n < 5 {
				continue
			}
			if len(data)-i < total {
				if atEOF {
					return len(data), nil, nil
				}
				return i, nil, nil
			}
			return i + total, data[i : i+total], nil
		}
	}
	return len(data), nil, nil // all garbage
}

// Decoder decodes P1 units. Not safe for concurrent use.
type Decoder struct {
	Key []byte // EK, for encrypted meters
	AK  []byte // authentication key, if published (smarty's is known and tried)
	// Policy says what to do with GCM tags (dlms.TagAuto by default).
	Policy dlms.TagPolicy
	// Profile forces a DSMR profile by name; "" detects it.
	Profile string
	// Layout forces a DLMS push layout by name; "" detects it.
	Layout string
	// Counters tracks frame counters; nil means a private tracker.
	Counters *dlms.Counters

	own    dlms.Counters
	dec    dlms.Decrypter
	parser dsmr.Parser
	push   pushState
	res    Result
}

// Security describes the ciphering of a unit and the outcome.
type Security struct {
	Mode        string // "none", "aes-128-gcm", "aes-128-ctr", "gmac"
	Status      string // plain, decrypted, no-key, wrong-key, auth-failed, replay
	Auth        dlms.Auth
	SystemTitle [8]byte
	FC          uint32
	SC          byte
}

// Result is a decoded P1 unit.
type Result struct {
	// Raw is the unit as given to Decode.
	Raw []byte
	// Transport is how the unit came: TransportText, TransportRaw,
	// TransportHDLC or TransportMBus.
	Transport string
	// Pending is set for a segment or block of a longer DLMS message: the
	// message is decoded when its last part arrives.
	Pending bool
	// HDLC is the frame of an HDLC unit.
	HDLC *dlms.HDLCFrame
	// Message is a decoded DLMS push message (data-notification), with
	// the steps that unwrapped it.
	Message *dlms.Message
	// Objects are the push message's values, mapped by Layout.
	Objects   []dlms.Object
	Layout    *dlms.Layout
	Encrypted bool
	Envelope  dlms.Envelope // for encrypted units
	Security  Security
	// Plain is the telegram text (decrypted for encrypted units).
	Plain []byte
	// Telegram is the parsed telegram; nil if it could not be parsed. It is
	// reused by the Decoder's next call.
	Telegram *dsmr.Telegram
}

func (d *Decoder) counters() *dlms.Counters {
	if d.Counters != nil {
		return d.Counters
	}
	return &d.own
}

func p1Err(err error, off int, detail string) error {
	return &codec.Error{Layer: "p1", Offset: off, Err: err, Detail: detail}
}

// Decode decodes one unit as found by Split (or a whole telegram / frame).
// On error the Result holds what was decoded (nil only for empty input).
func (d *Decoder) Decode(unit []byte) (*Result, error) {
	r := &d.res
	*r = Result{Raw: unit, Transport: transportOf(unit)}
	if len(unit) == 0 {
		return nil, p1Err(codec.ErrTruncated, 0, "empty input")
	}
	switch {
	case r.Transport == TransportText:
		r.Security = Security{Mode: "none", Status: "plain"}
		r.Plain = unit
		return r, d.parse(r, false)
	case r.Transport != TransportRaw || unit[0] != dlms.GeneralGloCiphering && unit[0] != dlms.GeneralDedCiphering:
		return d.decodePush(r, unit)
	}

	r.Encrypted = true
	env, err := dlms.ParseCiphered(unit)
	if err != nil {
		return r, err
	}
	r.Envelope = env
	r.Security = Security{SystemTitle: env.SystemTitle, FC: env.FC, SC: env.SC}
	if env.Len != len(unit) {
		return r, withMeter(p1Err(codec.ErrMalformed, env.LenOffset, "the length field says the frame has "+strconv.Itoa(env.Len)+
			" bytes, but "+strconv.Itoa(len(unit))+" were given: damaged length or a partial frame"), env.SystemTitle)
	}
	switch {
	case env.SC&dlms.SCEncrypted != 0 && env.SC&dlms.SCAuthenticated != 0:
		r.Security.Mode = "aes-128-gcm"
	case env.SC&dlms.SCEncrypted != 0:
		r.Security.Mode = "aes-128-ctr"
	default:
		r.Security.Mode = "gmac"
	}
	if len(d.Key) == 0 {
		r.Security.Status = "no-key"
		return r, withMeter(p1Err(codec.ErrNoKey, env.BodyOffset, "the frame is encrypted; give the meter's encryption key (--key); smarty customers get it from their grid operator"), env.SystemTitle)
	}
	if len(d.AK) > 0 && env.SC&dlms.SCAuthenticated == 0 {
		r.Security.Status = "auth-failed"
		return r, withMeter(p1Err(codec.ErrAuth, env.BodyOffset, "an AK is configured but this frame carries no authentication tag (SC 0x"+strconv.FormatUint(uint64(env.SC), 16)+"): refused"), env.SystemTitle)
	}
	d.dec.Key, d.dec.AK, d.dec.Policy = d.Key, d.AK, d.Policy
	plain, auth, err := d.dec.Open(&env)
	r.Security.Auth = auth
	if err != nil {
		switch {
		case errors.Is(err, codec.ErrAuth):
			r.Security.Status = "auth-failed"
		case errors.Is(err, codec.ErrWrongKey):
			r.Security.Status = "wrong-key"
		}
		return r, withMeter(err, env.SystemTitle)
	}
	r.Plain = plain
	authentic := auth == dlms.AuthVerified || auth == dlms.AuthVerifiedEmpty
	if len(plain) > 0 && plain[0] != '/' {
		// Not a DSMR telegram: a DLMS data-notification (Austrian and
		// Nordic meters put it in the same envelope).
		return d.notification(r, plain)
	}
	if err := d.parse(r, authentic); err != nil {
		if !authentic {
			r.Telegram = nil
			r.Plain = nil
			if env.Tag != nil {
				r.Security.Status = "auth-failed"
				return r, withMeter(p1Err(codec.ErrAuth, env.Len-len(env.Tag), "the GCM tag does not verify with the AKs tried (given, smarty's, none) and decrypting without it gives no valid telegram: wrong encryption key, or the frame was altered; no plaintext is given"), env.SystemTitle)
			}
			r.Security.Status = "wrong-key"
			return r, withMeter(p1Err(codec.ErrWrongKey, env.BodyOffset,
				"the decrypted data is not a valid P1 telegram (the frame has no tag to check): the key is wrong ("+err.Error()+")"), env.SystemTitle)
		}
		r.Security.Status = "decrypted"
		return r, err
	}
	if !authentic {
		// Without a verified tag the plaintext must be exactly one telegram:
		// bytes after its CRC line mean the frame was cut or re-labelled
		// (e.g. SC 0x30 flipped to 0x20 turns the tag into "ciphertext").
		if len(bytes.TrimRight(r.Telegram.Trailer(), "\r\n\x00")) != 0 {
			r.Security.Status = "auth-failed"
			r.Telegram, r.Plain = nil, nil
			return r, withMeter(p1Err(codec.ErrAuth, env.BodyOffset, "unauthenticated frame with bytes after the telegram: altered frame (security control or length changed); no plaintext is given"), env.SystemTitle)
		}
		// smarty's AK is published and the same for every meter, and smarty
		// always sends a tag: a smarty telegram without a verified tag was
		// altered.
		if h := r.Telegram.Header; len(h) >= 3 && h[:3] == "Lux" {
			r.Security.Status = "auth-failed"
			r.Telegram, r.Plain = nil, nil
			return r, withMeter(p1Err(codec.ErrAuth, env.BodyOffset, "a smarty frame whose GCM tag does not verify with smarty's authentication key: the frame was altered; no plaintext is given"), env.SystemTitle)
		}
	}
	if err := d.counters().Check(env.SystemTitle, env.FC); err != nil {
		r.Security.Status = "replay"
		return r, err
	}
	r.Security.Status = "decrypted"
	return r, nil
}

func withMeter(err error, st [8]byte) error {
	if ce, ok := err.(*codec.Error); ok && ce.Meter == "" {
		ce.Meter = "system title " + systemTitleString(st)
	}
	return err
}

// systemTitleString shows a system title as hex, with its manufacturer
// letters when printable: "5341476770015BEB (SAG)".
func systemTitleString(st [8]byte) string {
	const h = "0123456789ABCDEF"
	b := make([]byte, 0, 24)
	for _, c := range st {
		b = append(b, h[c>>4], h[c&15])
	}
	if st[0] >= 'A' && st[0] <= 'Z' && st[1] >= 'A' && st[1] <= 'Z' && st[2] >= 'A' && st[2] <= 'Z' {
		b = append(b, " ("...)
		b = append(b, st[:3]...)
		b = append(b, ')')
	}
	return string(b)
}

// parse parses r.Plain. A CRC mismatch is an error unless the unit was
// authenticated by a verified tag (then it is only reported).
func (d *Decoder) parse(r *Result, authentic bool) error {
	if len(r.Plain) == 0 || r.Plain[0] != '/' {
		if len(r.Plain) > 0 && r.Plain[0] == 0x0F {
			return p1Err(codec.ErrUnsupported, 0, "the plaintext is a DLMS data-notification APDU, not a DSMR telegram (DLMS push decoding is not here yet)")
		}
		return p1Err(codec.ErrMalformed, 0, "a DSMR telegram starts with '/'")
	}
	d.parser.Profile = nil
	if d.Profile != "" {
		p, ok := dsmr.ProfileByName(d.Profile)
		if !ok {
			return p1Err(codec.ErrUnsupported, 0, "unknown profile "+strconv.Quote(d.Profile))
		}
		d.parser.Profile = p
	}
	t, err := d.parser.Parse(r.Plain)
	r.Telegram = t
	if err != nil {
		return err
	}
	if t.CRC.Present && !t.CRC.OK && !authentic {
		return p1Err(codec.ErrCRC, len(r.Plain), "telegram CRC "+hex4(t.CRC.Value)+" does not match the computed "+hex4(t.CRC.Computed)+": transmission error, the telegram is not trusted")
	}
	return nil
}

func hex4(v uint16) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[v>>12], h[v>>8&15], h[v>>4&15], h[v&15]})
}
