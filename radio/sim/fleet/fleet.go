// Package fleet is a virtual fleet of smart meters for device simulators,
// `meterwire simulate`, the gateway's demo mode and load tests: wireless
// M-Bus water, heat, gas and electricity meters with the security
// configurations found in the field (TPL mode 5, OMS 4 mode 7 with AFL
// MAC, ELL AES-CTR, plain), and a Luxembourg smarty P1 meter (DSMR 5 in
// DLMS AES-128-GCM).
//
// Each meter carries its own AES key (fixed test keys: the meters are
// simulated) and advances its counters with time at a rate typical of its
// kind, with a little randomness from a seeded source: given the seed and
// the times passed to Next, a fleet's frames are the same on every run.
// Values gives the readings a meter last sent, under the names the
// decoders give them, so tests can check a decoded frame against it.
package fleet

import (
	"container/heap"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/wmbus"
)

// Fleet is a set of simulated meters. Build one with Default, DefaultSeed
// or Generate.
type Fleet struct {
	// Clock gives the time stamped on the frames Run and RunP1 send; nil
	// means time.Now. (The pacing itself is in real time.)
	Clock func() time.Time

	meters []*Meter
	byAddr map[uint64]*Meter
	byName map[string]*Meter
	p1     *P1Meter
}

func addrKey(a wmbus.Address) uint64 { return uint64(a.Manufacturer)<<32 | uint64(a.ID) }

func newFleet(meters []*Meter, p1 *P1Meter) *Fleet {
	f := &Fleet{meters: meters, p1: p1, byAddr: make(map[uint64]*Meter, len(meters)), byName: make(map[string]*Meter, len(meters))}
	for _, m := range meters {
		f.byAddr[addrKey(m.Address)] = m
		f.byName[m.Name] = m
	}
	return f
}

func mustKey(s string) []byte {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 16 {
		panic("fleet: bad built-in key")
	}
	return k
}

func mfr(code string) uint16 {
	m, ok := wmbus.ParseManufacturer(code)
	if !ok {
		panic("fleet: bad manufacturer " + code)
	}
	return m
}

// DefaultSeed is the seed of Default.
const DefaultSeed = 1

// Default returns the demo fleet with seed DefaultSeed: five wM-Bus meters
// and a smarty P1 meter.
//
//	name         kind         address               mode  format  security
//	cold-water   water        APA 45100001 v1 0x07  T1    A       TPL mode 5 (short header)
//	warm-water   water        APA 45100002 v1 0x06  S1    A       TPL mode 5 (long header)
//	heat         heat         KAM 67200001 v27 0x04 C1    A       ELL 8C + AFL MAC + TPL mode 7
//	gas          gas          ELS 33300001 v51 0x03 C1    B       ELL 8D AES-CTR
//	electricity  electricity  EMH 88800001 v2 0x02  T1    A       none (long header)
//	smarty       P1           SAG (system title)    -     -       DLMS AES-128-GCM
func Default() *Fleet { return NewDefault(DefaultSeed) }

