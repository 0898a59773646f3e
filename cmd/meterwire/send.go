package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/wmbus"
)

func newSendCmd() *cobra.Command {
	var format string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "send DEVICE HEX",
		Short: "Transmit one wM-Bus frame through a radio module",
		Long: `Transmit one wireless M-Bus frame through a radio module (Telit ME70-169/ME50,
IMST iM871A, Amber AMB8465). HEX is the frame from its L field on, with or
without link-layer CRCs (the module computes them itself); build one with
'meterwire build wmbus'.

` + deviceHelp,
		Example: `  # the Telit use case: ELL 0x8F, ENC=1 AES-CTR, format B, sent from an N2 module
  meterwire send 'telit:/dev/ttyUSB0?mode=n2' \
    $(meterwire build wmbus --ell 8f --enc ctr --payload 0413E8030000 --key 000102030405060708090A0B0C0D0E0F --format none)`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSend(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], args[1], format, timeout)
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "shape of HEX: auto, a or b (with CRCs, removed before sending) or none")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the device")
	return cmd
}

func runSend(ctx context.Context, stdout, stderr io.Writer, dev, hexFrame, format string, timeout time.Duration) error {
	d, err := parseDevice(dev)
	if err != nil {
		return err
	}
	f, ok := wmbus.ParseFormat(format)
	if !ok {
		return fmt.Errorf("--format %q: use auto, a, b or none", format)
	}
	raw, err := parseHex(hexFrame)
	if err != nil {
		return err
	}
	frame, found, _, err := wmbus.StripCRC(nil, raw, f)
	if err != nil {
		return fmt.Errorf("frame: %v", err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := startDevice(ctx, d, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Send(frame); err != nil {
		return fmt.Errorf("%s: send: %v", d.Raw, err)
	}
	fmt.Fprintf(stdout, "sent %d bytes (%s, link CRCs added by the module) through %s\n", len(frame), found, d.Raw)
	return nil
}
