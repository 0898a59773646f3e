package main

import "github.com/spf13/cobra"

// newTelitCmd configures and drives a Telit ME70-169/ME50 module.
func newTelitCmd() *cobra.Command {
	return &cobra.Command{Use: "telit", Short: "Configure and drive a Telit ME70-169/ME50 radio module", Hidden: true}
}
