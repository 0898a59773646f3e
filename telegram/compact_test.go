package telegram

import (
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/wmbus"
)

func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jMBus ShortTelegramTest (shared corpus wmbus/jmbus_cases.txt): Kamstrup
// ELL 8D frames already decrypted by the receiver; compact frames (CI 0x79)
// decode only after the full frame (CI 0x78) of the same meter.
func TestKamstrupCompactFrames(t *testing.T) {
	const (
		long     = "5C442D2C06357260190C8D207B70032F21271D7802F9FF15011104061765000004EEFF07BFA8000004EEFF08D24F00000414B1FB000002FD170000026CE919426CFF184406F76400004414E8FA0000043B0B0000000259DB11025D1C0B5B"
		short    = "3F442D2C06357260190C8D207C71032F21255C79DD829283011117650000BFA80000D24F0000B1FB00000000E919FF18F7640000E8FA00000B000000DB111C0B5B"
		newLong  = "40442D2C713785691C0C8D2066445050201E5E780406A60B000004FF074E11000004FF08130700000414C91A000002FD170000043B000000000259B10B025D67095B"
		newShort = "31442D2C713785691C0C8D2067585050202A4479C4D788B0A60B00004E11000013070000C91A0000000000000000B10B67095B"
	)
	var d Decoder
	if _, err := d.Decode(unhexT(t, short)); !errors.Is(err, codec.ErrUnknownSignature) {
		t.Fatalf("compact before full: %v", err)
	}
	for _, tc := range []struct {
		full, compact string
		n             int
	}{{long, short, 13}, {newLong, newShort, 8}} {
		res, err := d.Decode(unhexT(t, tc.full))
		if err != nil || len(res.Records) != tc.n {
			t.Fatalf("full: %v, %d records", err, len(res.Records))
		}
		full := append([]mbus.Record(nil), res.Records...)
		fullInts := make([]int64, len(full))
		for i := range full {
			fullInts[i] = full[i].Int
		}
		res, err = d.Decode(unhexT(t, tc.compact))
		if err != nil || !res.Compact || len(res.Records) != tc.n {
			t.Fatalf("compact: %v, compact %v, %d records", err, res.Compact, len(res.Records))
		}
		changed := 0
		for i := range res.Records {
			if res.Records[i].Int != fullInts[i] {
				changed++
			}
		}
		t.Logf("%d records, %d values differ from the full frame", tc.n, changed)
	}
}

// The Kamstrup Multical 21 compact frame of wmbusmeters issue #1024 (shared
// corpus wmbus/oms_examples.txt): its PayloadCRC verifies with the posted
// key, so the key was right; what was missing is the full frame. With the
// format that frame would have had (DIF/VIF list hashing to A8ED), the
// compact frame expands, its full-frame CRC verifies, and the values are
// total 163.712 m3, target 139.175 m3, flow 15 C, external 22 C.
func TestKamstrupIssue1024(t *testing.T) {
	key := unhexT(t, "B91EAF561BEF664ADD91875125763485")
	compact := unhexT(t, "23442D2C445668741B168D2013C1875020FABDF7ED2AF48698B8B1BBDE661C9BCCA3820F")
	d := Decoder{WMBus: wmbus.Decoder{Keys: wmbus.StaticKey(key)}}
	_, err := d.Decode(compact)
	if !errors.Is(err, codec.ErrUnknownSignature) || errors.Is(err, codec.ErrWrongKey) {
		t.Fatalf("before the full frame: %v (must not say wrong key)", err)
	}
	// A full frame from the same meter with the format the signature names.
	full, err := wmbus.AppendFrame(nil, &wmbus.Spec{C: 0x44,
		Link:    wmbus.Address{Manufacturer: 0x2C2D, ID: 0x74685644, Version: 0x1B, Type: 0x16},
		TPL:     wmbus.TPLSpec{CI: 0x78},
		Payload: unhexT(t, "02FF2000000413807F02004413A71F0200615B0F616716"), Format: wmbus.FormatNone})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Decode(full)
	if err != nil || len(res.Records) != 5 || mbus.Signature(res.Records) != 0xA8ED {
		t.Fatalf("full: %v %d records signature %04X", err, len(res.Records), mbus.Signature(res.Records))
	}
	res, err = d.Decode(compact)
	if err != nil || !res.Compact || len(res.Records) != 5 {
		t.Fatalf("compact: %v", err)
	}
	want := []float64{0, 163.712, 139.175, 15, 22}
	for i, w := range want[1:] {
		if got := res.Records[i+1].Value; math.Abs(got-w) > 1e-9 {
			t.Errorf("record %d (%s): %v want %v", i+1, res.Records[i+1].Info.Quantity, got, w)
		}
	}
}

// An encrypted compact frame (CI 0x73, mode 5): the 2F2F decryption marker
// comes before the compact header. Engelmann FAW from wmbusmeters'
// driver tests (shared corpus); its full frame is not in the corpus.
func TestEncryptedCompactSkipsMarker(t *testing.T) {
	d := Decoder{WMBus: wmbus.Decoder{Keys: wmbus.StaticKey(unhexT(t, "5CDB04C8EDFDC09EC49B5E76A24D4822"))}}
	_, err := d.Decode(unhexT(t, "7644c5145528502202077320248622c5140007700060255f2aa2967eb77d0bf310341e3636d9acc17cc5d69ce5632d7b494cc0718e2dbb916bbec0c3ff2b0d6087fd0abb3ba0779564cc089e4527987ef2221d26d7ea448ca59759acfbea4e5b0026ef463592b6668fbf680896e78b461dbb77c32903e0"))
	if !errors.Is(err, codec.ErrUnknownSignature) || !strings.Contains(err.Error(), "signature 052D") {
		t.Fatalf("%v", err)
	}
}
