package driver

import (
	"encoding/hex"
	"testing"

	"github.com/meterwire/meterwire/telegram"
)

// BenchmarkDriver is the driver stage alone on a decoded telegram: a table
// driver (supercom587) and one with a payload function (kamwater).
func BenchmarkDriver(b *testing.B) {
	for _, c := range []struct{ name, tel string }{
		{"supercom587", "A244EE4D785634123C067A8F0000000C1348550000426CE1F14C130000000082046C21298C0413330000008D04931E3A3CFE3300000033000000330000003300000033000000330000003300000033000000330000003300000033000000330000004300000034180000046D0D0B5C2B03FD6C5E150082206C5C290BFD0F0200018C4079678885238310FD3100000082106C01018110FD610002FD66020002FD170000"},
		{"kamwater", "2A442D2C998734761B168D2091D37CAC21576C7802FF207100041308190000441308190000615B7F616713"},
	} {
		raw, _ := hex.DecodeString(c.tel)
		var td telegram.Decoder
		res, err := td.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		d := Lookup(c.name)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			out := Output{Telegram: res.Telegram}
			for b.Loop() {
				clear(out.Values)
				out.Names = out.Names[:0]
				if err := d.Apply(res.Records, res.Telegram.APL(), &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