// NewDefault returns the demo fleet of Default with another seed: the
// same meters and keys, other random variations.
func NewDefault(seed int64) *Fleet {
	lu := profileLU.Location
	meters := []*Meter{
		{
			Name: "cold-water", Kind: KindWater,
			Address: wmbus.Address{Manufacturer: mfr("APA"), ID: 0x45100001, Version: 0x01, Type: 0x07},
			Mode:    radio.ModeT1, Format: wmbus.FormatA, Security: SecurityMode5,
			Key:      mustKey("6A3F1C0E9B2D4875A1C3E5F708192B3D"),
			Interval: 60 * time.Second, RSSI: -67, Location: lu,
		},
		{
			Name: "warm-water", Kind: KindWater,
			Address: wmbus.Address{Manufacturer: mfr("APA"), ID: 0x45100002, Version: 0x01, Type: 0x06},
			Mode:    radio.ModeS1, Format: wmbus.FormatA, Security: SecurityMode5, LongHeader: true,
			Key:      mustKey("D41E8B27C06F3A95E2147B6C0D9F8A53"),
			Interval: 90 * time.Second, RSSI: -74, Location: lu,
		},
		{
			Name: "heat", Kind: KindHeat,
			Address: wmbus.Address{Manufacturer: mfr("KAM"), ID: 0x67200001, Version: 0x1B, Type: 0x04},
			Mode:    radio.ModeC1, Format: wmbus.FormatA, Security: SecurityMode7,
			Key:      mustKey("3C9E51A7F2084DB6190C7E2A5B43F86D"),
			Interval: 120 * time.Second, RSSI: -81, Location: lu,
		},
		{
			Name: "gas", Kind: KindGas,
			Address: wmbus.Address{Manufacturer: mfr("ELS"), ID: 0x33300001, Version: 0x33, Type: 0x03},
			Mode:    radio.ModeC1, Format: wmbus.FormatB, Security: SecurityELL,
			Key:      mustKey("8F2A6D13B5C7E9040A1B2C3D4E5F6071"),
			Interval: 240 * time.Second, RSSI: -88, Location: lu,
		},
		{
			Name: "electricity", Kind: KindElectricity,
			Address: wmbus.Address{Manufacturer: mfr("EMH"), ID: 0x88800001, Version: 0x02, Type: 0x02},
			Mode:    radio.ModeT1, Format: wmbus.FormatA, Security: SecurityNone, LongHeader: true,
			Key:      mustKey("1B7D3F5A9C0E2486A8CAE0F1325476B9"),
			Interval: 30 * time.Second, RSSI: -58, Location: lu,
		},
	}
	meters[0].setup(seed, 0, profile{base: 0.0065}, 123.456, 0, 0, 0)
	meters[1].setup(seed, 1, profile{base: 0.0030}, 45.678, 0, 0, 0)
	meters[2].setup(seed, 2, profile{base: 1.8}, 312.50, 4321.3, 0, 0)
	meters[3].setup(seed, 3, profile{base: 0.10}, 2876.5, 0, 0, 0)
	meters[4].setup(seed, 4, profile{base: 380, solar: 1200}, 0, 0, 15234567, 2345678)
	p := &P1Meter{
		Name:           "smarty",
		SystemTitle:    [8]byte{'S', 'A', 'G', 0x67, 0x70, 0x02, 0x3C, 0x41},
		Key:            mustKey("5C2B8E71A04D93F6B81E27C05A6D39F4"),
		AK:             dlms.SmartyAK,
		Identification: `Lux5\253700001_D`,
		EquipmentID:    "SAG1030700012345",
		GasID:          "FLO1899000123456",
		Interval:       10 * time.Second,
		Location:       lu,
	}
	p.setup(seed, 5, 550, 4000, 8123456, 1234567, 1534.218)
	return newFleet(meters, p)
}

// Generate returns a fleet of n wM-Bus meters for load tests, cycling
// through water (mode 5), heat (mode 7), gas (ELL AES-CTR) and
// electricity (plain, every other one mode 5), each with a distinct
// identification number (8 decimal digits, so n is at most 10^8) and a
// distinct key derived from seed. The fleet has no P1 meter.
func Generate(n int, seed int64) *Fleet {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x666c656574)) // "fleet"
	base := 10000000 + rng.IntN(80000000)
	meters := make([]*Meter, n)
	modes := [...]radio.LinkMode{radio.ModeT1, radio.ModeC1}
	for i := range meters {
		m := &Meter{
			Address:  wmbus.Address{ID: bcdID(base + i), Version: byte(1 + i%16)},
			Format:   wmbus.FormatA,
			Mode:     modes[rng.IntN(len(modes))],
			Key:      make([]byte, 16),
			Interval: time.Duration(30+rng.IntN(270)) * time.Second,
			RSSI:     -50 - rng.IntN(50),
		}
		for j := 0; j < 12; j++ {
			m.Key[j] = byte(rng.Uint32())
		}
		// The index in the last four bytes makes every key distinct.
		m.Key[12], m.Key[13], m.Key[14], m.Key[15] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		var p profile
		var volume, energy, imp float64
		switch i % 4 {
		case 0:
			m.Kind, m.Security = KindWater, SecurityMode5
			m.Address.Manufacturer, m.Address.Type = mfr("APA"), 0x07
			p.base, volume = 0.004+0.004*rng.Float64(), 1000*rng.Float64()
		case 1:
			m.Kind, m.Security, m.Mode = KindHeat, SecurityMode7, radio.ModeC1
			m.Address.Manufacturer, m.Address.Type = mfr("KAM"), 0x04
			p.base, volume, energy = 1+2*rng.Float64(), 500*rng.Float64(), 20000*rng.Float64()
		case 2:
			m.Kind, m.Security, m.Mode, m.Format = KindGas, SecurityELL, radio.ModeC1, wmbus.FormatB
			m.Address.Manufacturer, m.Address.Type = mfr("ELS"), 0x03
			p.base, volume = 0.05+0.1*rng.Float64(), 5000*rng.Float64()
		case 3:
			m.Kind = KindElectricity
			if i%8 == 7 {
				m.Security = SecurityMode5
			}
			m.Address.Manufacturer, m.Address.Type = mfr("EMH"), 0x02
			p.base, imp = 200+400*rng.Float64(), 3e7*rng.Float64()
		}
		m.Name = fmt.Sprintf("%s-%d", m.Kind, i)
		m.setup(seed, uint64(i), p, volume, energy, imp, 0)
		meters[i] = m
	}
	return newFleet(meters, nil)
}

