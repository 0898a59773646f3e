package main

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

type gcmOpts struct {
	key, iv, aad, tag, text string
	tagLen                  int
}

func newGCMCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gcm",
		Short: "AES-128-GCM encrypt or decrypt (the cipher of DLMS security suite 0, smarty P1)",
		Long: `Encrypt or decrypt with AES-GCM, as DLMS security suite 0 does for smarty
and other P1 meters: confidentiality and integrity in one step. Decryption
checks the tag first and prints no plaintext when it does not match.

For DLMS frames the IV is the system title (8 bytes) followed by the frame
counter (4 bytes), and the AAD is the security control byte (30) followed by
the authentication key (AK).`,
		Example: `  # the tutorial's round trip: "HAI" with smarty's AK in the AAD
  meterwire gcm encrypt --key 5A0BDB8CE3FDB7121635FF6FB02EE1DF --iv 53414767700067C800000782 \
    --aad 3000112233445566778899AABBCCDDEEFF --text HAI
  meterwire gcm decrypt --key 5A0BDB8CE3FDB7121635FF6FB02EE1DF --iv 53414767700067C800000782 \
    --aad 3000112233445566778899AABBCCDDEEFF --tag 57F8557A74C89C1F4ADA2277 9F81B6`,
	}
	cmd.AddCommand(newGCMEncryptCmd(), newGCMDecryptCmd())
	return cmd
}

func addGCMFlags(cmd *cobra.Command, o *gcmOpts) {
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "AES-128 key, 32 hex digits (required)")
	f.StringVar(&o.iv, "iv", "", "initialisation vector, hex (12 bytes for DLMS: system title | frame counter) (required)")
	f.StringVar(&o.aad, "aad", "", "additional authenticated data, hex (DLMS: security control | AK)")
	f.IntVar(&o.tagLen, "tag-len", 12, "tag length in bytes, 12 to 16 (DLMS uses 12)")
}

func (o *gcmOpts) aead() (cipher.AEAD, []byte, []byte, error) {
	key, err := parseKey(o.key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--key: %v", err)
	}
	iv, err := parseHex(o.iv)
	if err != nil || len(iv) == 0 {
		return nil, nil, nil, fmt.Errorf("--iv: give the IV in hex (12 bytes for DLMS)")
	}
	var aad []byte
	if o.aad != "" {
		if aad, err = parseHex(o.aad); err != nil {
			return nil, nil, nil, fmt.Errorf("--aad: %v", err)
		}
	}
	if o.tagLen < 12 || o.tagLen > 16 {
		return nil, nil, nil, fmt.Errorf("--tag-len %d: 12 to 16", o.tagLen)
	}
	b, _ := aes.NewCipher(key)
	var g cipher.AEAD
	if len(iv) == 12 {
		g, err = cipher.NewGCMWithTagSize(b, o.tagLen)
	} else {
		if o.tagLen != 16 {
			return nil, nil, nil, fmt.Errorf("an IV of %d bytes needs --tag-len 16 (Go's GCM supports other tag lengths only with 12-byte IVs)", len(iv))
		}
		g, err = cipher.NewGCMWithNonceSize(b, len(iv))
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return g, iv, aad, nil
}

func newGCMEncryptCmd() *cobra.Command {
	var o gcmOpts
	cmd := &cobra.Command{
		Use:   "encrypt [HEX]",
		Short: "Encrypt plaintext (hex argument, or --text) and print ciphertext and tag",
		Example: `  meterwire gcm encrypt --key 5A0BDB8CE3FDB7121635FF6FB02EE1DF --iv 53414767700067C800000782 \
    --aad 3000112233445566778899AABBCCDDEEFF --text HAI`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, iv, aad, err := o.aead()
			if err != nil {
				return err
			}
			var pt []byte
			switch {
			case o.text != "" && len(args) == 0:
				pt = []byte(o.text)
			case o.text == "" && len(args) == 1:
				if pt, err = parseHex(args[0]); err != nil {
					return fmt.Errorf("plaintext: %v (use --text for text)", err)
				}
			default:
				return fmt.Errorf("give the plaintext either as a hex argument or with --text")
			}
			out := g.Seal(nil, iv, pt, aad)
			n := len(out) - g.Overhead()
			fmt.Fprintf(cmd.OutOrStdout(), "ciphertext: %X\ntag:        %X\n", out[:n], out[n:])
			return nil
		},
	}
	addGCMFlags(cmd, &o)
	cmd.Flags().StringVar(&o.text, "text", "", "plaintext as text instead of hex")
	return cmd
}

func newGCMDecryptCmd() *cobra.Command {
	var o gcmOpts
	cmd := &cobra.Command{
		Use:   "decrypt HEX",
		Short: "Verify the tag and decrypt; no plaintext and exit status 1 if the tag does not match",
		Long: `Decrypt AES-GCM ciphertext given in hex. The tag comes from --tag, or is
the last --tag-len bytes of the input. The tag is verified before anything
is printed: a wrong key, IV, AAD or an altered byte gives an error and no
plaintext.`,
		Example: `  meterwire gcm decrypt --key 5A0BDB8CE3FDB7121635FF6FB02EE1DF --iv 53414767700067C800000782 \
    --aad 3000112233445566778899AABBCCDDEEFF --tag 57F8557A74C89C1F4ADA2277 9F81B6`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, iv, aad, err := o.aead()
			if err != nil {
				return err
			}
			ct, err := parseHex(args[0])
			if err != nil {
				return fmt.Errorf("ciphertext: %v", err)
			}
			if o.tag != "" {
				tag, err := parseHex(o.tag)
				if err != nil || len(tag) != o.tagLen {
					return fmt.Errorf("--tag: want %d bytes in hex (or set --tag-len)", o.tagLen)
				}
				ct = append(ct, tag...)
			} else if len(ct) < o.tagLen {
				return fmt.Errorf("input shorter than the %d-byte tag: give --tag or append it", o.tagLen)
			}
			pt, err := g.Open(nil, iv, ct, aad)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "meterwire: authentication failed: the tag does not match (wrong key, IV or AAD, or the data was altered); no plaintext is given")
				return exitError{1}
			}
			printPlain(cmd.OutOrStdout(), pt)
			return nil
		},
	}
	addGCMFlags(cmd, &o)
	cmd.Flags().StringVar(&o.tag, "tag", "", "authentication tag, hex (default: the last --tag-len bytes of the input)")
	return cmd
}

// printPlain prints plaintext as hex and, when it is printable text, as text.
func printPlain(w io.Writer, pt []byte) {
	fmt.Fprintf(w, "plaintext (hex):  %s\n", strings.ToUpper(hex.EncodeToString(pt)))
	if utf8.Valid(pt) && printable(pt) {
		fmt.Fprintf(w, "plaintext (text): %s\n", pt)
	}
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}
