package wmbus

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// roundTrip builds s, decodes the result with s.Key and checks that every
// layer comes back as specified.
func roundTrip(t testing.TB, d *Decoder, s *Spec) error {
	raw, err := AppendFrame(nil, s)
	if err != nil {
		return err
	}
	d.Keys = StaticKey(s.Key)
	d.Format = s.Format
	d.ELLAddress = ELLAddressAuto
	tel, err := d.Decode(raw)
	if err != nil {
		t.Fatalf("decode of built frame % X: %v", raw, err)
	}
	wantFormat := s.Format
	if wantFormat == FormatAuto {
		wantFormat = FormatNone
	}
	if tel.Format != wantFormat || tel.C != s.C || tel.Link != s.Link {
		t.Fatalf("link: format %v C %02X %v", tel.Format, tel.C, tel.Link)
	}
	if e := s.ELL; e != nil {
		if !tel.ELL.Present || tel.ELL.CI != e.CI || tel.ELL.CC != e.CC || tel.ELL.ACC != e.ACC {
			t.Fatalf("ell: %+v", tel.ELL)
		}
		if tel.ELL.HasAddr && tel.ELL.Addr != e.Addr {
			t.Fatalf("ell addr %v", tel.ELL.Addr)
		}
		if tel.ELL.HasSN && (tel.ELL.Minutes() != e.Minutes&0x1FFFFFF || tel.ELL.Session() != e.Session&0xF) {
			t.Fatalf("ell sn %08X", tel.ELL.SN)
		}
		if tel.Security.ELLEncrypted != e.Encrypt {
			t.Fatalf("ell encrypted %v", tel.Security.ELLEncrypted)
		}
	} else if tel.ELL.Present {
		t.Fatal("unexpected ELL")
	}
	if tel.TPL.SecurityMode() != s.TPL.Security {
		t.Fatalf("mode %d", tel.TPL.SecurityMode())
	}
	if s.TPL.Security == 7 && tel.Security.MAC != MACVerified {
		t.Fatalf("MAC %v", tel.Security.MAC)
	}
	wantStatus := StatusPlain
	if s.TPL.Security != 0 || s.ELL != nil && s.ELL.Encrypt {
		wantStatus = StatusDecrypted
	}
	if tel.Security.Status != wantStatus {
		// A payload CRC that happens to match the ciphertext reads as
		// already plain: one frame in 65536, not a failure of the builder.
		if !(wantStatus == StatusDecrypted && tel.Security.Status == StatusAlreadyPlain) {
			t.Fatalf("status %v want %v", tel.Security.Status, wantStatus)
		}
		return nil
	}
	var wantAPL []byte
	if s.TPL.Security != 0 {
		wantAPL = append([]byte{0x2F, 0x2F}, s.Payload...)
		for len(wantAPL)%16 != 0 {
			wantAPL = append(wantAPL, 0x2F)
		}
	} else {
		wantAPL = append(wantAPL, s.Payload...)
	}
	wantAPL = append(wantAPL, s.Clear...)
	if !bytes.Equal(tel.APL(), wantAPL) {
		t.Fatalf("APL\n got  % X\n want % X", tel.APL(), wantAPL)
	}
	return nil
}

