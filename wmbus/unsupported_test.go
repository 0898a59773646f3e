package wmbus

import (
	"errors"
	"strings"
	"testing"
)

// Valid frames using features meterwire does not decode must say so, naming
// the feature, and keep what was decoded before it.
func TestUnsupportedNamed(t *testing.T) {
	link := "2C446532821851582C06" // LSE 58511882 warm water (jMBus WMbusDemoMessageTest.testMessage1)
	cases := []struct {
		name, frame, want string
	}{
		{"ELL 0x86", link + "860000", "CI 0x86"},
		{"mode 2 DES", link + "7A0100" + "0002" + "00000000", "DES"},
		{"mode 10 CCM", link + "7A0100" + "100A" + "00000000", "CCM"},
		{"mode 13 TLS", link + "7A0100" + "000D" + "00000000", "TLS"},
		{"AFL more fragments", link + "900200400102", "fragment"},
		{"unknown CI", link + "55010203", "CI 0x55"},
		{"AFL GMAC with mode 7", link + "9013002C28" + "01000000" + "000000000000000000000000" + "7A01002007" + "10" + "00000000000000000000000000000000", "MAC type 8"},
	}
	for _, tc := range cases {
		frame := mustHex(t, tc.frame)
		frame[0] = byte(len(frame) - 1)
		var d Decoder
		d.Keys = StaticKey(make([]byte, 16))
		tel, err := d.Decode(frame)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (want ErrUnsupported naming %q)", tc.name, err, tc.want)
			continue
		}
		if tel == nil || tel.Link.ID != 0x58511882 {
			t.Errorf("%s: link layer not kept", tc.name)
		}
	}
}

// Compact, format and manufacturer-specific frames are recognised and their
// application bytes passed through (decoding them is the records issue).
func TestTPLContents(t *testing.T) {
	link := "2C446532821851582C06"
	for _, tc := range []struct {
		tail    string
		content Content
		header  HeaderKind
	}{
		{"79EDA83D430000807F", ContentCompact, HeaderNone},
		{"7B0100000000EDA83D43", ContentCompact, HeaderShort},
		{"A1DEADBEEF", ContentManufacturer, HeaderNone},
		{"8A01000000", ContentNone, HeaderShort},
		{"6A0C13", ContentFormat, HeaderNone},
	} {
		frame := mustHex(t, link+tc.tail)
		frame[0] = byte(len(frame) - 1)
		var d Decoder
		tel, err := d.Decode(frame)
		if err != nil || tel.TPL.Content != tc.content || tel.TPL.Header != tc.header || tel.APLOffset < 0 {
			t.Errorf("%s: %v content %v header %v", tc.tail, err, tel.TPL.Content, tel.TPL.Header)
		}
	}
}

// A frame whose TPL says mode 5 or 7 but whose data already starts with
// 2F2F was decrypted by a receiver (or stored decrypted): reported as
// already-plain, with or without a key, never decrypted twice.
func TestTPLAlreadyPlain(t *testing.T) {
	for _, tc := range []struct{ name, frame string }{
		// OMS N.2.1 plaintext, CFG 0x2520 (mode 5, 2 blocks) left in place.
		{"mode 5", "2E4493157856341233037A2A0020252F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F"},
		// OMS Annex N mode 7 plaintext with its AFL.
		{"mode 7", "434493157856341233038C2075900F002C25B30A000021924D4F2FB66E017A75002007102F2F0C1427048502046D32371F1502FD1700002F2F2F2F2F2F2F2F2F2F2F2F2F"},
	} {
		for _, key := range [][]byte{nil, mustHex(t, "000102030405060708090A0B0C0D0E0F")} {
			d := Decoder{}
			if key != nil {
				d.Keys = StaticKey(key)
			}
			tel, err := d.Decode(mustHex(t, tc.frame))
			if err != nil || tel.Security.Status != StatusAlreadyPlain || hx(tel.APL()[:4]) != "2f2f0c14" {
				t.Errorf("%s key=%v: %v status %v", tc.name, key != nil, err, tel.Security.Status)
			}
		}
	}
}
