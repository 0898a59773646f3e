package dlms

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/internal/streamtest"
)

// hdlcFiles are the corpus samples in HDLC framing.
var hdlcFiles = []string{
	"Noschvie_shrdzm__im350_wels_1.bin",
	"Noschvie_shrdzm__im350_wienernetze_1.bin",
	"Noschvie_shrdzm__im350_wienernetze_2.bin",
	"esphome-libs_dlms_parser__hdlc_iskra550.bin",
	"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin",
	"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin",
	"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin",
	"esphome-libs_dlms_parser__hdlc_landis_gyr_zmf100.bin",
	"esphome-libs_dlms_parser__hdlc_norway_han_1phase.bin",
	"node-dsmr-parser__aidon-example-1.bin",
	"node-dsmr-parser__aidon-example-2-segmented.bin",
	"node-dsmr-parser__aidon-example-2-with-aad.bin",
	"node-dsmr-parser__aidon-example-2-without-aad.bin",
	"node-dsmr-parser__aidon-example-2.bin",
	"node-dsmr-parser__described-list.bin",
	"node-dsmr-parser__iskra-1.bin",
	"node-dsmr-parser__kamstrup-example-1.bin",
	"node-dsmr-parser__kamstrup-example-2.bin",
	"node-dsmr-parser__slovenia-list-1.bin",
	"node-dsmr-parser__slovenia-list-2.bin",
	"wienernetze_am550_pocki.bin",
}

func TestParseHDLCKamstrup(t *testing.T) {
	b := read(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin")
	f, n, err := ParseHDLC(b)
	if err != nil || n != len(b) {
		t.Fatalf("%v n=%d", err, n)
	}
	if f.Length != 489 || f.Segmented || f.Control != 0x13 || f.Dest != (HDLCAddress{Upper: 0x20, Len: 1}) ||
		f.Src != (HDLCAddress{Upper: 1, Len: 1}) || !f.HasHCS || !f.HCSOK || !f.FCSOK || !f.LLC || !f.Trusted() {
		t.Fatalf("%+v", f)
	}
	if f.HCS != 0x37C6 || f.InfoOffset != 8 || f.APDU[0] != GeneralGloCiphering || len(f.Info) != 489-2-1-1-1-2-2 {
		t.Fatalf("HCS %x info at %d, %d bytes", f.HCS, f.InfoOffset, len(f.Info))
	}
	var sb strings.Builder
	codec.WriteLayers(&sb, []codec.Layer{f.Layer(b)})
	for _, want := range []string{"UI-frame, poll/final", "HCS", "= ok", "LLC", "E6, response", "information"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, sb.String())
		}
	}
}

// Addresses of 1, 2 and 4 bytes as the corpus has them.
func TestHDLCAddresses(t *testing.T) {
	for _, tc := range []struct {
		file      string
		dest, src HDLCAddress
		ctrl      byte
	}{
		{"Noschvie_shrdzm__im350_wels_1.bin", HDLCAddress{Upper: 0x67, Len: 1}, HDLCAddress{Upper: 1, Lower: 0x11, Len: 4}, 0x13},
		{"wienernetze_am550_pocki.bin", HDLCAddress{Upper: 0x67, Len: 1}, HDLCAddress{Upper: 1, Lower: 0x11, Len: 2}, 0x13},
		{"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin", HDLCAddress{Upper: 0x67, Lower: 0x7F, Len: 2}, HDLCAddress{Upper: 1, Len: 1}, 0x13},
		{"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin", HDLCAddress{Upper: 0, Len: 1}, HDLCAddress{Upper: 1, Lower: 0, Len: 2}, 0x10},
		{"node-dsmr-parser__aidon-example-2-segmented.bin", HDLCAddress{Upper: 1, Len: 1}, HDLCAddress{Upper: 2, Len: 1}, 0x00},
	} {
		f, _, err := ParseHDLC(read(t, tc.file))
		if err != nil || f.Dest != tc.dest || f.Src != tc.src || f.Control != tc.ctrl {
			t.Errorf("%s: %v dest %+v src %+v ctrl %x", tc.file, err, f.Dest, f.Src, f.Control)
		}
	}
}