func TestBuildDecodeEveryCombination(t *testing.T) {
	key := []byte("0123456789abcdef")
	link := Address{Manufacturer: 0x2C2D, ID: 0x76348799, Version: 0x1B, Type: 0x16}
	other := Address{Manufacturer: 0x0CAE, ID: 0x87654321, Version: 1, Type: 7}
	payloads := [][]byte{nil, {0x04, 0x13, 0xE8, 0x03, 0, 0}, bytes.Repeat([]byte{0x0C, 0x13, 0x11, 0x22, 0x33, 0x44}, 5), bytes.Repeat([]byte{0x02, 0xFD, 0x17, 0, 0}, 30)}
	var ells []*ELLSpec
	ells = append(ells, nil)
	for _, ci := range []byte{0x8C, 0x8D, 0x8E, 0x8F} {
		for _, enc := range []bool{false, true} {
			for _, ctr := range []ELLAddressPolicy{ELLAddressLink, ELLAddressM2A2} {
				ells = append(ells, &ELLSpec{CI: ci, CC: 0x20 | CCHop, ACC: 7, Addr: other, Encrypt: enc, Minutes: 12345, Session: 3, CounterAddress: ctr})
			}
		}
	}
	built, rejected := 0, 0
	var d Decoder
	for _, e := range ells {
		for _, ci := range []byte{0x78, 0x7A, 0x72} {
			for _, sec := range []int{0, 5, 7} {
				for _, p := range payloads {
					for _, clear := range [][]byte{nil, {0x0C, 0xFD, 0x10, 0x78, 0x56, 0x34, 0x12}} {
						for _, format := range []Format{FormatNone, FormatA, FormatB} {
							s := &Spec{C: 0x44, Link: link, ELL: e, Payload: p, Clear: clear, Key: key, Format: format,
								TPL: TPLSpec{CI: ci, Addr: other, ACC: 0x42, STS: 0x04, Security: sec, MCR: 99, Flags: CFGBidirectional}}
							name := fmt.Sprintf("ell=%v ci=%02X mode=%d payload=%d clear=%d format=%v", e, ci, sec, len(p), len(clear), format)
							err := roundTrip(t, &d, s)
							switch {
							case err == nil:
								built++
							case errors.Is(err, ErrMalformed):
								rejected++ // impossible combination: says why
							default:
								t.Fatalf("%s: %v", name, err)
							}
						}
					}
				}
			}
		}
	}
	if built < 1000 {
		t.Fatalf("only %d combinations built", built)
	}
	t.Logf("%d combinations built and decoded back, %d rejected as impossible", built, rejected)
}

func TestBuildRejects(t *testing.T) {
	key := make([]byte, 16)
	for name, s := range map[string]*Spec{
		"mode 5 without header": {TPL: TPLSpec{CI: 0x78, Security: 5}, Key: key},
		"short key":             {TPL: TPLSpec{Security: 5}, Key: key[:8]},
		"mode 9":                {TPL: TPLSpec{Security: 9}, Key: key},
		"8C cannot encrypt":     {ELL: &ELLSpec{CI: 0x8C, Encrypt: true}, Key: key},
		"bad ELL CI":            {ELL: &ELLSpec{CI: 0x90}},
		"too long":              {Payload: make([]byte, 300)},
		"too many blocks":       {TPL: TPLSpec{Security: 5}, Payload: make([]byte, 250), Key: key},
	} {
		if _, err := AppendFrame(nil, s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzBuildDecode builds frames from fuzzed specs and decodes them back.
func FuzzBuildDecode(f *testing.F) {
	f.Add(byte(0x44), uint32(0x12345678), byte(0x8F), true, byte(0x7A), byte(5), []byte{0x04, 0x13, 1, 2, 3, 4}, []byte{}, byte(1), byte(0))
	f.Add(byte(0x08), uint32(0x11223344), byte(0), false, byte(0x72), byte(7), []byte{}, []byte{0x0C, 0x78, 1, 2, 3, 4}, byte(0), byte(1))
	f.Add(byte(0x46), uint32(0), byte(0x8D), true, byte(0x78), byte(0), make([]byte, 200), []byte{}, byte(2), byte(0))
	f.Fuzz(func(t *testing.T, c byte, id uint32, ellCI byte, enc bool, tplCI byte, sec byte, payload, clear []byte, format byte, counter byte) {
		s := &Spec{C: c, Link: Address{Manufacturer: 0x2C2D, ID: id, Version: 1, Type: 7},
			Payload: payload, Clear: clear, Key: []byte("fuzz-key-16bytes"), Format: Format(1 + format%3),
			TPL: TPLSpec{CI: tplCI, Addr: Address{ID: id ^ 0xFFFF, Manufacturer: 0x1593}, ACC: byte(id), Security: int(sec % 8), MCR: id}}
		if ellCI != 0 {
			s.ELL = &ELLSpec{CI: ellCI, CC: byte(id >> 8), ACC: byte(id >> 16), Addr: Address{ID: ^id}, Encrypt: enc, Minutes: id, Session: byte(id),
				CounterAddress: ELLAddressPolicy(counter % 2)}
		}
		var d Decoder
		if err := roundTrip(t, &d, s); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("build: %v", err)
		}
	})
}
