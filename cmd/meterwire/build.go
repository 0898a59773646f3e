package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/wmbus"
	"github.com/spf13/cobra"
)

func newBuildCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build (and encrypt) a telegram from its fields",
		Example: `  meterwire build wmbus --ell 8f --enc ctr --payload 0413E8030000 --key 000102030405060708090A0B0C0D0E0F --format b
  meterwire build wmbus --help   # every field of the frame as a flag`,
	}
	cmd.AddCommand(newBuildWMBusCmd())
	return cmd
}

type buildOpts struct {
	c, manufacturer, id, typ     string
	version                      uint8
	ell, cc, ellACC, m2, a2, enc string
	a2Version                    int
	a2Type                       string
	minutes                      uint32
	session                      uint8
	ellCounter                   string
	tpl, ci, acc, sts, security  string
	tplMfr, tplID, tplType       string
	tplVersion                   int
	cfgFlags                     string
	mcr                          uint32
	macType, keyID               uint8
	payload, clear, key, format  string
	explain                      bool
}

func newBuildWMBusCmd() *cobra.Command {
	var o buildOpts
	cmd := &cobra.Command{
		Use:   "wmbus",
		Short: "Build a complete wireless M-Bus frame: link layer, ELL, AFL, TPL, encryption, CRCs",
		Long: `Build a wireless M-Bus frame from its fields and print it as hex. meterwire
computes L, the ELL PayloadCRC, the 2F2F marker and 2F padding, the TPL block
count, AES-128 encryption (ELL CTR, TPL mode 5 CBC, mode 7 CBC with the AFL
CMAC) and the link-layer block CRCs of format A or B.

Addresses: --manufacturer is three letters (or 4 hex digits of the M field),
--id the 8-digit meter number as printed on the meter.`,
		Example: `  # ELL 0x8F, ENC=1 (AES-128-CTR), format B, as a Telit ME70-169 would send it
  meterwire build wmbus --manufacturer CEN --id 12345678 --version 1 --type 07 \
    --ell 8f --cc 20 --ell-acc 01 --m2 CEN --a2 87654321 --enc ctr --sn-minutes 12345 --sn-session 3 \
    --tpl none --payload 0413E8030000 --key 000102030405060708090A0B0C0D0E0F --format b

  # OMS mode 5 (short header), format A, with an explanation of every byte
  meterwire build wmbus --manufacturer ELS --id 12345678 --version 51 --type 03 \
    --tpl short --acc 2A --security 5 --cfg-flags 2000 --payload 0C1427048502046D32371F1502FD170000 \
    --key 0102030405060708090A0B0C0D0E0F11 --format a --explain

  # OMS mode 7 with ELL 0x8C and AFL (message counter 2739)
  meterwire build wmbus --manufacturer ELS --id 12345678 --version 51 --type 03 --ell 8c --cc 20 \
    --tpl short --acc 75 --security 7 --mcr 2739 --payload 0C1427048502046D32371F1502FD170000 \
    --key 000102030405060708090A0B0C0D0E0F --format a`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd.OutOrStdout(), &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.c, "c", "44", "link-layer C field (hex): 44 SND-NR, 46 SND-IR, 08 RSP-UD, ...")
	f.StringVar(&o.manufacturer, "manufacturer", "CEN", "manufacturer: three letters or the M field as 4 hex digits")
	f.StringVar(&o.id, "id", "12345678", "meter identification number (8 digits)")
	f.Uint8Var(&o.version, "version", 1, "meter version (decimal)")
	f.StringVar(&o.typ, "type", "07", "device type (hex): 07 water, 03 gas, 04 heat, 02 electricity, ...")
	f.StringVar(&o.ell, "ell", "none", "extended link layer: none, 8c, 8d, 8e or 8f")
	f.StringVar(&o.cc, "cc", "00", "ELL communication control (hex): 80 bidirectional, 20 synchronised, ...")
	f.StringVar(&o.ellACC, "ell-acc", "", "ELL access number (hex; default: --acc)")
	f.StringVar(&o.m2, "m2", "", "ELL M2 manufacturer for 8e/8f (default: --manufacturer)")
	f.StringVar(&o.a2, "a2", "", "ELL A2 identification number for 8e/8f (default: --id)")
	f.IntVar(&o.a2Version, "a2-version", -1, "ELL A2 version (default: --version)")
	f.StringVar(&o.a2Type, "a2-type", "", "ELL A2 device type, hex (default: --type)")
	f.StringVar(&o.enc, "enc", "none", "ELL encryption for 8d/8f: none or ctr (AES-128-CTR)")
	f.Uint32Var(&o.minutes, "sn-minutes", 0, "ELL session number time field (minutes)")
	f.Uint8Var(&o.session, "sn-session", 0, "ELL session number session field (0-15)")
	f.StringVar(&o.ellCounter, "ell-counter", "link", "address in the 8f counter block: link or m2a2")
	f.StringVar(&o.tpl, "tpl", "", "transport layer: none (CI 78), short (CI 7A) or long (CI 72); default short with security, else none")
	f.StringVar(&o.ci, "ci", "", "transport CI (hex), overriding --tpl")
	f.StringVar(&o.acc, "acc", "00", "TPL access number (hex)")
	f.StringVar(&o.sts, "sts", "00", "TPL status (hex)")
	f.StringVar(&o.security, "security", "none", "TPL security: none, 5 (AES-CBC) or 7 (AES-CBC with AFL CMAC)")
	f.StringVar(&o.tplMfr, "tpl-manufacturer", "", "long header manufacturer (default: --manufacturer)")
	f.StringVar(&o.tplID, "tpl-id", "", "long header identification number (default: --id)")
	f.IntVar(&o.tplVersion, "tpl-version", -1, "long header version (default: --version)")
	f.StringVar(&o.tplType, "tpl-type", "", "long header device type, hex (default: --type)")
	f.StringVar(&o.cfgFlags, "cfg-flags", "0000", "extra TPL CFG bits (hex): 8000 bidirectional, 4000 accessibility, 2000 synchronous")
	f.Uint32Var(&o.mcr, "mcr", 0, "mode 7: AFL message counter")
	f.Uint8Var(&o.macType, "mac-type", 5, "mode 7: MAC type 3-7 (CMAC truncated to 2, 4, 8, 12, 16 bytes)")
	f.Uint8Var(&o.keyID, "key-id", 0, "mode 7: key id in the CFG extension")
	f.StringVar(&o.payload, "payload", "", "application data (hex), encrypted under security 5/7")
	f.StringVar(&o.clear, "clear", "", "application data sent in clear after the encrypted blocks (hex)")
	f.StringVar(&o.key, "key", "", "AES-128 key (32 hex digits) for every encrypted layer")
	f.StringVar(&o.format, "format", "a", "link-layer frame shape: a, b, or none (no CRCs)")
	f.BoolVar(&o.explain, "explain", false, "also explain every byte of the built frame")
	return cmd
}

