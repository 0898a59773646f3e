package main

import "github.com/spf13/cobra"

func newSimulateCmd() *cobra.Command {
	return &cobra.Command{Use: "simulate", Short: "Simulate a receiver stick with a meter fleet behind it", Hidden: true}
}
