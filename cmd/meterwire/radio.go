package main

import "github.com/spf13/cobra"

// Commands that talk to receivers and radio modules: listen, send,
// simulate, devices.
func newRadioCmds() []*cobra.Command {
	return nil
}