func hexByte(name, s string) (byte, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 8)
	if err != nil {
		return 0, fmt.Errorf("--%s %q: want one byte in hex", name, s)
	}
	return byte(v), nil
}

func parseManufacturer(name, s string) (uint16, error) {
	if m, ok := wmbus.ParseManufacturer(s); ok {
		return m, nil
	}
	if v, err := strconv.ParseUint(s, 16, 16); err == nil && len(s) == 4 {
		return uint16(v), nil
	}
	return 0, fmt.Errorf("--%s %q: want three letters (e.g. KAM) or 4 hex digits", name, s)
}

func parseID(name, s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || len(s) != 8 {
		return 0, fmt.Errorf("--%s %q: want the 8-digit identification number", name, s)
	}
	return uint32(v), nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (o *buildOpts) address(mfrFlag, mfr, idFlag, id string, version int, typeFlag, typ string) (wmbus.Address, error) {
	var a wmbus.Address
	var err error
	if a.Manufacturer, err = parseManufacturer(mfrFlag, orDefault(mfr, o.manufacturer)); err != nil {
		return a, err
	}
	if a.ID, err = parseID(idFlag, orDefault(id, o.id)); err != nil {
		return a, err
	}
	a.Version = o.version
	if version >= 0 {
		if version > 255 {
			return a, fmt.Errorf("version %d out of range 0-255", version)
		}
		a.Version = byte(version)
	}
	a.Type, err = hexByte(typeFlag, orDefault(typ, o.typ))
	return a, err
}

func (o *buildOpts) spec() (*wmbus.Spec, error) {
	s := &wmbus.Spec{}
	var err error
	if s.C, err = hexByte("c", o.c); err != nil {
		return nil, err
	}
	if s.Link, err = o.address("manufacturer", "", "id", "", -1, "type", ""); err != nil {
		return nil, err
	}
	var ok bool
	if s.Format, ok = wmbus.ParseFormat(o.format); !ok || s.Format == wmbus.FormatAuto {
		return nil, fmt.Errorf("--format %q: use a, b or none", o.format)
	}
	if s.TPL.ACC, err = hexByte("acc", o.acc); err != nil {
		return nil, err
	}
	if s.TPL.STS, err = hexByte("sts", o.sts); err != nil {
		return nil, err
	}
	switch o.security {
	case "none", "0":
	case "5":
		s.TPL.Security = 5
	case "7":
		s.TPL.Security = 7
	default:
		return nil, fmt.Errorf("--security %q: use none, 5 or 7", o.security)
	}
	switch {
	case o.ci != "":
		if s.TPL.CI, err = hexByte("ci", o.ci); err != nil {
			return nil, err
		}
	case o.tpl == "none":
		s.TPL.CI = 0x78
	case o.tpl == "short":
		s.TPL.CI = 0x7A
	case o.tpl == "long":
		s.TPL.CI = 0x72
	case o.tpl == "":
	default:
		return nil, fmt.Errorf("--tpl %q: use none, short or long", o.tpl)
	}
	if s.TPL.Addr, err = o.address("tpl-manufacturer", o.tplMfr, "tpl-id", o.tplID, o.tplVersion, "tpl-type", o.tplType); err != nil {
		return nil, err
	}
	flags, err := strconv.ParseUint(o.cfgFlags, 16, 16)
	if err != nil {
		return nil, fmt.Errorf("--cfg-flags %q: want 4 hex digits", o.cfgFlags)
	}
	s.TPL.Flags = uint16(flags)
	s.TPL.MCR, s.TPL.MACType, s.TPL.KeyID = o.mcr, o.macType, o.keyID
	if o.ell != "none" && o.ell != "" {
		e := &wmbus.ELLSpec{Minutes: o.minutes, Session: o.session}
		if e.CI, err = hexByte("ell", o.ell); err != nil {
			return nil, fmt.Errorf("--ell %q: use none, 8c, 8d, 8e or 8f", o.ell)
		}
		if e.CC, err = hexByte("cc", o.cc); err != nil {
			return nil, err
		}
		if e.ACC, err = hexByte("ell-acc", orDefault(o.ellACC, o.acc)); err != nil {
			return nil, err
		}
		if e.Addr, err = o.address("m2", o.m2, "a2", o.a2, o.a2Version, "a2-type", o.a2Type); err != nil {
			return nil, err
		}
		switch o.enc {
		case "none":
		case "ctr":
			e.Encrypt = true
		default:
			return nil, fmt.Errorf("--enc %q: use none or ctr", o.enc)
		}
		switch o.ellCounter {
		case "link":
		case "m2a2":
			e.CounterAddress = wmbus.ELLAddressM2A2
		default:
			return nil, fmt.Errorf("--ell-counter %q: use link or m2a2", o.ellCounter)
		}
		s.ELL = e
	} else if o.enc != "none" {
		return nil, fmt.Errorf("--enc %s needs an ELL with a session number: add --ell 8d or --ell 8f", o.enc)
	}
	if o.payload != "" {
		if s.Payload, err = parseHex(o.payload); err != nil {
			return nil, fmt.Errorf("--payload: %v", err)
		}
	}
	if o.clear != "" {
		if s.Clear, err = parseHex(o.clear); err != nil {
			return nil, fmt.Errorf("--clear: %v", err)
		}
	}
	if o.key != "" {
		if s.Key, err = parseKey(o.key); err != nil {
			return nil, fmt.Errorf("--key: %v", err)
		}
	}
	return s, nil
}

func runBuild(stdout io.Writer, o *buildOpts) error {
	s, err := o.spec()
	if err != nil {
		return err
	}
	frame, err := wmbus.AppendFrame(nil, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%X\n", frame)
	if !o.explain {
		return nil
	}
	d := wmbus.Decoder{Format: s.Format, ELLAddress: wmbus.ELLAddressAuto}
	if s.Key != nil {
		d.Keys = wmbus.StaticKey(s.Key)
	}
	tel, err := d.Decode(frame)
	if tel != nil {
		fmt.Fprintln(stdout)
		tel.WriteExplanation(stdout)
	}
	if err != nil {
		return fmt.Errorf("the built frame does not decode back: %v", err)
	}
	return nil
}
