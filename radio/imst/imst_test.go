package imst

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/crc16"
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

// x25 is a bitwise CRC per oms_examples section 6: ~CRC16(poly 0x8408
// reflected, init 0xFFFF).
func x25(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

func TestFCS(t *testing.T) {
	if got := x25([]byte("123456789")); got != 0x906E {
		t.Fatalf("x25 check value %04X", got)
	}
	// Ping request with FCS: A5 81 01 00 + FCS over 81 01 00, LSB first.
	b := Encode(Message{Endpoint: EndpointDevMgmt, ID: DevMgmtPingReq, HasCRC: true})
	want := x25([]byte{0x81, 0x01, 0x00})
	if crc16.Checksum([]byte{0x81, 0x01, 0x00}, crc16.X25) != want {
		t.Fatal("crc16.X25 disagrees with the bitwise rule")
	}
	exp := []byte{0xA5, 0x81, 0x01, 0x00, byte(want), byte(want >> 8)}
	if !bytes.Equal(b, exp) {
		t.Fatalf("got % X want % X", b, exp)
	}
	// Plain ping (as wmbusmeters and jMBus send it).
	if got := Encode(Ping()); !bytes.Equal(got, []byte{0xA5, 0x01, 0x01, 0x00}) {
		t.Fatalf("ping % X", got)
	}
	b[len(b)-1] ^= 1
	if _, n, err := Decode(b); !errors.Is(err, codec.ErrCRC) || n != len(b) {
		t.Fatalf("corrupt FCS: n=%d err=%v", n, err)
	}
}

func TestRoundTrip(t *testing.T) {
	msgs := []Message{
		{Endpoint: 1, ID: DevMgmtGetConfigRsp, Payload: []byte{1, 2, 3}},
		{Endpoint: 2, ID: RadioLinkWMBusMsgInd, Payload: bytes.Repeat([]byte{0x44}, 255), HasRSSI: true, RSSI: 0x80, HasCRC: true},
		{Endpoint: 2, ID: 3, Payload: []byte{9}, HasTimestamp: true, Timestamp: 0x01020304, HasRSSI: true, RSSI: 7, HasCRC: true},
		{Endpoint: 4, ID: 1, HasTimestamp: true, Timestamp: 0xFFFFFFFF},
	}
	for i, m := range msgs {
		b := Encode(m)
		got, n, err := Decode(b)
		if err != nil || n != len(b) {
			t.Fatalf("%d: n=%d err=%v", i, n, err)
		}
		if !bytes.Equal(Encode(got), b) {
			t.Fatalf("%d: re-encode differs", i)
		}
		if m.HasTimestamp && got.Timestamp != m.Timestamp || got.RSSI != m.RSSI || got.Endpoint != m.Endpoint || got.ID != m.ID {
			t.Fatalf("%d: %+v", i, got)
		}
		if m.HasTimestamp {
			// timestamp little-endian on the wire
			off := 4 + len(m.Payload)
			if b[off] != byte(m.Timestamp) {
				t.Fatalf("%d: timestamp not LSB first", i)
			}
		}
		// Every truncation is a typed truncation error.
		for k := 0; k < len(b); k++ {
			if _, _, err := Decode(b[:k]); !errors.Is(err, codec.ErrTruncated) {
				t.Fatalf("%d: prefix %d: %v", i, k, err)
			}
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range []string{"00010100", "A5110100", "A5050100", "A5000100"} {
		if _, _, err := Decode(unhex(t, s)); !errors.Is(err, codec.ErrMalformed) {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestLinkModes(t *testing.T) {
	want := map[radio.LinkMode]byte{
		radio.ModeS1: 0, radio.ModeS1m: 1, radio.ModeS2: 2, radio.ModeT1: 3, radio.ModeT2: 4,
		radio.ModeR2: 5, radio.ModeC1: 6, radio.ModeC2: 8, radio.ModeN1: 0x0A, radio.ModeN2: 0x0B,
	}
	for mode := radio.ModeUnknown; mode <= radio.ModeF2+1; mode++ {
		v, ok := LinkModeValue(mode)
		w, has := want[mode]
		if ok != has || v != w {
			t.Fatalf("%v: %d %v", mode, v, ok)
		}
		m, err := SetLinkMode(mode)
		if !has {
			if !errors.Is(err, codec.ErrUnsupported) {
				t.Fatalf("%v: %v", mode, err)
			}
			continue
		}
		back, ok := LinkModeFromValue(v)
		if !ok || back != mode {
			t.Fatalf("%v -> %d -> %v", mode, v, back)
		}
		// A5 01 03 06 | 00 02 <mode> 30 01 00
		b := Encode(m)
		exp := []byte{0xA5, 0x01, 0x03, 0x06, 0x00, 0x02, w, 0x30, 0x01, 0x00}
		if !bytes.Equal(b, exp) {
			t.Fatalf("%v: % X", mode, b)
		}
		c, nvm, err := ParseSetConfig(m.Payload)
		if err != nil || nvm || c.LinkMode != w || c.AutoRSSI != 1 {
			t.Fatalf("%v: %+v %v", mode, c, err)
		}
	}
	for v, m := range map[byte]radio.LinkMode{LinkC1b: radio.ModeC1, LinkC2b: radio.ModeC2, LinkN2F: radio.ModeN2, LinkN1F: radio.ModeN1} {
		if got, ok := LinkModeFromValue(v); !ok || got != m {
			t.Fatalf("%d: %v", v, got)
		}
	}
	if _, ok := LinkModeFromValue(0x16); ok {
		t.Fatal("0x16 accepted")
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c := Config{Flags1: 0xFF, DeviceMode: 1, LinkMode: 3, CField: 0x44, Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, DeviceType: 7, RadioChannel: 2,
		Flags2: 0xFF, PowerLevel: 1, DataRate: 2, RxWindow: 3, AutoPowerSaving: 4, AutoRSSI: 5, AutoTimestamp: 6, LEDControl: 7, RTCControl: 8}
	b := AppendConfig(nil, c)
	if len(b) != 1+1+1+1+2+4+1+1+1+1+8 {
		t.Fatalf("len %d", len(b))
	}
	got, err := ParseConfig(b)
	if err != nil || got != c {
		t.Fatalf("%+v %v", got, err)
	}
	for k := 0; k < len(b)-9; k++ { // cut inside group 1
		if _, err := ParseConfig(b[:k]); !errors.Is(err, codec.ErrTruncated) {
			t.Fatalf("cut %d: %v", k, err)
		}
	}
	if _, err := ParseConfig(b[:len(b)-1]); !errors.Is(err, codec.ErrTruncated) {
		t.Fatal("cut in group 2 accepted")
	}
	d := DeviceInfo{ModuleType: 0x33, DeviceMode: 0, Firmware: 0x15, HCIVersion: 2, UID: 0xA1B2C3D4}
	db := AppendDeviceInfo(nil, d)
	if db[4] != 0xD4 {
		t.Fatal("uid not LSB first")
	}
	if got, err := ParseDeviceInfo(db); err != nil || got != d {
		t.Fatal(got, err)
	}
	if _, err := ParseDeviceInfo(db[:7]); !errors.Is(err, codec.ErrTruncated) {
		t.Fatal(err)
	}
}

const frameHex = "1E44A2057856341200037A350010052F2F007C085453455420434E452F2F2F"

func TestIndication(t *testing.T) {
	data := unhex(t, frameHex)
	f := radio.Frame{Data: data, RSSI: -60, HasRSSI: true}
	m, err := Indication(f)
	if err != nil {
		t.Fatal(err)
	}
	b := Encode(m)
	if b[1] != 0xC2 || b[2] != 0x03 || int(b[3]) != len(data)-1 || b[4] != 0x44 {
		t.Fatalf("% X", b[:5])
	}
	got, n, err := Decode(b)
	if err != nil || n != len(b) {
		t.Fatal(err)
	}
	fr, err := FrameFromIndication(got)
	if err != nil || !bytes.Equal(fr.Data, data) || !fr.HasRSSI || fr.RSSI != -60 {
		t.Fatalf("%+v %v", fr, err)
	}
	if _, err := FrameFromIndication(Ping()); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	if _, err := Indication(radio.Frame{Data: data[:5]}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	req := DataRequest(data)
	if req.Endpoint != 2 || req.ID != 1 || !bytes.Equal(req.Payload, data[1:]) {
		t.Fatalf("%+v", req)
	}
	back, err := FrameFromRequest(req)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatal(err)
	}
	if r := Response(req, nil); r.ID != RadioLinkWMBusMsgRsp || !r.HasCRC {
		t.Fatalf("%+v", r)
	}
}

func TestRSSI(t *testing.T) {
	if RSSIToDBm(45) != -100 || RSSIToDBm(205) != -20 {
		t.Fatal(RSSIToDBm(45), RSSIToDBm(205))
	}
	for dbm := -122; dbm <= 5; dbm++ {
		if got := RSSIToDBm(DBmToRSSI(dbm)); got != dbm {
			t.Fatalf("%d -> %d", dbm, got)
		}
	}
	if DBmToRSSI(-500) != 0 || DBmToRSSI(100) != 255 {
		t.Fatal("clamp")
	}
}

func scanAll(t testing.TB, stream []byte, chunk int) [][]byte {
	return streamtest.Scan(t, streamtest.Chunks(stream, chunk), Split)
}

func TestSplitResync(t *testing.T) {
	m1, _ := Indication(radio.Frame{Data: unhex(t, frameHex), HasRSSI: true, RSSI: -70})
	a := Encode(m1)
	b := Encode(Response(Ping(), nil))
	c := Encode(Message{Endpoint: 1, ID: DevMgmtGetConfigRsp, Payload: []byte{2, 3}, HasCRC: true})
	bad := append([]byte(nil), a...)
	bad[10] ^= 0xFF // FCS mismatch: must be skipped, not swallow what follows
	var stream []byte
	stream = append(stream, 0x00, 0x13, 0x37)
	stream = append(stream, a...)
	stream = append(stream, 0xA5, 0xF1, 0xFF) // A5 with reserved bit: garbage
	stream = append(stream, b...)
	stream = append(stream, bad...)
	stream = append(stream, 0xA5, 0x81) // partial header before c
	stream = append(stream, c...)
	stream = append(stream, 0x55, 0xA5, 0x82) // trailing garbage
	for _, chunk := range []int{1, 3, 7, 4096} {
		got := scanAll(t, stream, chunk)
		if len(got) != 3 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) || !bytes.Equal(got[2], c) {
			t.Fatalf("chunk %d: %d tokens % X", chunk, len(got), got)
		}
	}
}

func FuzzDecode(f *testing.F) {
	m, _ := Indication(radio.Frame{Data: unhex(f, frameHex), HasRSSI: true})
	f.Add(Encode(m))
	f.Add(Encode(Message{Endpoint: 1, ID: 2, HasTimestamp: true, HasCRC: true}))
	f.Add([]byte{0xA5, 0x01, 0x01, 0x00, 0xA5})
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, n, err := Decode(b)
		if err != nil {
			var ce *codec.Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		} else {
			if n > len(b) || !bytes.Equal(Encode(msg), b[:n]) {
				t.Fatalf("re-encode differs")
			}
			_, _ = FrameFromIndication(msg)
			_, _ = ParseConfig(msg.Payload)
			_, _, _ = ParseSetConfig(msg.Payload)
			_, _ = ParseDeviceInfo(msg.Payload)
		}
		for off := 0; off < len(b); {
			adv, tok, err := Split(b[off:], true)
			if err != nil || adv <= 0 && tok == nil || adv > len(b)-off {
				t.Fatalf("split adv=%d err=%v", adv, err)
			}
			if tok != nil {
				if _, _, err := Decode(tok); err != nil {
					t.Fatalf("token does not decode: %v", err)
				}
			}
			if adv == 0 {
				break
			}
			off += adv
		}
	})
}
