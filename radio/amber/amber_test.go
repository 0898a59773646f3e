package amber

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
	"github.com/meterwire/meterwire/radio"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oms_examples section 2: CMD_SET_AES_KEY_REQ, checksum 1B.
func TestPublishedAESKeyExample(t *testing.T) {
	want := unhex(t, "FF5018A205785634120003000102030405060708090A0B0C0D0E0F1B")
	var addr [8]byte
	copy(addr[:], unhex(t, "A205785634120003"))
	c, err := SetAESKey(addr, unhex(t, "000102030405060708090A0B0C0D0E0F"))
	if err != nil {
		t.Fatal(err)
	}
	got := Encode(c)
	if !bytes.Equal(got, want) || got[len(got)-1] != 0x1B {
		t.Fatalf("got % X", got)
	}
	d, n, err := Decode(want)
	if err != nil || n != len(want) || d.Cmd != CmdSetAESKeyReq || len(d.Payload) != 0x18 {
		t.Fatalf("%+v %d %v", d, n, err)
	}
	if _, err := SetAESKey(addr, make([]byte, 15)); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

// Manual examples: CMD_SERIALNO_REQ FF 0B 00 F4, CMD_GET_REQ FF 0A 02 00 80 77,
// CMD_RESET_REQ FF 05 00 FA, CMD_FWV_REQ FF 0C 00 F3, channel 11 FF 06 01 0B F3
// and its confirmation FF 86 01 0B 73, firmware 2.0.6 confirmation.
func TestManualExamples(t *testing.T) {
	cases := []struct {
		c    Command
		want string
	}{
		{SerialNo(), "FF0B00F4"},
		{Get(0x00, 0x80), "FF0A02008077"},
		{Reset(), "FF0500FA"},
		{FirmwareVersion(), "FF0C00F3"},
		{Command{Cmd: CmdSetChannelReq, Payload: []byte{0x0B}}, "FF06010BF3"},
		{Confirm(Command{Cmd: CmdSetChannelReq}, []byte{0x0B}), "FF86010B73"},
		{Command{Cmd: CmdFactoryResetReq}, "FF1100EE"},
		{Command{Cmd: CmdRSSIReq}, "FF0D00F2"},
	}
	for _, tc := range cases {
		if got := Encode(tc.c); !bytes.Equal(got, unhex(t, tc.want)) {
			t.Fatalf("%+v: % X want %s", tc.c, got, tc.want)
		}
	}
	s := Set(0x30, []byte{0x01})
	if got := Encode(s); !bytes.Equal(got[:6], unhex(t, "FF0903300101")) {
		t.Fatalf("% X", got)
	}
	if st, err := Status(Confirm(Reset(), []byte{0})); err != nil || st != 0 {
		t.Fatal(st, err)
	}
	if _, err := Status(Reset()); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

func TestModes(t *testing.T) {
	want := map[radio.LinkMode]byte{
		radio.ModeS1: 0x03, radio.ModeS1m: 0x03, radio.ModeS2: 0x03,
		radio.ModeT1: 0x08, radio.ModeT2: 0x08, radio.ModeC1: 0x0E, radio.ModeC2: 0x0E,
	}
	for mode := radio.ModeUnknown; mode <= radio.ModeF2+1; mode++ {
		c, err := SetMode(mode)
		w, ok := want[mode]
		if !ok {
			if !errors.Is(err, codec.ErrUnsupported) {
				t.Fatalf("%v: %v", mode, err)
			}
			continue
		}
		b := Encode(c)
		if err != nil || !bytes.Equal(b[:4], []byte{0xFF, 0x04, 0x01, w}) || b[4] != 0xFF^0x04^0x01^w {
			t.Fatalf("%v: % X %v", mode, b, err)
		}
		back, ok := ModeFromValue(w)
		if !ok {
			t.Fatal(w)
		}
		if v, _ := ModeValue(back); v != w {
			t.Fatalf("%v: %v", mode, back)
		}
	}
	// wmbusmeters sends FF 04 01 09 <cs> for C1+T1.
	if m, ok := ModeFromValue(ModeCT); !ok || m != radio.ModeC1 {
		t.Fatal(m)
	}
	if _, ok := ModeFromValue(0x42); ok {
		t.Fatal("0x42")
	}
}

func TestRSSI(t *testing.T) {
	for raw, dbm := range map[byte]int{0x00: -74, 0x10: -66, 0x7F: -11, 0x80: -138, 0xFF: -74, 0xDB: -92} {
		if got := RSSIToDBm(raw); got != dbm {
			t.Fatalf("%02X: %d want %d", raw, got, dbm)
		}
	}
	for dbm := -138; dbm <= -11; dbm++ {
		if got := RSSIToDBm(DBmToRSSI(dbm)); got != dbm {
			t.Fatalf("%d -> %d", dbm, got)
		}
	}
}

const frameHex = "1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F"

func TestTransparentAndIndication(t *testing.T) {
	data := unhex(t, frameHex)
	f := radio.Frame{Data: data, RSSI: -80, HasRSSI: true}
	tr, err := Transparent(f)
	if err != nil || tr[0] != data[0]+1 || len(tr) != len(data)+1 {
		t.Fatalf("% X %v", tr, err)
	}
	got, n, err := ParseTransparent(append(tr, 0x99))
	if err != nil || n != len(tr) || !bytes.Equal(got.Data, data) || got.RSSI != -80 || !got.HasRSSI {
		t.Fatalf("%+v %d %v", got, n, err)
	}
	for k := 0; k < len(tr); k++ {
		if _, _, err := ParseTransparent(tr[:k]); !errors.Is(err, codec.ErrTruncated) {
			t.Fatalf("prefix %d: %v", k, err)
		}
	}
	if _, _, err := ParseTransparent([]byte{0xFF, 1, 2}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	got, n, err = ParseTransparentNoRSSI(data)
	if err != nil || n != len(data) || !bytes.Equal(got.Data, data) || got.HasRSSI {
		t.Fatal(err)
	}

	ind, err := Indication(f)
	if err != nil {
		t.Fatal(err)
	}
	b := Encode(ind)
	c, n, err := Decode(b)
	if err != nil || n != len(b) {
		t.Fatal(err)
	}
	fr, err := FrameFromIndication(c, true)
	if err != nil || !bytes.Equal(fr.Data, data) || fr.RSSI != -80 {
		t.Fatalf("%+v %v", fr, err)
	}
	// Variant: RSSI after the payload, outside the length.
	v := Encode(Command{Cmd: CmdDataInd, Payload: data, HasTrailingRSSI: true, RSSI: DBmToRSSI(-70)})
	c, n, err = Decode(v)
	if err != nil || n != len(v) || !c.HasTrailingRSSI {
		t.Fatalf("%+v %v", c, err)
	}
	fr, err = FrameFromIndication(c, false)
	if err != nil || !bytes.Equal(fr.Data, data) || fr.RSSI != -70 {
		t.Fatalf("%+v %v", fr, err)
	}
	if _, err := FrameFromIndication(Reset(), true); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	req := DataRequest(data)
	if req.Cmd != CmdDataReq || !bytes.Equal(req.Payload, data[1:]) {
		t.Fatal(req)
	}
	if back, err := FrameFromDataRequest(req); err != nil || !bytes.Equal(back, data) {
		t.Fatal(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	b := Encode(Command{Cmd: CmdGetReq, Payload: []byte{0, 0x80}})
	for k := 0; k < len(b); k++ {
		if _, _, err := Decode(b[:k]); !errors.Is(err, codec.ErrTruncated) {
			t.Fatalf("prefix %d: %v", k, err)
		}
	}
	b[len(b)-1] ^= 1
	if _, n, err := Decode(b); !errors.Is(err, codec.ErrCRC) || n != len(b) {
		t.Fatal(err)
	}
	if _, _, err := Decode([]byte{1, 2, 3, 4}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
}

func TestSplitResync(t *testing.T) {
	ind, _ := Indication(radio.Frame{Data: unhex(t, frameHex), HasRSSI: true, RSSI: -60})
	a := Encode(ind)
	b := Encode(Confirm(Reset(), []byte{0}))
	c := Encode(Command{Cmd: CmdDataInd, Payload: unhex(t, frameHex), HasTrailingRSSI: true, RSSI: 3})
	d := Encode(SerialNo())
	bad := append([]byte(nil), b...)
	bad[len(bad)-1] ^= 0x5A
	var stream []byte
	stream = append(stream, 0x01, 0x02)
	stream = append(stream, a...)
	stream = append(stream, 0xFF, 0x33) // stray FF
	stream = append(stream, b...)
	stream = append(stream, bad...)
	stream = append(stream, c...)
	stream = append(stream, 0xFF, 0x03, 0xF0) // header announcing more than follows
	stream = append(stream, d...)
	stream = append(stream, 0xFF)
	for _, chunk := range []int{1, 2, 5, 4096} {
		got := streamtest.Scan(t, streamtest.Chunks(stream, chunk), Split)
		if len(got) != 4 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) || !bytes.Equal(got[2], c) || !bytes.Equal(got[3], d) {
			t.Fatalf("chunk %d: %d tokens % X", chunk, len(got), got)
		}
	}
}

func FuzzDecode(f *testing.F) {
	ind, _ := Indication(radio.Frame{Data: unhex(f, frameHex), HasRSSI: true})
	f.Add(Encode(ind))
	f.Add(unhex(f, "FF5018A205785634120003000102030405060708090A0B0C0D0E0F1B"))
	f.Add(unhex(f, frameHex))
	f.Fuzz(func(t *testing.T, b []byte) {
		typed := func(err error) {
			var ce *codec.Error
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		}
		c, n, err := Decode(b)
		typed(err)
		if err == nil {
			if !bytes.Equal(Encode(c), b[:n]) {
				t.Fatal("re-encode differs")
			}
			_, err = FrameFromIndication(c, true)
			typed(err)
			_, err = FrameFromIndication(c, false)
			typed(err)
			_, err = FrameFromDataRequest(c)
			typed(err)
		}
		fr, n, err := ParseTransparent(b)
		typed(err)
		if err == nil {
			tr, err := Transparent(fr)
			if err != nil || n != len(tr) || !bytes.Equal(tr[1:len(tr)-1], b[1:n-1]) {
				t.Fatalf("transparent round trip: %v", err)
			}
		}
		_, _, err = ParseTransparentNoRSSI(b)
		typed(err)
		for off := 0; off < len(b); {
			adv, tok, err := Split(b[off:], true)
			if err != nil || adv <= 0 || adv > len(b)-off {
				t.Fatalf("split adv=%d err=%v", adv, err)
			}
			if tok != nil {
				if _, _, err := Decode(tok); err != nil {
					t.Fatalf("token does not decode: %v", err)
				}
			}
			off += adv
		}
	})
}
