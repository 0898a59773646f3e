package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/store"
)

func newExportCmd() *cobra.Command {
	var meter, from, to, format, db, cfgFile string
	cmd := &cobra.Command{
		Use:   "export --meter NAME [--from TIME] [--to TIME] [--format csv|json]",
		Short: "Export a meter's readings from the history store",
		Long: `Write the readings of one meter (or all meters with --meter '') from the
embedded history store as CSV (a column per field) or JSON. Times are
RFC 3339 (2026-11-01T00:00:00Z), a date (2026-11-01, local midnight) or a
duration back from now (24h, 7d). The range includes --from and excludes --to.`,
		Example: `  meterwire export --meter water --from 7d > water.csv
  meterwire export --meter smarty --from 2026-11-01 --to 2026-12-01 --format json
  meterwire export -c /etc/meterwire/meterwire.yaml --meter heat`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "json" {
				return fmt.Errorf("--format %q: use csv or json", format)
			}
			now := time.Now()
			f, err := parseTime(from, now, time.Time{})
			if err != nil {
				return fmt.Errorf("--from: %v", err)
			}
			t, err := parseTime(to, now, now.Add(time.Second))
			if err != nil {
				return fmt.Errorf("--to: %v", err)
			}
			path := db
			if path == "" {
				c := config.Default("")
				if cfgFile != "" {
					if c, err = config.Load(cfgFile); err != nil {
						return err
					}
				}
				path = c.Store.Path
			}
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("no history store at %s (run meterwire serve first, or give --db)", path)
			}
			st, err := store.Open(path, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			return st.Export(context.Background(), out, meter, f, t, format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&meter, "meter", "", "meter name (as in the configuration or the web UI); empty: every meter")
	fl.StringVar(&from, "from", "", "start time (default: the beginning)")
	fl.StringVar(&to, "to", "", "end time (default: now)")
	fl.StringVar(&format, "format", "csv", "csv or json")
	fl.StringVar(&db, "db", "", "store file (default: from the configuration, else "+filepath.Join(config.DefaultDataDir(), "meterwire.db")+")")
	fl.StringVarP(&cfgFile, "config", "c", "", "configuration file to find the store")
	return cmd
}

// parseTime parses RFC 3339, a date, or a duration back from now.
func parseTime(s string, now, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 2026-11-01T00:00:00Z, 2026-11-01 or 7d", s)
}
