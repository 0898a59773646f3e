package p1

import (
	"errors"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
)

// Transports a P1 unit can arrive in.
const (
	TransportText = "text" // DSMR telegram
	TransportRaw  = "raw"  // a DLMS APDU as is (smarty frames, hex given by hand)
	TransportHDLC = "hdlc" // HDLC frames (Kamstrup, Aidon, Kaifa, Landis+Gyr, Iskra)
	TransportMBus = "mbus" // DLMS segments in wired M-Bus long frames (Austrian Kaifa, Sagemcom)
)

// pushState is what a DLMS push stream keeps between units: frames of a
// message split over several HDLC or M-Bus frames, and block transfers.
type pushState struct {
	hdlc   dlms.HDLCAssembler
	mbus   dlms.MBusAssembler
	unwrap dlms.Unwrapper
}

// transportOf tells what kind of unit b is.
func transportOf(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '/':
		return TransportText
	case b[0] == dlms.HDLCFlag:
		return TransportHDLC
	case b[0] == 0x68:
		return TransportMBus
	}
	return TransportRaw
}

// decodePush decodes a DLMS unit: an HDLC frame, an M-Bus segment, or a
// raw APDU that is not a DSMR envelope (a plain data-notification, a
// block transfer). Segments of a longer message return a Result with
// Pending set and no error.
func (d *Decoder) decodePush(r *Result, unit []byte) (*Result, error) {
	var apdu []byte
	done, err := true, error(nil)
	switch r.Transport {
	case TransportHDLC:
		f, _, perr := dlms.ParseHDLC(unit)
		if perr != nil && !errors.Is(perr, codec.ErrCRC) {
			return r, perr
		}
		r.HDLC = &f
		apdu, done, err = d.push.hdlc.Add(&f) // refuses an untrusted frame
	case TransportMBus:
		s, _, perr := dlms.ParseMBusSegment(unit)
		if perr != nil {
			return r, perr
		}
		apdu, done, err = d.push.mbus.Add(&s)
	default:
		apdu = unit
	}
	if err != nil {
		return r, err
	}
	if !done {
		r.Pending = true
		return r, nil
	}
	if len(apdu) > 0 && (apdu[0] == dlms.GeneralGloCiphering || apdu[0] == dlms.GeneralDedCiphering) && len(d.Key) > 0 && len(d.AK) > 0 {
		// Downgrade protection as for P1 frames: with an AK configured a
		// frame must carry a tag.
		if env, err := dlms.ParseCiphered(apdu); err == nil && env.SC&dlms.SCAuthenticated == 0 {
			r.Security = Security{Mode: "aes-128-ctr", Status: "auth-failed", SystemTitle: env.SystemTitle, FC: env.FC, SC: env.SC}
			return r, withMeter(p1Err(codec.ErrAuth, 0, "an AK is configured but this frame carries no authentication tag: refused"), env.SystemTitle)
		}
	}
	u := &d.push.unwrap
	u.Counters = d.counters()
	u.Decrypter = nil
	if len(d.Key) > 0 {
		d.dec.Key, d.dec.AK, d.dec.Policy = d.Key, d.AK, d.Policy
		u.Decrypter = &d.dec
	}
	m, err := u.Feed(apdu)
	if m == nil && err == nil {
		r.Pending = true // a block of a general-block-transfer
		return r, nil
	}
	r.Security = Security{Mode: "none", Status: "plain"}
	if m != nil && m.Ciphered {
		env := m.Envelope
		r.Encrypted = true
		r.Envelope = env
		r.Security = Security{Mode: "aes-128-ctr", Status: "decrypted", Auth: m.Auth, SystemTitle: env.SystemTitle, FC: env.FC, SC: env.SC}
		if env.SC&dlms.SCAuthenticated != 0 {
			r.Security.Mode = "aes-128-gcm"
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, codec.ErrNoKey):
			r.Security.Status = "no-key"
		case errors.Is(err, codec.ErrAuth):
			r.Security.Status = "auth-failed"
		case errors.Is(err, codec.ErrReplay):
			r.Security.Status = "replay"
		}
		if env, perr := dlms.ParseCiphered(apdu); perr == nil {
			r.Encrypted = true
			r.Security.SystemTitle, r.Security.FC, r.Security.SC = env.SystemTitle, env.FC, env.SC
			if r.Security.Mode == "none" {
				r.Security.Mode = "aes-128-gcm"
				if env.SC&dlms.SCAuthenticated == 0 {
					r.Security.Mode = "aes-128-ctr"
				}
			}
			err = withMeter(err, env.SystemTitle)
		}
		r.Message = m
		return r, err
	}
	r.Message = m
	r.Plain = m.Plain
	return r, d.applyLayout(r)
}

// notification decodes a decrypted envelope's plaintext as a DLMS
// data-notification. Without a verified tag, a body that does not decode
// completely means a wrong key.
func (d *Decoder) notification(r *Result, plain []byte) (*Result, error) {
	n, err := d.push.unwrap.Data.DataNotification(plain)
	authentic := r.Security.Auth == dlms.AuthVerified || r.Security.Auth == dlms.AuthVerifiedEmpty
	if err != nil {
		r.Plain = nil
		if !authentic {
			r.Security.Status = "wrong-key"
			if r.Envelope.Tag != nil {
				r.Security.Status = "auth-failed"
				return r, withMeter(p1Err(codec.ErrAuth, r.Envelope.BodyOffset, "the GCM tag does not verify with the AKs tried and decrypting without it gives no valid DLMS message: wrong encryption key, or the frame was altered"), r.Envelope.SystemTitle)
			}
			return r, withMeter(p1Err(codec.ErrWrongKey, r.Envelope.BodyOffset, "the decrypted data is neither a P1 telegram nor a DLMS data-notification: the key is wrong ("+err.Error()+")"), r.Envelope.SystemTitle)
		}
		return r, err
	}
	if err := d.counters().Check(r.Envelope.SystemTitle, r.Envelope.FC); err != nil {
		r.Security.Status = "replay"
		return r, err
	}
	r.Security.Status = "decrypted"
	r.Message = &dlms.Message{Ciphered: true, Envelope: r.Envelope, Auth: r.Security.Auth, Plain: plain, Notification: n}
	return r, d.applyLayout(r)
}

// applyLayout maps a decoded push message to objects.
func (d *Decoder) applyLayout(r *Result) error {
	var l *dlms.Layout
	if d.Layout != "" {
		var ok bool
		if l, ok = dlms.LayoutByName(d.Layout); !ok {
			return p1Err(codec.ErrUnsupported, 0, "unknown DLMS layout "+d.Layout)
		}
	}
	objs, l, err := dlms.Objects(&r.Message.Notification, l)
	r.Objects, r.Layout = objs, l
	return err
}
