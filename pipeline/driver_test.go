package pipeline

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/radio"
)

// A meter's driver names its fields: the configured one, else the one that
// detects the meter; "none" keeps the records' generic names.
func TestDriverFields(t *testing.T) {
	// A Sontex Supercom 587 (wmbusmeters' driver test telegram).
	b, _ := hex.DecodeString("A244EE4D785634123C067A8F0000000C1348550000426CE1F14C130000000082046C21298C0413330000008D04931E3A3CFE3300000033000000330000003300000033000000330000003300000033000000330000003300000033000000330000004300000034180000046D0D0B5C2B03FD6C5E150082206C5C290BFD0F0200018C4079678885238310FD3100000082106C01018110FD610002FD66020002FD170000")
	for _, c := range []struct{ driver, want string }{{"auto", "supercom587"}, {"supercom587", "supercom587"}, {"none", ""}} {
		evs, _ := run(t, []config.Meter{{Name: "ww", ID: "12345678", Driver: c.driver}}, nil, []Frame{{Frame: radio.Frame{Data: b, Time: time.Now()}}})
		ev := evs[0]
		if ev.Outcome != Decoded || ev.Driver != c.want {
			t.Fatalf("%s: %s %q driver %q", c.driver, ev.Outcome, ev.Err, ev.Driver)
		}
		_, generic := ev.Fields["target_m3"]
		if (c.want != "") == generic || ev.Fields["total_m3"] != 5.548 {
			t.Errorf("%s: fields %v", c.driver, ev.Fields)
		}
	}
}
