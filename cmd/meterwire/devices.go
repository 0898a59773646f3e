package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/radio/serialport"
)

func newDevicesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "devices",
		Short: "List serial ports with their USB identity and the receiver kind it suggests",
		Example: `  meterwire devices
  meterwire listen im871a:/dev/ttyUSB0?mode=c1    # then use the path and kind shown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ports, err := serialport.List()
			if err != nil {
				return fmt.Errorf("listing serial ports: %v", err)
			}
			return printPorts(cmd.OutOrStdout(), ports)
		},
	}
}

func printPorts(w io.Writer, ports []serialport.Port) error {
	if len(ports) == 0 {
		fmt.Fprintln(w, "no serial ports found (is the stick plugged in, and may this user open /dev/tty*?)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tUSB VID:PID\tSERIAL\tPRODUCT\tKIND\tWHY")
	for _, p := range ports {
		usb, kind := "-", "-"
		if p.USB {
			usb = p.VID + ":" + p.PID
		}
		if p.Kind != "" {
			kind = p.Kind
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Path, usb, dash(p.SerialNumber), dash(p.Product), kind, dash(p.Guess))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
