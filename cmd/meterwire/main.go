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
(EN 13757-4, OMS security modes 5 and 7, ELL AES-CTR) and wired M-Bus frames.`,
		Example: `  meterwire decode --key 000102030405060708090A0B0C0D0E0F 434493157856...
  meterwire decode --explain 2E4493157856341233037A2A002025...
  meterwire build wmbus --ell 8f --enc ctr --payload 0413E8030000 --key 000102030405060708090A0B0C0D0E0F --format b`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(newDecodeCmd(), newBuildCmd(), newGCMCmd(), newP1Cmd())
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
