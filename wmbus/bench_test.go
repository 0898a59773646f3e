package wmbus

import (
	"encoding/hex"
	"testing"
)

// benchCase is one telegram decoded from bytes to decrypted layers.
type benchCase struct {
	name       string
	frame, key string // hex; key empty for plain frames
}

var (
	benchELLCTR = benchCase{"ELLCTR",
		"24442D2C692845631B168D3050209CD621B006B1140AEF4953AE5B86FAFC0B00E70705B84689",
		"4E5508544202058100DFEFA06B0934A5"}
	// OMS N.2.1, format A with DLL CRCs.
	benchMode5 = benchCase{"Mode5",
		"2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A",
		"0102030405060708090A0B0C0D0E0F11"}
	// OMS Annex N mode 7 (ELL 0x8C + AFL + TPL 0x7A), CRC-stripped as in
	// jMBus VariableDataStructureTest (jmbus_cases.txt). The brief's hex
	// (the format A frame with only the block 2 CRC BA37 removed) is not a
	// valid frame: it decodes as FormatNone and fails with "security mode 21".
	benchMode7 = benchCase{"Mode7",
		"434493157856341233038C2075900F002C25B30A000021924D4F2FB66E017A75002007109058475F4BC91DF878B80A1B0F98B629024AAC727942BFC549233C0140829B93",
		"000102030405060708090A0B0C0D0E0F"}
	benchPlain = benchCase{"Plain",
		"2C446532821851582C067AE1000000046D1906D9180C1334120000426CBF1C4C1300000000326CFFFF01FD7300",
		""}
	// OMS N.2.1 without DLL CRCs.
	benchMode5NoCRC = benchCase{"Mode5NoCRC",
		"2E4493157856341233037A2A0020255923C95AAA26D1B2E7493B013EC4A6F6D3529B520EDFF0EA6DEFC99D6D69EBF3",
		"0102030405060708090A0B0C0D0E0F11"}
)

// decoder returns the case's frame and a Decoder holding its key.
func (c benchCase) decoder(tb testing.TB) ([]byte, *Decoder) {
	tb.Helper()
	frame, err := hex.DecodeString(c.frame)
	if err != nil {
		tb.Fatal(err)
	}
	d := &Decoder{}
	if c.key != "" {
		key, err := hex.DecodeString(c.key)
		if err != nil {
			tb.Fatal(err)
		}
		d.Keys = StaticKey(key)
	}
	return frame, d
}

func benchDecode(b *testing.B, c benchCase) {
	frame, d := c.decoder(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeELLCTR(b *testing.B)     { benchDecode(b, benchELLCTR) }
func BenchmarkDecodeMode5(b *testing.B)      { benchDecode(b, benchMode5) }
func BenchmarkDecodeMode7(b *testing.B)      { benchDecode(b, benchMode7) }
func BenchmarkDecodePlain(b *testing.B)      { benchDecode(b, benchPlain) }
func BenchmarkDecodeMode5NoCRC(b *testing.B) { benchDecode(b, benchMode5NoCRC) }

// TestDecodeZeroAllocs checks that a warmed-up Decoder decodes (and
// decrypts) without allocating. Mode 7 derives per-message keys and may
// allocate; its count is only logged.
func TestDecodeZeroAllocs(t *testing.T) {
	for _, c := range []benchCase{benchELLCTR, benchMode5, benchMode5NoCRC, benchPlain, benchMode7} {
		t.Run(c.name, func(t *testing.T) {
			frame, d := c.decoder(t)
			tel, err := d.Decode(frame)
			if err != nil {
				t.Fatalf("decode % X: %v", frame, err)
			}
			if c.key != "" && tel.Security.Status != StatusDecrypted {
				t.Fatalf("status %v, want decrypted", tel.Security.Status)
			}
			var decErr error
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := d.Decode(frame); err != nil {
					decErr = err
				}
			})
			if decErr != nil {
				t.Fatal(decErr)
			}
			if c.name == "Mode7" {
				t.Logf("mode 7: %.1f allocs per decode (allowed)", allocs)
				return
			}
			if allocs != 0 {
				t.Errorf("%.1f allocs per decode, want 0", allocs)
			}
		})
	}
}
