package dsmr

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

// crcStatus is the CRC column of testdata/README.md (from the MANIFEST).
type crcStatus int

const (
	crcValid    crcStatus = iota // "CRC valid"
	crcMismatch                  // "CRC MISMATCH (computed XXXX)"
	crcNone                      // "CRC n/a (no CRC)"
)

// corpusCase holds the facts testdata/README.md (copied from
// ../shared/testdata/p1/MANIFEST.md) states for each file, plus what this
// package reads from it.
type corpusCase struct {
	file     string
	size     int
	header   string // after '/', as the MANIFEST's Python repr means it
	crc      crcStatus
	computed uint16 // for crcMismatch
	profile  string
	// noEnd: the file has no '!' line at all (the MANIFEST says "CRC n/a";
	// Parse reports codec.ErrTruncated and keeps every line).
	noEnd bool
}

var corpus = []corpusCase{
	{"Noschvie_shrdzm__t210dr_energienetze_steiermark_encrypted_key_953E7F17.decrypted.txt", 481, `EST5\253717584_A`, crcValid, 0, "at-sagemcom-t210dr", false},
	{"dsmr502_spec_example_section6.13.txt", 1071, `ISk5\2MT382-1000`, crcMismatch, 0xE47C, "nl-dsmr5", false},
	{"dsmr_parser__TELEGRAM_ESY5Q3DA1004_V304.txt", 306, `ESY5Q3DA1004 V3.04`, crcNone, 0, "de-easymeter-q3d", false},
	{"dsmr_parser__TELEGRAM_ESY5Q3DB1024_V304.txt", 346, `ESY5Q3DB1024 V3.04`, crcNone, 0, "de-easymeter-q3d", false},
	{"dsmr_parser__TELEGRAM_FLUVIUS_V171.txt", 1059, `FLU5\253769484_A`, crcValid, 0, "be-fluvius", false},
	{"dsmr_parser__TELEGRAM_ISKRA_IE.txt", 566, "ISk5\x02MIE5T-200", crcValid, 0, "ie-iskra", false},
	{"dsmr_parser__TELEGRAM_SAGEMCOM_T210_D_R.txt", 481, `EST5\253710000_A`, crcValid, 0, "at-sagemcom-t210dr", false},
	{"dsmr_parser__TELEGRAM_UNPADDED_CRC.txt", 212, `NWA-WARMTELINK`, crcValid, 0, "nl-dsmr5", false},
	{"dsmr_parser__TELEGRAM_V2_2.txt", 413, `ISk5\2MT382-1004`, crcNone, 0, "nl-dsmr2.2", false},
	{"dsmr_parser__TELEGRAM_V3.txt", 625, `ISk5\2MT382-1000`, crcNone, 0, "nl-dsmr3", false},
	{"dsmr_parser__TELEGRAM_V4_2.txt", 893, `KFM5KAIFA-METER`, crcValid, 0, "nl-dsmr4", false},
	{"dsmr_parser__TELEGRAM_V5.txt", 890, `ISk5\2MT382-1000`, crcValid, 0, "nl-dsmr5", false},
	{"dsmr_parser__TELEGRAM_V5_TWO_MBUS.txt", 952, `ISK5\2M550T-1012`, crcValid, 0, "nl-dsmr5", false},
	{"luxmetering_smarty_spec_v1.1.3_appendixA_reconstructed.txt", 1487, `Lux5\253694471_M`, crcValid, 0, "lu-smarty", false},
	{"node-dsmr-parser__dsmr-2.2-kfm-1.txt", 450, `KMP5 ZABF001587315111`, crcNone, 0, "nl-dsmr2.2", false},
	{"node-dsmr-parser__dsmr-3.0-spec-example.txt", 625, `ISk5\2MT382-1000`, crcNone, 0, "nl-dsmr3", false},
	{"node-dsmr-parser__dsmr-4.0-isk-1.txt", 894, `ISk5\2MT382-1 000`, crcMismatch, 0x8FC7, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-4.0-isk-2.txt", 466, `XMX5LGBBFFB231216240`, crcValid, 0, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-4.0-spec-example.txt", 895, `ISk5\2MT382-1000`, crcMismatch, 0xF46A, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-4.2-kfm-1.txt", 833, `KFM5KAIFA-METER`, crcValid, 0, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-4.2-xmx-1.txt", 678, `XMX5LGBBFG10`, crcMismatch, 0x63A1, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-4.2.2-spec-example.txt", 1073, `ISk5\2MT382-1000`, crcMismatch, 0xDD0F, "nl-dsmr4", false},
	{"node-dsmr-parser__dsmr-5.0-ene-1.txt", 988, `Ene5\T210-D ESMR5.0`, crcMismatch, 0x2E0A, "nl-dsmr5", false},
	{"node-dsmr-parser__dsmr-5.0-ene-2.txt", 839, `Ene5\T210-D ESMR5.0`, crcMismatch, 0x60EB, "nl-dsmr5", false},
	{"node-dsmr-parser__dsmr-5.0-est-units.txt", 481, `EST5\123456789_A`, crcMismatch, 0x17FF, "at-sagemcom-t210dr", false},
	{"node-dsmr-parser__dsmr-5.0-isk-1.txt", 882, `ISK5\2M550T-1011`, crcValid, 0, "nl-dsmr5", false},
	{"node-dsmr-parser__dsmr-5.0-spec-example-lowercase.txt", 1071, `ISk5\2MT382-1000`, crcMismatch, 0x5AD9, "nl-dsmr5", false},
	{"node-dsmr-parser__dsmr-5.0-spec-example.txt", 1071, `ISk5\2MT382-1000`, crcMismatch, 0xE47C, "nl-dsmr5", false},
	{"node-dsmr-parser__dsmr-luxembourgh-spec-example.txt", 1485, `Lux5\253694471_M`, crcMismatch, 0x6DA1, "lu-smarty", false},
	{"node-dsmr-parser__emucs-p1-v2.1.1-spec-example-1.txt", 1291, `FLU5\253769484_A`, crcMismatch, 0x74E0, "be-fluvius", false},
	{"node-dsmr-parser__emucs-p1-v2.1.1-spec-example-2.txt", 1095, `FLU5\253770234_A`, crcMismatch, 0xA396, "be-fluvius", false},
	{"node-dsmr-parser__iskra-mt-382-no-crc-with-text-message.txt", 461, `ISk5\2MT382-1003`, crcNone, 0, "nl-dsmr2.2", true},
	{"node-dsmr-parser__iskra-mt-382-no-crc.txt", 450, `ISk5\2MT382-1003`, crcNone, 0, "nl-dsmr2.2", true},
	{"node-dsmr-parser__lux-spec-example-encrypted-with-aad.decrypted.txt", 1485, `Lux5\253694471_M`, crcMismatch, 0x6DA1, "lu-smarty", false},
	{"node-dsmr-parser__lux-spec-example-encrypted-without-aad.decrypted.txt", 1485, `Lux5\253694471_M`, crcMismatch, 0x6DA1, "lu-smarty", false},
	{"node-dsmr-parser__sagemcom-xt211.txt", 997, `GRE5\\12341234_A`, crcMismatch, 0x47E6, "be-fluvius", false},
	{"node-dsmr-parser__unknown-xmx-1.txt", 255, `XMX5XMXABCE000012345`, crcNone, 0, "nl-dsmr2.2", false},
	{"openhab__smarty_telegram_CFDE.txt", 617, `Lux5\253663629_D`, crcValid, 0, "lu-smarty", false},
	{"openhab__smarty_with_units.txt", 551, `Lux5\253663629_D`, crcValid, 0, "lu-smarty", false},
	{"smarty_tutorial_plain.txt", 617, `Lux5\253663629_D`, crcValid, 0, "lu-smarty", false},
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseCorpus(t testing.TB, name string) *Telegram {
	t.Helper()
	tel, err := Parse(readCorpus(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tel
}

// TestCorpusCoversTestdata keeps the table and testdata/ in step.
func TestCorpusCoversTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) != len(corpus) {
		t.Fatalf("%d .txt files in testdata, %d in the table", len(files), len(corpus))
	}
	readme, err := os.ReadFile("testdata/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpus {
		if _, err := os.Stat(filepath.Join("testdata", c.file)); err != nil {
			t.Errorf("%s: %v", c.file, err)
		}
		if !bytes.Contains(readme, []byte("| "+c.file+" |")) {
			t.Errorf("%s has no provenance row in testdata/README.md", c.file)
		}
	}
}

// dataLines returns the number of non-blank lines between the header and
// the '!' line (or the end of b).
func dataLines(b []byte) int {
	lines := strings.Split(string(b), "\n")
	n := 0
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "!") {
			break
		}
		if l != "" {
			n++
		}
	}
	return n
}

