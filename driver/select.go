package driver

import (
	"fmt"
	"sort"

	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

// Auto is the driver name that picks a driver by detection; None turns
// drivers off.
const (
	Auto = "auto"
	None = "none"
)

// Check reports whether name is "auto", "none" or a known driver or
// alias, with the error a user should see otherwise.
func Check(name string) error {
	if name == "" || name == Auto || name == None || Lookup(name) != nil {
		return nil
	}
	return fmt.Errorf("no driver %q (meterwire drivers lists them; auto picks one by the meter's manufacturer, version and type)", name)
}

// Choose returns the driver for a meter: the one named, or with "auto" (or
// "") the one that detects it. With none, it says why in words.
func Choose(name string, a wmbus.Address) (*Driver, string) {
	switch name {
	case None:
		return nil, "drivers turned off"
	case "", Auto:
		if d := Detected(a.ManufacturerCode(), a.Version, a.Type); d != nil {
			return d, ""
		}
		return nil, fmt.Sprintf("no driver detects %s version 0x%02X type 0x%02X (%s); the records are decoded all the same, and --driver NAME picks one", a.ManufacturerCode(), a.Version, a.Type, wmbus.DeviceTypeName(a.Type))
	}
	if d := Lookup(name); d != nil {
		return d, ""
	}
	return nil, fmt.Sprintf("no driver %q", name)
}

// ChooseFor is Choose for a decoded telegram: detection tries the meter's
// address (the long TPL header's, when there is one) and then the link
// layer's, since a radio converter in front of a meter carries the
// driver's triple in its link address only.
func ChooseFor(name string, t *wmbus.Telegram) (*Driver, string) {
	d, why := Choose(name, t.Meter())
	if d == nil && (name == "" || name == Auto) && t.Link != t.Meter() {
		if l := Detected(t.Link.ManufacturerCode(), t.Link.Version, t.Link.Type); l != nil {
			return l, ""
		}
	}
	return d, why
}

// Fields applies d to a decoded telegram and its records and returns the
// fields as a map (for JSON), or nil when d is nil.
func Fields(d *Driver, t *wmbus.Telegram, recs []mbus.Record) (map[string]any, error) {
	if d == nil {
		return nil, nil
	}
	out := Output{Telegram: t}
	var apl []byte
	if t != nil {
		apl = t.APL()
	}
	err := d.Apply(recs, apl, &out)
	return out.Values, err
}

// Names lists the driver names and aliases, sorted.
func Names() []string {
	out := make([]string, 0, len(byName))
	for n := range byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Report is a decoded wM-Bus or wired M-Bus telegram's report with its
// meter driver: Fields are the driver's (the names wmbusmeters prints)
// when one applies, else the records' generic names; Driver names it, or
// is "none" with DriverNote saying why.
type Report struct {
	telegram.Report
	Driver     string `json:"driver,omitempty"`
	DriverNote string `json:"driver_note,omitempty"`
}

// WithReport applies the driver named (Auto, None or a name) to a decoded
// telegram's report and returns a Report; telegrams without records are
// returned as they are (a telegram.Report).
func WithReport(res *telegram.Result, rep telegram.Report, name string) any {
	if res.Telegram == nil || len(res.Records) == 0 {
		return rep
	}
	d, why := ChooseFor(name, res.Telegram)
	if d == nil {
		return Report{Report: rep, Driver: None, DriverNote: why}
	}
	fields, err := Fields(d, res.Telegram, res.Records)
	if err != nil {
		return Report{Report: rep, Driver: None, DriverNote: err.Error()}
	}
	rep.Fields = fields
	return Report{Report: rep, Driver: d.Name}
}
