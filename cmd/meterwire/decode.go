package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
	"github.com/spf13/cobra"
)

type decodeOpts struct {
	examples   bool
	keys       []string
	format     string
	explain    bool
	jsonOut    bool
	ellAddress string
	ignoreMAC  bool
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
	f.StringVar(&o.format, "format", "auto", "link-layer frame shape: auto, a, b or none (no CRCs)")
	f.BoolVar(&o.explain, "explain", false, "print every layer and field with byte offsets and meaning")
	f.BoolVar(&o.jsonOut, "json", false, "with --explain: print JSON including the layers instead of text")
	f.StringVar(&o.ellAddress, "ell-address", "link", "address in the ELL CI 0x8F counter block: link, m2a2 or auto (try both)")
	f.BoolVar(&o.ignoreMAC, "ignore-mac", false, "decrypt mode 7 frames even if the AFL MAC does not verify (reported as failed)")
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
	keys, err := keyTable(o.keys)
	if err != nil {
		return err
	}
	td := &telegram.Decoder{WMBus: wmbus.Decoder{Format: format, Keys: keys, ELLAddress: policy}}
	d := &td.WMBus
	if o.ignoreMAC {
		d.MAC = wmbus.MACIgnore
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	failed := 0
	n := 0
	decodeOne := func(line string) {
		n++
		raw, err := parseHex(line)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "meterwire: telegram %d: %v\n", n, err)
			return
		}
		res, err := td.Decode(raw)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "meterwire: telegram %d: %v\n", n, err)
		}
		if res == nil {
			return
		}
		if o.explain && !o.jsonOut {
			res.WriteExplanation(out)
			if err != nil {
				fmt.Fprintf(out, "error: %v\n", err)
			}
			out.WriteByte('\n')
			return
		}
		b, _ := json.Marshal(res.Report(o.explain, err))
		out.Write(b)
		out.WriteByte('\n')
	}
	switch {
	case o.examples:
		if len(args) > 0 || len(o.keys) > 0 {
			return fmt.Errorf("--examples brings its own telegrams and keys")
		}
		for _, ex := range bundledExamples() {
			if o.explain && !o.jsonOut {
				fmt.Fprintf(out, "== %s\n", ex.name)
			}
			d.Keys = nil
			if ex.key != nil {
				d.Keys = wmbus.StaticKey(ex.key)
			}
			decodeOne(ex.hex)
		}
	case len(args) == 1:
		decodeOne(args[0])
	default:
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return fmt.Errorf("give a telegram as hex argument, or pipe telegrams on stdin (see --help)")
			}
		}
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			decodeOne(line)
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading stdin: %v", err)
		}
	}
	if failed > 0 {
		out.Flush()
		return exitError{1}
	}
	return nil
}
