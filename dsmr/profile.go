package dsmr

import (
	"strings"
	"time"

	"github.com/meterwire/meterwire/obis"
)

// Profile is a family of meters that print P1 telegrams the same way: the
// country, whose time zone the timestamps are in, and what the meters
// send.
type Profile struct {
	// Name identifies the profile for ProfileByName, e.g. "nl-dsmr5".
	Name string
	// Country is the ISO 3166-1 alpha-2 code of the country whose meters
	// use the profile; "DE" for EasyMeter.
	Country string
	// Description says which meters and which specification.
	Description string
	// Location is the time zone the meters' timestamps are in.
	Location *time.Location
	// CRC reports whether telegrams of this family carry a CRC after '!'
	// (DSMR 4 and later do; DSMR 2.2/3 and EasyMeter Q3D do not).
	CRC bool
}

func zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil { // cannot happen with time/tzdata embedded
		return time.FixedZone(name, 3600)
	}
	return loc
}

// The profiles. Their Location fields are shared, read-only values.
var (
	ProfileNLDSMR22 = &Profile{Name: "nl-dsmr2.2", Country: "NL", Description: "Netherlands, DSMR 2.2 (no CRC; gas on a continuation line)", Location: zone("Europe/Amsterdam")}
	ProfileNLDSMR3  = &Profile{Name: "nl-dsmr3", Country: "NL", Description: "Netherlands, DSMR 3.0 (no CRC; hex-encoded identifiers)", Location: zone("Europe/Amsterdam")}
	ProfileNLDSMR4  = &Profile{Name: "nl-dsmr4", Country: "NL", Description: "Netherlands, DSMR 4.x (P1 version 40/42)", Location: zone("Europe/Amsterdam"), CRC: true}
	ProfileNLDSMR5  = &Profile{Name: "nl-dsmr5", Country: "NL", Description: "Netherlands, DSMR 5.x (P1 version 50)", Location: zone("Europe/Amsterdam"), CRC: true}
	ProfileBE       = &Profile{Name: "be-fluvius", Country: "BE", Description: "Belgium, Fluvius e-MUCS (capacity tariff registers 1-0:1.4.0, 1-0:1.6.0, 0-0:98.1.0)", Location: zone("Europe/Brussels"), CRC: true}
	ProfileLU       = &Profile{Name: "lu-smarty", Country: "LU", Description: "Luxembourg, smarty (Luxmetering E-Meter P1 specification; /Lux5 headers)", Location: zone("Europe/Luxembourg"), CRC: true}
	ProfileAT       = &Profile{Name: "at-sagemcom-t210dr", Country: "AT", Description: "Austria, Sagemcom T210-D-R (energies in Wh, powers in W)", Location: zone("Europe/Vienna"), CRC: true}
	ProfileHU       = &Profile{Name: "hu-eon", Country: "HU", Description: "Hungary, E.ON P1 interface (four tariffs, reactive quadrants, power factor, frequency)", Location: zone("Europe/Budapest"), CRC: true}
	ProfileSE       = &Profile{Name: "se", Country: "SE", Description: "Sweden, Energiföretagen P1 recommendation (totals without tariffs)", Location: zone("Europe/Stockholm"), CRC: true}
	ProfileIE       = &Profile{Name: "ie-iskra", Country: "IE", Description: "Ireland, Iskra MIE5T (ESB Networks)", Location: zone("Europe/Dublin"), CRC: true}
	ProfileDE       = &Profile{Name: "de-easymeter-q3d", Country: "DE", Description: "EasyMeter Q3D (/ESY5Q3D headers; no CRC)", Location: zone("Europe/Berlin")}
)

// Profiles returns every profile, the Dutch ones first.
func Profiles() []*Profile {
	return []*Profile{ProfileNLDSMR22, ProfileNLDSMR3, ProfileNLDSMR4, ProfileNLDSMR5,
		ProfileBE, ProfileLU, ProfileAT, ProfileHU, ProfileSE, ProfileIE, ProfileDE}
}

