package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/wmbus"
)

func newDriversCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "drivers [NAME]",
		Short: "List the meter drivers, or show one with its meters and fields",
		Long: `A meter driver names a meter's values the way wmbusmeters does (total_m3,
current_status, ...) and turns its status bits into texts. decode picks one
by the meter's manufacturer, version and device type (--driver auto), or
takes the one named (--driver NAME, wmbusmeters' names and aliases).`,
		Example: `  meterwire drivers
  meterwire drivers supercom587`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrivers(cmd.OutOrStdout(), args)
		},
	}
}

func runDrivers(w io.Writer, args []string) error {
	if len(args) == 0 {
		for _, d := range driver.All() {
			var fields []string
			for i := range d.Fields {
				fields = append(fields, d.Fields[i].FullName())
			}
			fmt.Fprintf(w, "%-16s %-28s %s\n", d.Name, detects(d), strings.Join(fields, " "))
		}
		return nil
	}
	d := driver.Lookup(args[0])
	if d == nil {
		return driver.Check(args[0])
	}
	fmt.Fprintf(w, "driver:  %s\n", d.Name)
	if len(d.Aliases) > 0 {
		fmt.Fprintf(w, "aliases: %s\n", strings.Join(d.Aliases, ", "))
	}
	fmt.Fprintf(w, "media:   %s\nmeters:  %s\nfields:\n", d.Media, detects(d))
	for i := range d.Fields {
		f := &d.Fields[i]
		from := f.Match.Quantity
		if f.Match.Key != "" {
			from = "DIF/VIF " + f.Match.Key
		}
		if f.Match.Storage != 0 {
			from += fmt.Sprintf(", storage %d", f.Match.Storage)
		}
		kind := ""
		if f.Status != nil {
			kind = fmt.Sprintf(" (status text, %q when no bit is set)", f.Status.Default)
		}
		fmt.Fprintf(w, "  %-36s from %s%s\n", f.FullName(), from, kind)
	}
	return nil
}

func detects(d *driver.Driver) string {
	var s []string
	for _, m := range d.Detect {
		s = append(s, fmt.Sprintf("%s v%02X %s", m.Manufacturer, m.Version, wmbus.DeviceTypeName(m.Type)))
	}
	for _, m := range d.AnyVersion {
		s = append(s, fmt.Sprintf("%s any version %s", m.Manufacturer, wmbus.DeviceTypeName(m.Type)))
	}
	return strings.Join(s, ", ")
}
