// Command meterwire decodes, explains, builds and encrypts smart-meter
// telegrams (wireless and wired M-Bus today).
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries an exit status for errors already reported on stderr.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "meterwire",
		Short: "Decode, explain, build and encrypt smart-meter telegrams",
		Long: `meterwire decodes and builds encrypted smart-meter data: wireless M-Bus
(EN 13757-4, ELL AES-CTR, OMS security modes 5 and 7) and wired M-Bus frames
with their EN 13757-3 records; P1 ports: DSMR telegrams of every country and
DLMS frames (Luxembourg smarty AES-128-GCM); DLMS/COSEM push meters over HDLC
and wired M-Bus. Every byte can be explained (--explain).`,
		Example: `  meterwire decode --examples --explain          # the bundled examples, every byte explained
  meterwire decode --key 000102030405060708090A0B0C0D0E0F 434493157856...
  meterwire decode --key AEBD21B769A6D13C0DF064E383682EFF --in smarty_frame.bin
  meterwire decode < dsmr_telegram.txt
  meterwire build wmbus --ell 8f --enc ctr --payload 0413E8030000 --key 000102030405060708090A0B0C0D0E0F --format b
  meterwire gcm decrypt --key ... --iv ... --aad ... --tag ... HEX`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(newDecodeCmd(), newBuildCmd(), newGCMCmd(), newP1Cmd(), newTelitCmd())
	root.AddCommand(newRadioCmds()...)
	root.AddCommand(newServeCmd(), newExportCmd(), newDriversCmd())
	return root
}

func main() {
	if err := newRoot().Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "meterwire:", err)
		os.Exit(2)
	}
}