var profileAliases = map[string]*Profile{
	// the names of ndokter/dsmr_parser's specifications and of Home
	// Assistant's DSMR integration, so users can keep what they know
	"2.2": ProfileNLDSMR22, "v2_2": ProfileNLDSMR22, "dsmr2.2": ProfileNLDSMR22, "dsmr22": ProfileNLDSMR22,
	"3": ProfileNLDSMR3, "v3": ProfileNLDSMR3, "dsmr3": ProfileNLDSMR3,
	"4": ProfileNLDSMR4, "v4": ProfileNLDSMR4, "dsmr4": ProfileNLDSMR4,
	"4+": ProfileNLDSMR5, "5": ProfileNLDSMR5, "v5": ProfileNLDSMR5, "dsmr5": ProfileNLDSMR5, "nl": ProfileNLDSMR5,
	"5b": ProfileBE, "be": ProfileBE, "fluvius": ProfileBE, "belgium_fluvius": ProfileBE, "e-mucs": ProfileBE,
	"5l": ProfileLU, "lu": ProfileLU, "smarty": ProfileLU, "luxembourg_smarty": ProfileLU,
	"at": ProfileAT, "sagemcom_t210_d_r": ProfileAT, "t210-d-r": ProfileAT, "austria_energienetze_steiermark": ProfileAT,
	"5eonhu": ProfileHU, "eon_hungary": ProfileHU, "hu": ProfileHU,
	"5s": ProfileSE, "sweden": ProfileSE,
	"iskra_ie": ProfileIE, "ie": ProfileIE,
	"q3d": ProfileDE, "easymeter": ProfileDE, "de": ProfileDE,
}

// ProfileByName returns the profile with the given name (see Profiles),
// ignoring case. It also accepts the specification names of the Python
// dsmr_parser and Home Assistant ("V5", "5B", "5L", "5S", "Q3D", "5EONHU",
// "ISKRA_IE", "SAGEMCOM_T210_D_R", ...) and country codes ("be", "lu").
func ProfileByName(name string) (*Profile, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range Profiles() {
		if p.Name == n {
			return p, true
		}
	}
	p, ok := profileAliases[n]
	return p, ok
}

var (
	codeVersion     = obis.New(1, 3, 0, 2, 8, 255)
	codeMaxDemand   = obis.New(1, 0, 1, 6, 0, 255)
	codeImportTotal = obis.New(1, 0, 1, 8, 0, 255)
)

