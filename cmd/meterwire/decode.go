package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/dsmr"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
	"github.com/spf13/cobra"
)

type decodeOpts struct {
	examples   bool
	in         string
	ak         string
	tag        string
	profile    string
	layout     string
	keys       []string
	format     string
	explain    bool
	jsonOut    bool
	ellAddress string
	ignoreMAC  bool
	driver     string
}

func newDecodeCmd() *cobra.Command {
	var o decodeOpts
	cmd := &cobra.Command{
		Use:   "decode [HEX]",
		Short: "Decode (and decrypt) a telegram; hex as argument or one per line on stdin",
		Long: `Decode wireless M-Bus frames (formats A and B with CRCs, or without CRCs)
and wired M-Bus frames (E5, short, control and long frames: responses,
application errors, the fixed data structure, master commands), decrypting
ELL AES-CTR and TPL security modes 5 and 7 with the key(s) given, and the
EN 13757-3 records inside: each with quantity, value, unit, storage,
tariff, subunit and function, plus flat named fields (total_m3,
flow_temperature_c, ...). Compact frames decode once a full frame of the
same meter was seen earlier in the same run.

Prints one JSON object per telegram; with --explain a tree of every layer,
field and record with its byte offsets instead.

Several telegrams may be given on stdin, one per line (blank lines and lines
starting with # are skipped). The exit status is 1 if any telegram failed
to decode (no key, wrong key, CRC error, truncated, ...), with the reason on
stderr; what could be decoded is still printed.`,
		Example: `  # OMS Annex N mode 7 example (ELL, AFL with MAC, TPL mode 7)
  meterwire decode --key 000102030405060708090A0B0C0D0E0F \
    434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1

  # explain every byte of a Kamstrup ELL AES-CTR frame
  meterwire decode --explain --key 4E5508544202058100DFEFA06B0934A5 24442D2C692845631B168D3050209CD621B006B1140AEF4953AE5B86FAFC0B00E70705B846

  # keys for several meters, telegrams from a file
  meterwire decode --key 76348799=28F64A24988064A079AA2C807D6102AE --key 12345678=0102030405060708090A0B0C0D0E0F11 < telegrams.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDecode(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, &o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.examples, "examples", false, "decode the bundled example telegrams (OMS, Kamstrup, Telit) with their published keys")
	f.StringArrayVar(&o.keys, "key", nil, "AES-128 key as 32 hex digits, for every meter; or ID=HEX for one meter (repeatable)")
	f.StringVar(&o.in, "in", "", "read telegrams from FILE: raw P1 data (text telegrams and/or encrypted frames) or hex lines")
	f.StringVar(&o.ak, "ak", "", "P1/DLMS authentication key (AK), 32 hex digits; smarty's published AK is tried without it")
	f.StringVar(&o.tag, "tag", "auto", "P1/DLMS GCM tag: auto (verify when an AK is known, else decrypt and check the telegram CRC), verify, or decrypt-only")
	f.StringVar(&o.layout, "layout", "", "DLMS push layout instead of detecting it from the message shape")
	f.StringVar(&o.profile, "profile", "", "P1 profile instead of detecting it from the header (e.g. nl-dsmr5, be-fluvius, lu-smarty)")
	f.StringVar(&o.format, "format", "auto", "link-layer frame shape: auto, a, b or none (no CRCs)")
	f.BoolVar(&o.explain, "explain", false, "print every layer and field with byte offsets and meaning")
	f.BoolVar(&o.jsonOut, "json", false, "with --explain: print JSON including the layers instead of text")
	f.StringVar(&o.ellAddress, "ell-address", "link", "address in the ELL CI 0x8F counter block: link, m2a2 or auto (try both)")
	f.BoolVar(&o.ignoreMAC, "ignore-mac", false, "decrypt mode 7 frames even if the AFL MAC does not verify (reported as failed)")
	f.StringVar(&o.driver, "driver", "auto", "meter driver for the named fields: auto (detected from the meter's manufacturer, version and type), none, or a driver name as wmbusmeters has it (meterwire drivers lists them)")
	return cmd
}

// keyTable builds the decoder's key lookup from --key flags.
func keyTable(flags []string) (wmbus.KeyFunc, error) {
	var all []byte
	byID := map[string][]byte{}
	for _, s := range flags {
		if id, k, ok := strings.Cut(s, "="); ok {
			key, err := parseKey(k)
			if err != nil {
				return nil, fmt.Errorf("--key %s=...: %v", id, err)
			}
			byID[strings.ToUpper(strings.TrimSpace(id))] = key
			continue
		}
		key, err := parseKey(s)
		if err != nil {
			return nil, fmt.Errorf("--key: %v", err)
		}
		all = key
	}
	if all == nil && len(byID) == 0 {
		return nil, nil
	}
	return func(a wmbus.Address) []byte {
		if k, ok := byID[a.IDString()]; ok {
			return k
		}
		return all
	}, nil
}

func runDecode(stdin io.Reader, stdout, stderr io.Writer, args []string, o *decodeOpts) error {
	format, ok := wmbus.ParseFormat(o.format)
	if !ok {
		return fmt.Errorf("--format %q: use auto, a, b or none", o.format)
	}
	policy, ok := wmbus.ParseELLAddressPolicy(o.ellAddress)
	if !ok {
		return fmt.Errorf("--ell-address %q: use link, m2a2 or auto", o.ellAddress)
	}
	tagPolicy, ok := dlms.ParseTagPolicy(o.tag)
	if !ok {
		return fmt.Errorf("--tag %q: use auto, verify or decrypt-only", o.tag)
	}
	keys, err := keyTable(o.keys)
	if err != nil {
		return err
	}
	if err := driver.Check(o.driver); err != nil {
		return fmt.Errorf("--driver: %v", err)
	}
	pd := &p1.Decoder{Key: globalKey(o.keys), Policy: tagPolicy, Profile: o.profile, Layout: o.layout}
	if o.ak != "" {
		if pd.AK, err = parseKey(o.ak); err != nil {
			return fmt.Errorf("--ak: %v", err)
		}
	}
	if o.profile != "" {
		if _, ok := dsmr.ProfileByName(o.profile); !ok {
			return fmt.Errorf("--profile %q: unknown; known: %s", o.profile, profileNames())
		}
	}
	td := &telegram.Decoder{WMBus: wmbus.Decoder{Format: format, Keys: keys, ELLAddress: policy}}
	d := &td.WMBus
	if o.ignoreMAC {
		d.MAC = wmbus.MACIgnore
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	failed, n := 0, 0
	emit := func(report any, explain func(io.Writer) error, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "meterwire: telegram %d: %v\n", n, err)
		}
		if report == nil {
			return
		}
		if o.explain && !o.jsonOut {
			explain(out)
			if err != nil {
				fmt.Fprintf(out, "error: %v\n", err)
			}
			out.WriteByte('\n')
			return
		}
		b, _ := json.Marshal(report)
		out.Write(b)
		out.WriteByte('\n')
	}
	// decodeUnit decodes one telegram or frame given as bytes.
	decodeUnit := func(raw []byte) {
		n++
		if isP1(raw) {
			res, err := pd.Decode(raw)
			switch {
			case res == nil:
				emit(nil, nil, err)
			case res.Pending && err == nil:
				n-- // a segment of a longer DLMS message: reported with its last part
				if o.explain && !o.jsonOut {
					res.WriteExplanation(out)
				}
			default:
				emit(res.Report(o.explain, err), res.WriteExplanation, err)
			}
			return
		}
		res, err := td.Decode(raw)
		if res == nil {
			emit(nil, nil, err)
			return
		}
		emit(driver.WithReport(res, res.Report(o.explain, err), o.driver), res.WriteExplanation, err)
	}
	// decodeArg decodes a telegram given as text: a P1 telegram, or hex.
	var decodeStream func(data []byte) int
	decodeArg := func(s string) {
		if t := strings.TrimLeft(s, " \t\r\n"); strings.HasPrefix(t, "/") {
			decodeUnit([]byte(t))
			return
		}
		raw, err := parseHex(s)
		if err != nil {
			n++
			emit(nil, nil, err)
			return
		}
		if isP1Stream(raw) {
			// HDLC or M-Bus frames (possibly several in a row), or a frame.
			if decodeStream(raw) > 0 {
				return
			}
		}
		decodeUnit(raw)
	}
	// decodeStream decodes every P1 unit (text telegram or frame) in data.
	decodeStream = func(data []byte) int {
		units := 0
		for len(data) > 0 {
			adv, tok, _ := p1.Split(data, true)
			if tok != nil {
				units++
				decodeUnit(tok)
			}
			if adv <= 0 {
				break
			}
			data = data[adv:]
		}
		return units
	}
	switch {
	case o.examples:
		if len(args) > 0 || len(o.keys) > 0 || o.in != "" {
			return fmt.Errorf("--examples brings its own telegrams and keys")
		}
		for _, ex := range bundledExamples() {
			if o.explain && !o.jsonOut {
				fmt.Fprintf(out, "== %s\n", ex.name)
			}
			d.Keys, pd.Key = nil, ex.key
			if ex.key != nil {
				d.Keys = wmbus.StaticKey(ex.key)
			}
			decodeArg(ex.hex)
		}
	case o.in != "":
		if len(args) > 0 {
			return fmt.Errorf("give either --in FILE or a telegram argument")
		}
		data, err := os.ReadFile(o.in)
		if err != nil {
			return err
		}
		if decodeStream(data) == 0 {
			switch {
			case isP1(data):
				// An unframed DLMS APDU (data-notification, block transfer).
				decodeUnit(data)
			case utf8.Valid(data) && printable(data):
				decodeLines(data, decodeArg) // a file of hex lines
			}
		}
		if n == 0 {
			return fmt.Errorf("%s: no P1 telegram, P1 frame or hex telegram found", o.in)
		}
	case len(args) == 1:
		decodeArg(args[0])
	default:
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return fmt.Errorf("give a telegram as argument, with --in FILE, or pipe telegrams on stdin (see --help)")
			}
		}
		data, err := io.ReadAll(io.LimitReader(stdin, 256<<20))
		if err != nil {
			return fmt.Errorf("reading stdin: %v", err)
		}
		if looksLikeP1Stream(data) {
			decodeStream(data)
		} else {
			decodeLines(data, decodeArg)
		}
	}
	if failed > 0 {
		out.Flush()
		return exitError{1}
	}
	return nil
}

// decodeLines calls f for every non-empty line that is not a # comment.
func decodeLines(data []byte, f func(string)) {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f(line)
	}
}

// isP1 and isP1Stream: see p1.IsUnit and p1.IsFramed.
var isP1, isP1Stream = p1.IsUnit, p1.IsFramed

// looksLikeP1Stream reports whether stdin holds P1 telegrams as text (or raw
// frames) rather than hex lines.
func looksLikeP1Stream(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '/' || t[0] == dlms.HDLCFlag || t[0] == dlms.GeneralGloCiphering || t[0] == dlms.GeneralDedCiphering)
}

// globalKey returns the --key given without an ID, for P1 frames.
func globalKey(flags []string) []byte {
	var k []byte
	for _, s := range flags {
		if !strings.Contains(s, "=") {
			k, _ = parseKey(s)
		}
	}
	return k
}

func profileNames() string {
	var names []string
	for _, p := range dsmr.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}
