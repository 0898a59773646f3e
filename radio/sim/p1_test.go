package sim

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/serialport"
)

// A smarty meter on a pty: encrypted frames with increasing frame
// counters, every one decrypting with the published key; after an unplug
// the meter goes on where it was.
func TestP1Smarty(t *testing.T) {
	plain, err := os.ReadFile("../../dlms/testdata/smarty_tutorial_plain.txt")
	if err != nil {
		t.Fatal(err)
	}
	key := []byte{0xAE, 0xBD, 0x21, 0xB7, 0x69, 0xA6, 0xD1, 0x3C, 0x0D, 0xF0, 0x64, 0xE3, 0x83, 0x68, 0x2E, 0xFF}
	var fc atomic.Uint32
	fc.Store(1000)
	meter := NewP1(func() []byte {
		s := dlms.Seal{SystemTitle: [8]byte{'S', 'A', 'G', 'g', 'p', 0x01, 0x5B, 0xEB}, FC: fc.Add(1), Key: key, AK: dlms.SmartyAK}
		b, err := dlms.AppendCiphered(nil, &s, plain)
		if err != nil {
			panic(err)
		}
		return b
	}, 10*time.Millisecond)
	s, err := NewStick(filepath.Join(t.TempDir(), "ttyUSB0"), meter)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := &p1.Decoder{Key: key}
	var last uint32
	for round := range 2 {
		p, err := serialport.Open(radio.Device{Kind: radio.KindP1, Path: s.Path(), Raw: "p1:" + s.Path()})
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(p)
		sc.Buffer(nil, 1<<16)
		sc.Split(p1.Split)
		for i := 0; i < 3 && sc.Scan(); i++ {
			r, err := d.Decode(sc.Bytes())
			if err != nil || r.Security.Status != "decrypted" || r.Security.FC <= last {
				t.Fatalf("round %d unit %d: %v %+v", round, i, err, r.Security)
			}
			last = r.Security.FC
		}
		if sc.Err() != nil {
			t.Fatal(sc.Err())
		}
		s.Unplug()
		p.Close()
		if err := s.Plug(); err != nil {
			t.Fatal(err)
		}
	}
}

// A DSMR text meter: telegrams written as next returns them.
func TestP1Text(t *testing.T) {
	tg, err := os.ReadFile("../../dsmr/testdata/dsmr_parser__TELEGRAM_V5.txt")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	meter := NewP1(func() []byte {
		n.Add(1)
		return append([]byte("noise "+strconv.Itoa(int(n.Load()))), tg...)
	}, 5*time.Millisecond)
	s, err := NewStick(filepath.Join(t.TempDir(), "ttyUSB1"), meter)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := serialport.Open(radio.Device{Kind: radio.KindP1, Path: s.Path(), Raw: "p1:" + s.Path()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sc := bufio.NewScanner(p)
	sc.Split(p1.Split)
	var d p1.Decoder
	for i := 0; i < 5 && sc.Scan(); i++ {
		r, err := d.Decode(sc.Bytes())
		if err != nil || r.Telegram == nil || !r.Telegram.CRC.OK {
			t.Fatalf("telegram %d: %v", i, err)
		}
	}
}