// DetectProfile picks the profile of a telegram from its header and
// objects. It is a heuristic, in this order:
//
//  1. header: "/Lux" smarty (LU), "/FLU" Fluvius (BE), "/ESY" EasyMeter (DE);
//  2. Hungarian registers (tariffs 3 and 4, reactive quadrants
//     1-0:5.8.0-8.8.0, 1-0:15.8.0, power factor 1-0:13.7.0, frequency
//     1-0:14.7.0) with 0-0:42.0.0 or without a version line: HU;
//  3. 0-0:42.0.0 otherwise: smarty (LU);
//  4. capacity-tariff registers (1-0:1.4.0, 1-0:1.6.0, 0-0:98.1.0) or
//     0-0:96.1.4: Belgian e-MUCS (BE);
//  5. energy in Wh or power in W: Austrian Sagemcom T210-D-R (AT);
//  6. "MIE" in the header, or 1-0:0.0.0 with 0-0:96.1.0 and no version:
//     Iskra Ireland (IE);
//  7. version 1-3:0.2.8: 4x is DSMR 4, 5x DSMR 5 (NL);
//  8. totals 1-0:1.8.0 and 1-0:3.8.0 without tariffs and no version: SE;
//  9. otherwise DSMR 3 when 0-0:96.1.1 is hex-encoded text, else DSMR 2.2.
//
// Parse calls it after reading every line and decoding texts. Use
// ParseWithProfile when a meter is detected wrongly.
func DetectProfile(t *Telegram) *Profile {
	h := t.Header
	switch {
	case hasPrefixFold(h, "Lux"):
		return ProfileLU
	case hasPrefixFold(h, "FLU"):
		return ProfileBE
	case hasPrefixFold(h, "ESY"):
		return ProfileDE
	}
	var (
		version                          string
		hu, logical, be, wh, total, t1   bool
		reactive, meterID, serial, hexID bool
	)
	for i := range t.Objects {
		o := &t.Objects[i]
		c := o.Code
		if c[5] != 255 {
			continue
		}
		switch {
		case c[0] == 0 && c[1] == 0:
			switch {
			case c[2] == 42 && c[3] == 0 && c[4] == 0:
				logical = true
			case c[2] == 98 && c[3] == 1 && c[4] == 0:
				be = true
			case c[2] == 96 && c[3] == 1:
				switch c[4] {
				case 4:
					be = true
				case 0:
					serial = true
				case 1:
					hexID = len(o.Values) > 0 && o.Values[0].Text != "" // decoded by interpret
				}
			}
		case c[0] == 1 && c[1] == 3:
			if c == codeVersion && len(o.Values) > 0 {
				version = o.Values[0].Raw
			}
		case c[0] == 1: // any channel B (1-1:1.8.1 of the Sagemcom XT211)
			cc, d, e := c[2], c[3], c[4]
			switch d {
			case 8:
				switch {
				case (cc == 1 || cc == 2) && e >= 3, cc >= 5 && cc <= 8, cc == 15:
					hu = true
				case cc == 1 && e == 0:
					total = true
				case cc == 1 && e == 1:
					t1 = true
				case cc == 3 && e == 0:
					reactive = true
				}
				if cc <= 2 && len(o.Values) == 1 && o.Values[0].Unit == "Wh" {
					wh = true
				}
			case 7:
				switch {
				case cc == 13 || cc == 14:
					hu = true
				case cc <= 2 && len(o.Values) == 1 && o.Values[0].Unit == "W":
					wh = true
				}
			case 4, 6:
				if cc == 1 && e == 0 {
					be = true // 1-0:1.4.0, 1-0:1.6.0
				}
			case 0:
				if cc == 0 && e == 0 {
					meterID = true
				}
			}
		}
	}
	switch {
	case hu && (logical || version == ""):
		return ProfileHU
	case logical:
		return ProfileLU
	case be:
		return ProfileBE
	case wh:
		return ProfileAT
	case strings.Contains(h, "MIE") || meterID && serial && version == "":
		return ProfileIE
	case strings.HasPrefix(version, "4"):
		return ProfileNLDSMR4
	case strings.HasPrefix(version, "5"):
		return ProfileNLDSMR5
	case version == "" && total && reactive && !t1:
		return ProfileSE
	case hexID:
		return ProfileNLDSMR3
	}
	return ProfileNLDSMR22
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func pickProfile(p *Profile, t *Telegram) *Profile {
	if p != nil {
		return p
	}
	return DetectProfile(t)
}

// interpret finishes the values once every line is read: DSMR 2.2 reading
// profiles, hex-encoded texts, the profile, and timestamps in its zone.
func (t *Telegram) interpret(prof *Profile) {
	for i := range t.Objects {
		o := &t.Objects[i]
		c := o.Code
		if c[0] == 0 && c[2] == 24 && c[3] == 3 && c[4] == 0 && len(o.Values) > 0 {
			// 0-n:24.3.0(YYMMDDhhmmss)(00)(60)(1)(0-n:24.2.1)(m3) + (value)
			if v := &o.Values[0]; v.kind == kindPlain && len(v.Raw) == 12 && allDigits(v.Raw) {
				v.kind, v.IsNumber, v.Number = kindTSNoFlag, false, 0
			}
			if n := len(o.Values); n >= 7 {
				last, u := &o.Values[n-1], &o.Values[5]
				if last.IsNumber && last.Unit == "" && !u.IsNumber && u.Raw != "" {
					last.Unit = u.Raw
				}
			}
		}
		if isTextCode(c) {
			for j := range o.Values {
				v := &o.Values[j]
				if s, ok := hexText(v.Raw); ok {
					v.Text = s
				}
			}
		}
	}
	t.Profile = pickProfile(prof, t)
	loc := t.Profile.Location
	for i := range t.Objects {
		vs := t.Objects[i].Values
		for j := range vs {
			if v := &vs[j]; v.kind != kindPlain {
				setTime(v, loc)
			} else if v.Items != nil {
				for k := range v.Items {
					if it := &v.Items[k]; it.kind != kindPlain {
						setTime(it, loc)
					}
				}
			}
		}
	}
}

func setTime(v *Value, loc *time.Location) {
	v.Time, v.IsTime = ParseTimestamp(v.Raw, loc)
	if v.IsTime && len(v.Raw) == 13 {
		v.TimeFlag = v.Raw[12] &^ 0x20 // upper case
	}
}