func TestAppendHDLCRoundTrip(t *testing.T) {
	for _, addr := range []HDLCAddress{{Upper: 0x10, Len: 1}, {Upper: 1, Lower: 0x11, Len: 2}, {Upper: 0x3FFF, Lower: 0x1234, Len: 4}} {
		for _, info := range [][]byte{nil, {}, []byte("\xE6\xE7\x00\x0F\x40\x00\x00\x00\x00\x11\x05"), bytes.Repeat([]byte{0x7E}, 300)} {
			b, err := AppendHDLC([]byte("x"), addr, HDLCAddress{Upper: 1, Len: 1}, 0x13, len(info) == 300, info)
			if err != nil {
				t.Fatal(err)
			}
			f, n, err := ParseHDLC(b[1:])
			if err != nil || n != len(b)-1 || f.Dest != addr || f.Segmented != (len(info) == 300) || !bytes.Equal(f.Info, info) || (info == nil) != (f.Info == nil) || f.HasHCS != (info != nil) {
				t.Fatalf("%+v %v n=%d\n%x", f, err, n, b)
			}
		}
	}
	if _, err := AppendHDLC(nil, HDLCAddress{Upper: 0x80, Len: 1}, HDLCAddress{Upper: 1, Len: 1}, 0x13, false, nil); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	if _, err := AppendHDLC(nil, HDLCAddress{Upper: 1, Len: 3}, HDLCAddress{Upper: 1, Len: 1}, 0x13, false, nil); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	if _, err := AppendHDLC(nil, HDLCAddress{Upper: 1, Len: 1}, HDLCAddress{Upper: 1, Len: 1}, 0x13, false, make([]byte, 2040)); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// A frame without information has no HCS; its FCS covers the header.
	b, _ := AppendHDLC(nil, HDLCAddress{Upper: 1, Len: 1}, HDLCAddress{Upper: 0x10, Len: 1}, 0x93, false, nil)
	if hex.EncodeToString(b[:6]) != "7ea007032193" || len(b) != 9 {
		t.Fatalf("%x", b)
	}
	b[6] ^= 1
	if _, _, err := ParseHDLC(b); !errors.Is(err, codec.ErrCRC) || !strings.Contains(err.Error(), "FCS") {
		t.Fatal(err)
	}
}

// Every prefix of every frame is truncated, never a panic, never a frame;
// every flipped bit is an error or (inside the information) a reported
// FCS failure.
func TestHDLCTruncationsAndBitFlips(t *testing.T) {
	for _, name := range hdlcFiles {
		b := read(t, name)
		_, n0, err0 := ParseHDLC(b)
		if err0 != nil && !errors.Is(err0, codec.ErrCRC) {
			t.Fatalf("%s: %v", name, err0)
		}
		for i := range n0 {
			if _, _, err := ParseHDLC(b[:i]); !errors.Is(err, codec.ErrTruncated) && !(i == 0 && err != nil) {
				t.Fatalf("%s: prefix %d: %v", name, i, err)
			}
		}
		if err0 != nil {
			continue
		}
		frame := bytes.Clone(b[:n0])
		for i := range len(frame) * 8 {
			frame[i/8] ^= 1 << (i % 8)
			f, _, err := ParseHDLC(frame)
			if err == nil {
				t.Fatalf("%s: bit %d flipped, frame accepted", name, i)
			}
			if errors.Is(err, codec.ErrCRC) && f.Trusted() {
				t.Fatalf("%s: bit %d: CRC error on a trusted frame", name, i)
			}
			frame[i/8] ^= 1 << (i % 8)
		}
	}
}

func TestParseHDLCMalformed(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"", codec.ErrTruncated},
		{"41", codec.ErrMalformed},
		{"7e", codec.ErrTruncated},
		{"7eb0", codec.ErrTruncated},
		{"7eb0070321930000", codec.ErrMalformed},                   // frame type B
		{"7ea0050321930000", codec.ErrMalformed},                   // length below 7
		{"7ea0100202030300000000000000000000", codec.ErrMalformed}, // 3-byte destination
		{"7ea010020202", codec.ErrTruncated},                       // address cut
		{"7ea0070321930000ff", codec.ErrMalformed},                 // no closing flag
		{"7ea0090321931111000000", codec.ErrMalformed},             // no room for HCS and FCS
	} {
		_, _, err := ParseHDLC(unhex(t, tc.hex))
		var ce *codec.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Layer != "hdlc" {
			t.Errorf("%s: %v, want %v", tc.hex, err, tc.want)
		}
	}
}

