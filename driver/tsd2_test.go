package driver

import (
	"testing"

	"github.com/meterwire/meterwire/wmbus"
)

func FuzzTsd2Payload(f *testing.F) {
	f.Add(mustHex("009F2782290060822900000401D6311AF93E"), byte(0))
	f.Add([]byte{0x01, 0x9F}, byte(0x14))
	f.Fuzz(func(t *testing.T, data []byte, sts byte) {
		out := Output{Telegram: &wmbus.Telegram{}}
		out.Telegram.TPL.Present = true
		out.Telegram.TPL.Header = wmbus.HeaderShort
		out.Telegram.TPL.STS = sts
		_ = tsd2Payload(nil, data, &out)
	})
}