func TestCorpus(t *testing.T) {
	for _, c := range corpus {
		t.Run(c.file, func(t *testing.T) {
			b := readCorpus(t, c.file)
			if len(b) != c.size {
				t.Errorf("size %d, MANIFEST says %d", len(b), c.size)
			}
			tel, err := Parse(b)
			if c.noEnd {
				if !errors.Is(err, codec.ErrTruncated) || tel == nil {
					t.Fatalf("want ErrTruncated with the telegram, got %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tel.Header != c.header {
				t.Errorf("header %q, MANIFEST says %q", tel.Header, c.header)
			}
			got := crcValid
			switch {
			case !tel.CRC.Present:
				got = crcNone
			case !tel.CRC.OK:
				got = crcMismatch
			}
			if got != c.crc {
				t.Errorf("CRC status %d, MANIFEST says %d (printed %04X computed %04X)", got, c.crc, tel.CRC.Value, tel.CRC.Computed)
			}
			if c.crc == crcMismatch && tel.CRC.Computed != c.computed {
				t.Errorf("computed CRC %04X, MANIFEST says %04X", tel.CRC.Computed, c.computed)
			}
			if c.crc == crcValid && tel.CRC.Computed != tel.CRC.Value {
				t.Errorf("valid CRC: printed %04X computed %04X", tel.CRC.Value, tel.CRC.Computed)
			}
			if c.noEnd != (tel.CRC.Offset < 0) {
				t.Errorf("'!' line offset %d", tel.CRC.Offset)
			}
			if tel.Profile == nil || tel.Profile.Name != c.profile {
				t.Errorf("profile %v, want %s", tel.Profile, c.profile)
			}
			if len(tel.Unparsed) != 0 {
				t.Errorf("unparsed lines: %+v", tel.Unparsed)
			}
			// every line between header and '!' is one object, or the
			// continuation of one
			spanned := 0
			for _, o := range tel.Objects {
				spanned += bytes.Count(b[o.Offset:o.Offset+o.Len], []byte{'\n'}) + 1
			}
			if want := dataLines(b); spanned != want {
				t.Errorf("objects cover %d lines, the telegram has %d data lines", spanned, want)
			}
			checkInvariants(t, tel)
			if len(tel.Layers()) != 1 {
				t.Error("Layers")
			}
			_ = tel.Fields()
		})
	}
}

// checkInvariants checks what every Telegram Parse returns must satisfy,
// whatever the input: byte ranges inside Raw, values inside their object,
// strings equal to the bytes they come from.
func checkInvariants(t testing.TB, tel *Telegram) {
	t.Helper()
	raw := tel.Raw
	in := func(off, n int) bool { return off >= 0 && n >= 0 && off+n <= len(raw) }
	if !in(tel.Start, 0) || raw[tel.Start] != '/' {
		t.Fatalf("Start %d", tel.Start)
	}
	if tel.End < tel.Start || tel.End > len(raw) {
		t.Fatalf("End %d", tel.End)
	}
	if c := tel.CRC; c.Offset >= 0 {
		if !in(c.Offset, c.Len) || raw[c.Offset] != '!' {
			t.Fatalf("CRC line at %d+%d", c.Offset, c.Len)
		}
		if c.OK != (c.Present && c.Value == c.Computed) || c.Digits > 4 || c.Present != (c.Digits > 0) {
			t.Fatalf("CRC %+v", c)
		}
	}
	prevEnd := tel.Start
	for i, o := range tel.Objects {
		if !in(o.Offset, o.Len) || o.Len == 0 {
			t.Fatalf("object %d %q: range %d+%d outside Raw (%d bytes)", i, o.OBIS, o.Offset, o.Len, len(raw))
		}
		if o.Offset < prevEnd {
			t.Fatalf("object %d overlaps the previous one", i)
		}
		prevEnd = o.Offset + o.Len
		if string(raw[o.Offset:o.Offset+len(o.OBIS)]) != o.OBIS {
			t.Fatalf("object %d: OBIS %q is not at its offset", i, o.OBIS)
		}
		for j, v := range o.Values {
			if v.Offset < o.Offset || v.Offset+len(v.Raw) > o.Offset+o.Len {
				t.Fatalf("object %d value %d outside the object", i, j)
			}
			if string(raw[v.Offset:v.Offset+len(v.Raw)]) != v.Raw {
				t.Fatalf("object %d value %d: Raw %q is not at its offset", i, j, v.Raw)
			}
			if raw[v.Offset-1] != '(' || raw[v.Offset+len(v.Raw)] != ')' {
				t.Fatalf("object %d value %d: not enclosed in parentheses", i, j)
			}
		}
		_ = o.Main()
		_, _ = o.Number()
		_, _ = o.Timestamp()
	}
	for _, u := range tel.Unparsed {
		if !in(u.Offset, u.Len) || u.Reason == "" {
			t.Fatalf("unparsed %+v", u)
		}
	}
	if tel.Profile == nil || tel.Profile.Location == nil {
		t.Fatal("no profile")
	}
}