// A stream of every HDLC sample with noise between them (flags, a fake
// header, a frame with a bad HCS, bytes of a frame's inside), and the same
// with shared flags: the splitter finds exactly the corpus frames, read
// whole or one byte at a time.
func TestSplitHDLCStream(t *testing.T) {
	var want [][]byte
	for _, name := range hdlcFiles {
		b := read(t, name)
		for len(b) > 0 {
			_, n, err := ParseHDLC(b)
			if err != nil && !errors.Is(err, codec.ErrCRC) {
				t.Fatal(err)
			}
			want = append(want, b[:n])
			b = b[n:]
		}
	}
	badHCS, _ := AppendHDLC(nil, HDLCAddress{Upper: 1, Len: 1}, HDLCAddress{Upper: 2, Len: 1}, 0x13, false, []byte{1, 2, 3})
	badHCS[6] ^= 0xFF
	noise := [][]byte{
		{0x7E, 0x7E, 0x7E},
		unhex(t, "7ea7ff0303"),   // fake header claiming 2 KiB
		unhex(t, "00ff7e7ea012"), // junk with flags
		badHCS,
		want[5][:40], // the start of a frame, cut
	}
	var stream, shared []byte
	for i, fr := range want {
		stream = append(stream, noise[i%len(noise)]...)
		stream = append(stream, fr...)
		if i == 0 {
			shared = append(shared, fr...)
		} else {
			shared = append(shared, fr[1:]...) // the previous closing flag opens this one
		}
	}
	stream = append(stream, 0x7E, 0xA0) // a trailing fragment
	for _, tc := range []struct {
		name string
		data []byte
	}{{"noise", stream}, {"shared flags", shared}} {
		for _, r := range []io.Reader{bytes.NewReader(tc.data), iotest.OneByteReader(bytes.NewReader(tc.data)), iotest.HalfReader(bytes.NewReader(tc.data))} {
			got := streamtest.Scan(t, r, SplitHDLC)
			if len(got) != len(want) {
				t.Fatalf("%s: %d frames, want %d", tc.name, len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s: frame %d differs:\n%x\n%x", tc.name, i, got[i], want[i])
				}
			}
		}
	}
}

func TestHDLCAssembler(t *testing.T) {
	b := read(t, "esphome-libs_dlms_parser__hdlc_iskra550.bin")
	var frames []HDLCFrame
	for len(b) > 0 {
		f, n, err := ParseHDLC(b)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
		b = b[n:]
	}
	if len(frames) != 3 || !frames[0].Segmented || !frames[1].Segmented || frames[2].Segmented || frames[1].LLC {
		t.Fatalf("segments %d", len(frames))
	}
	var a HDLCAssembler
	for i := range 2 {
		if apdu, done, err := a.Add(&frames[i]); apdu != nil || done || err != nil || a.Pending() != i+1 {
			t.Fatalf("segment %d: %v %v", i, done, err)
		}
	}
	apdu, done, err := a.Add(&frames[2])
	if !done || err != nil || len(apdu) != 340 || apdu[0] != DataNotificationTag || a.Pending() != 0 || !a.LLC() {
		t.Fatalf("%v %v %d", done, err, len(apdu))
	}
	first := bytes.Clone(apdu)
	for i := range 3 { // the next message starts from an empty buffer
		apdu, done, err = a.Add(&frames[i])
	}
	if !done || err != nil || !bytes.Equal(apdu, first) {
		t.Fatalf("second message: %v %v %d", done, err, len(apdu))
	}

	// An untrusted middle segment drops the message; its last segment is
	// then skipped, and the next message assembles.
	bad := frames[1]
	bad.FCSOK = false
	a.Add(&frames[0])
	if _, _, err := a.Add(&bad); !errors.Is(err, codec.ErrCRC) {
		t.Fatal(err)
	}
	if _, done, err := a.Add(&frames[2]); done || !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("%v %v", done, err)
	}
	for i := range 3 {
		apdu, done, err = a.Add(&frames[i])
	}
	if !done || err != nil || len(apdu) != 340 {
		t.Fatalf("after resync: %v %v", done, err)
	}

	// Segments from another address.
	other := frames[1]
	other.Src.Upper++
	a.Add(&frames[0])
	if _, _, err := a.Add(&other); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	a.Reset()

	// Limits.
	a = HDLCAssembler{MaxSize: 300}
	a.Add(&frames[0])
	if _, _, err := a.Add(&frames[1]); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	a = HDLCAssembler{MaxSegments: 2}
	a.Add(&frames[0])
	a.Add(&frames[1])
	if _, _, err := a.Add(&frames[2]); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatal(err)
	}
	// An unsegmented frame passes through without a copy.
	a.Reset()
	k, _, _ := ParseHDLC(read(t, "node-dsmr-parser__aidon-example-2.bin"))
	apdu, done, err = a.Add(&k)
	if !done || err != nil || &apdu[0] != &k.APDU[0] {
		t.Fatal("unsegmented frame copied or refused", err)
	}
}