// Meters returns the wM-Bus meters in a new slice.
func (f *Fleet) Meters() []*Meter { return append([]*Meter(nil), f.meters...) }

// P1 returns the P1 meter, nil if the fleet has none.
func (f *Fleet) P1() *P1Meter { return f.p1 }

// ResumeAfter is the earliest time at which a fleet started anew (the same
// meters, counting again from their seeds) sends message and frame
// counters above every one this fleet has sent. The counters follow the
// clock in tenths of a second (clockCounter), and run ahead of it when a
// meter transmits more than ten times a second or in a burst after its
// schedule fell behind. A real meter never starts its counters again; a
// restarted simulation stands for one only from this time on, and a
// gateway that keeps its replay state rightly refuses the counters of one
// restarted sooner.
func (f *Fleet) ResumeAfter() time.Time {
	var c uint32
	for _, m := range f.meters {
		m.mu.Lock()
		c = max(c, m.mcr)
		m.mu.Unlock()
	}
	if f.p1 != nil {
		c = max(c, f.p1.FrameCounter())
	}
	return counterTime(c + 1)
}

// Meter returns the wM-Bus meter with the given name, nil if none.
func (f *Fleet) Meter(name string) *Meter { return f.byName[name] }

// Lookup returns the wM-Bus meter with a's manufacturer and
// identification number (version and device type are not compared), nil
// if none.
func (f *Fleet) Lookup(a wmbus.Address) *Meter { return f.byAddr[addrKey(a)] }

// KeyFunc returns the fleet's keys for wmbus.Decoder.Keys: the key of
// the meter with the address's manufacturer and identification number,
// nil for meters not in the fleet. It is safe for concurrent use.
func (f *Fleet) KeyFunc() wmbus.KeyFunc {
	return func(a wmbus.Address) []byte {
		if m := f.byAddr[addrKey(a)]; m != nil {
			return m.Key
		}
		return nil
	}
}

func (f *Fleet) now() time.Time {
	if f.Clock != nil {
		return f.Clock()
	}
	return time.Now()
}

// schedule is a min-heap of meters by next transmission time.
type schedule []*slot

type slot struct {
	at    time.Time
	every time.Duration
	m     *Meter
}

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].at.Before(s[j].at) }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(*slot)) }
func (s *schedule) Pop() any {
	old := *s
	x := old[len(old)-1]
	*s = old[:len(old)-1]
	return x
}

// Run transmits every wM-Bus meter on air until ctx ends: each meter at
// its Interval, or, when every is positive, every meter every `every`
// (demo mode). First transmissions are spread over one interval so that
// meters do not all speak at once. Each packet carries the meter's link
// mode, frame format, a varying RSSI and the meter as From. Run returns
// nil when ctx ends, or the first error building a frame.
func (f *Fleet) Run(ctx context.Context, air *sim.Air, every time.Duration) error {
	if len(f.meters) == 0 {
		<-ctx.Done()
		return nil
	}
	start := time.Now()
	s := make(schedule, 0, len(f.meters))
	for i, m := range f.meters {
		iv := m.Interval
		if every > 0 {
			iv = every
		}
		if iv <= 0 {
			iv = time.Minute
		}
		s = append(s, &slot{at: start.Add(iv * time.Duration(i) / time.Duration(len(f.meters))), every: iv, m: m})
	}
	heap.Init(&s)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		timer.Reset(time.Until(s[0].at))
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		now := time.Now()
		for !s[0].at.After(now) {
			sl := s[0]
			frame, err := sl.m.Next(f.now())
			if err != nil {
				return fmt.Errorf("fleet: meter %s: %w", sl.m.Name, err)
			}
			air.Transmit(sim.Packet{Frame: frame, Format: sl.m.Format, From: sl.m})
			sl.at = sl.at.Add(sl.every)
			if sl.at.Before(now) { // fell behind: skip the missed slots
				sl.at = now.Add(sl.every)
			}
			heap.Fix(&s, 0)
			if ctx.Err() != nil {
				return nil
			}
		}
	}
}

// RunP1 writes the P1 meter's frames to w (a simulated P1 port) until ctx
// ends: every `every`, or at the meter's Interval when every is not
// positive. It returns nil when ctx ends, the write error, or an error if
// the fleet has no P1 meter.
func (f *Fleet) RunP1(ctx context.Context, w io.Writer, every time.Duration) error {
	p := f.p1
	if p == nil {
		return fmt.Errorf("fleet: no P1 meter")
	}
	if every <= 0 {
		every = p.Interval
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		frame, err := p.Next(f.now())
		if err != nil {
			return fmt.Errorf("fleet: meter %s: %w", p.Name, err)
		}
		if _, err := w.Write(frame); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
