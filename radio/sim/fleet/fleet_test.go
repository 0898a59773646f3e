package fleet

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dsmr"
	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/sim"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

var t0 = time.Date(2024, 3, 15, 9, 30, 0, 0, time.UTC)

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a))
}

// sameValues reports every difference between the decoded fields and the
// expected values; with exact, keys in got that are not expected count too.
func sameValues(t *testing.T, who string, got, want map[string]any, exact bool) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: field %s missing (want %v)", who, k, w)
			continue
		}
		if wf, ok := w.(float64); ok {
			if gf, ok := g.(float64); !ok || !near(gf, wf) {
				t.Errorf("%s: %s = %v (%T), want %v", who, k, g, g, w)
			}
			continue
		}
		if g != w {
			t.Errorf("%s: %s = %v (%T), want %v (%T)", who, k, g, g, w, w)
		}
	}
	if exact {
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unexpected field %s = %v", who, k, g)
			}
		}
	}
}

// accessNumber returns the access number of a decoded frame: the TPL's,
// or the ELL's when the TPL has no header.
func accessNumber(tel *wmbus.Telegram) byte {
	if tel.TPL.Header == wmbus.HeaderNone {
		return tel.ELL.ACC
	}
	return tel.TPL.ACC
}

// mainCounter returns the register that must grow with time: volume,
// heat energy, or for electricity import plus export (a PV system may
// export all day).
func mainCounter(k Kind, v map[string]any) float64 {
	switch k {
	case KindHeat:
		return v["total_energy_kwh"].(float64)
	case KindElectricity:
		return v["total_energy_kwh"].(float64) + v["total_energy_backward_kwh"].(float64)
	}
	return v["total_m3"].(float64)
}

func TestDefaultMetersDecode(t *testing.T) {
	f := Default()
	if len(f.Meters()) < 4 || f.P1() == nil {
		t.Fatalf("default fleet: %d wM-Bus meters, P1 %v", len(f.Meters()), f.P1())
	}
	kinds := map[Kind]bool{}
	securities := map[Security]bool{}
	for _, m := range f.Meters() {
		kinds[m.Kind] = true
		securities[m.Security] = true
		var dec telegram.Decoder
		dec.WMBus.Keys = f.KeyFunc()
		var prevACC byte
		var prevMCR uint32
		var prevMain float64
		for i := range 4 {
			at := t0.Add(time.Duration(i) * 3 * time.Hour)
			fr, err := m.Next(at)
			if err != nil {
				t.Fatalf("%s: Next: %v", m.Name, err)
			}
			if fr.Mode != m.Mode || !fr.HasRSSI || fr.RSSI > m.RSSI+3 || fr.RSSI < m.RSSI-3 || !fr.Time.Equal(at) || fr.P1 {
				t.Errorf("%s: frame mode %v rssi %d (has %v) time %v", m.Name, fr.Mode, fr.RSSI, fr.HasRSSI, fr.Time)
			}
			if int(fr.Data[0]) != len(fr.Data)-1 {
				t.Fatalf("%s: L = %d for %d bytes", m.Name, fr.Data[0], len(fr.Data))
			}
			// Decode the frame as it goes on the air, with its CRCs.
			raw, err := wmbus.AppendCRC(nil, fr.Data, m.Format)
			if err != nil {
				t.Fatal(err)
			}
			res, err := dec.Decode(raw)
			if err != nil {
				t.Fatalf("%s frame %d: decode: %v", m.Name, i, err)
			}
			tel := res.Telegram
			if tel.Format != m.Format {
				t.Errorf("%s: format %v, want %v", m.Name, tel.Format, m.Format)
			}
			if tel.Meter() != m.Address || tel.Link != m.Address {
				t.Errorf("%s: address %v, want %v", m.Name, tel.Meter(), m.Address)
			}
			wantStatus := wmbus.StatusDecrypted
			if m.Security == SecurityNone {
				wantStatus = wmbus.StatusPlain
			}
			if tel.Security.Status != wantStatus || tel.Security.Mode() != m.Security.String() {
				t.Errorf("%s: security %s %s, want %s %s", m.Name, tel.Security.Mode(), tel.Security.Status, m.Security, wantStatus)
			}
			if m.Security == SecurityMode7 && tel.Security.MAC != wmbus.MACVerified {
				t.Errorf("%s: MAC %v", m.Name, tel.Security.MAC)
			}
			got := mbus.Fields(res.Records)
			want := m.Values()
			sameValues(t, m.Name, got, want, true)
			if _, ok := want["meter_datetime"]; !ok {
				t.Errorf("%s: no meter_datetime", m.Name)
			}
			main := mainCounter(m.Kind, want)
			acc := accessNumber(tel)
			if i > 0 {
				if acc != prevACC+1 {
					t.Errorf("%s: access number %d after %d", m.Name, acc, prevACC)
				}
				if !(main > prevMain) {
					t.Errorf("%s: counter %v after 3 h, was %v", m.Name, main, prevMain)
				}
				if tel.AFL.Present && tel.AFL.MCR <= prevMCR {
					t.Errorf("%s: message counter %d after %d", m.Name, tel.AFL.MCR, prevMCR)
				}
			}
			prevACC, prevMCR, prevMain = acc, tel.AFL.MCR, main
		}
		if m.Frames() != 4 {
			t.Errorf("%s: Frames() = %d", m.Name, m.Frames())
		}
	}
	for _, k := range []Kind{KindWater, KindHeat, KindGas, KindElectricity} {
		if !kinds[k] {
			t.Errorf("no %s meter", k)
		}
	}
	for _, s := range []Security{SecurityNone, SecurityMode5, SecurityMode7, SecurityELL} {
		if !securities[s] {
			t.Errorf("no meter with security %s", s)
		}
	}
}

func TestWrongAndNoKey(t *testing.T) {
	f := Default()
	for _, m := range f.Meters() {
		fr, err := m.Next(t0)
		if err != nil {
			t.Fatal(err)
		}
		wrong := bytes.Clone(m.Key)
		wrong[0] ^= 0x55
		var dec telegram.Decoder
		dec.WMBus.Format = wmbus.FormatNone
		dec.WMBus.Keys = wmbus.StaticKey(wrong)
		res, err := dec.Decode(fr.Data)
		if m.Security == SecurityNone {
			if err != nil || res.Telegram.Security.Status != wmbus.StatusPlain {
				t.Errorf("%s (plain) with a key: %v", m.Name, err)
			}
		} else {
			if !errors.Is(err, wmbus.ErrWrongKey) || res == nil || res.Telegram.Security.Status != wmbus.StatusWrongKey {
				t.Errorf("%s with a wrong key: err %v, result %v", m.Name, err, res)
			}
			if err != nil && strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(hexString(wrong))) {
				t.Errorf("%s: the error shows the key", m.Name)
			}
		}

		dec = telegram.Decoder{}
		dec.WMBus.Format = wmbus.FormatNone
		res, err = dec.Decode(fr.Data)
		if m.Security == SecurityNone {
			if err != nil || len(res.Records) == 0 {
				t.Errorf("%s (plain) without keys: %v", m.Name, err)
			}
			continue
		}
		if !errors.Is(err, wmbus.ErrNoKey) || res == nil || res.Telegram.Security.Status != wmbus.StatusNoKey || len(res.Records) != 0 {
			t.Errorf("%s without keys: err %v, result %+v", m.Name, err, res)
		}
	}
}

func hexString(b []byte) string {
	const h = "0123456789ABCDEF"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, h[c>>4], h[c&15])
	}
	return string(s)
}

func TestP1Decode(t *testing.T) {
	f := Default()
	p := f.P1()
	if p.Values() != nil {
		t.Errorf("Values before the first telegram: %v", p.Values())
	}
	dec := p1.Decoder{Key: p.Key}
	var prevFC uint32
	var prevImport, prevGas float64
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 2 * time.Hour)
		frame, err := p.Next(at)
		if err != nil {
			t.Fatal(err)
		}
		r, err := dec.Decode(frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if r.Security.Status != "decrypted" || r.Security.Mode != "aes-128-gcm" || r.Security.SystemTitle != p.SystemTitle {
			t.Errorf("security %+v", r.Security)
		}
		if r.Telegram.Profile != dsmr.ProfileLU || !r.Telegram.CRC.OK || len(r.Telegram.Unparsed) != 0 {
			t.Errorf("telegram: profile %v, CRC %+v, unparsed %v", r.Telegram.Profile.Name, r.Telegram.CRC, r.Telegram.Unparsed)
		}
		want := p.Values()
		sameValues(t, "smarty", r.Telegram.Fields(), want, false)
		if fc := p.FrameCounter(); r.Security.FC != fc || i > 0 && fc <= prevFC {
			t.Errorf("frame counter %d (meter says %d), previous %d", r.Security.FC, fc, prevFC)
		}
		imp := want["energy_import_kwh"].(float64) + want["energy_export_kwh"].(float64)
		gas := want["gas_m3"].(float64)
		if i > 0 && (!(imp > prevImport) || !(gas > prevGas)) {
			t.Errorf("after 2 h: import+export %v (was %v), gas %v (was %v)", imp, prevImport, gas, prevGas)
		}
		// Import and export power are the sums of the phases.
		var sumImp, sumExp float64
		for _, ph := range []string{"l1", "l2", "l3"} {
			sumImp += want["power_import_"+ph+"_kw"].(float64)
			sumExp += want["power_export_"+ph+"_kw"].(float64)
		}
		if !near(sumImp, want["power_import_kw"].(float64)) || !near(sumExp, want["power_export_kw"].(float64)) {
			t.Errorf("phase sums %v/%v, totals %v/%v", sumImp, sumExp, want["power_import_kw"], want["power_export_kw"])
		}
		prevFC, prevImport, prevGas = r.Security.FC, imp, gas
	}

	frame, err := p.Next(t0.Add(11 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wrong := bytes.Clone(p.Key)
	wrong[15] ^= 1
	bad := p1.Decoder{Key: wrong}
	r, err := bad.Decode(frame)
	if err == nil || (r.Security.Status != "wrong-key" && r.Security.Status != "auth-failed") || r.Telegram != nil {
		t.Errorf("wrong key: err %v, status %q", err, r.Security.Status)
	}
	if !errors.Is(err, codec.ErrWrongKey) && !errors.Is(err, codec.ErrAuth) {
		t.Errorf("wrong key: error %v wraps neither ErrWrongKey nor ErrAuth", err)
	}
	var none p1.Decoder
	r, err = none.Decode(frame)
	if !errors.Is(err, codec.ErrNoKey) || r.Security.Status != "no-key" {
		t.Errorf("no key: err %v, status %q", err, r.Security.Status)
	}
}

func TestP1Telegram(t *testing.T) {
	p := Default().P1()
	text := p.NextTelegram(t0)
	fc := p.FrameCounter()
	tg, err := dsmr.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if !tg.CRC.OK || tg.CRC.Digits != 4 || tg.CRC.LowerCase || tg.Header != p.Identification || tg.Profile != dsmr.ProfileLU {
		t.Errorf("CRC %+v, header %q, profile %s", tg.CRC, tg.Header, tg.Profile.Name)
	}
	sameValues(t, "smarty plain", tg.Fields(), p.Values(), false)
	if p.FrameCounter() != fc {
		t.Error("NextTelegram changed the frame counter")
	}
	if !bytes.HasPrefix(text, []byte("/Lux5\\2")) || !bytes.HasSuffix(text, []byte("\r\n")) {
		t.Errorf("telegram:\n%s", text)
	}
}

func TestCountersNeverDecrease(t *testing.T) {
	f := Default()
	for _, m := range f.Meters() {
		if _, err := m.Next(t0.Add(5 * time.Hour)); err != nil {
			t.Fatal(err)
		}
		before := mainCounter(m.Kind, m.Values())
		if _, err := m.Next(t0); err != nil { // the clock went back
			t.Fatal(err)
		}
		if after := mainCounter(m.Kind, m.Values()); after < before {
			t.Errorf("%s: %v after %v", m.Name, after, before)
		}
	}
}

func TestDeterministic(t *testing.T) {
	frames := func(f *Fleet) [][]byte {
		var out [][]byte
		for i := range 3 {
			at := t0.Add(time.Duration(i) * 47 * time.Minute)
			for _, m := range f.Meters() {
				fr, err := m.Next(at)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, fr.Data)
			}
			b, err := f.P1().Next(at)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	a, b, c := frames(NewDefault(7)), frames(NewDefault(7)), frames(NewDefault(8))
	same := 0
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("frame %d differs with the same seed", i)
		}
		if bytes.Equal(a[i], c[i]) {
			same++
		}
	}
	if same == len(a) {
		t.Error("another seed gives the same frames")
	}
}

func TestGenerateUnique(t *testing.T) {
	f := Generate(1000, 42)
	ms := f.Meters()
	if len(ms) != 1000 || f.P1() != nil {
		t.Fatalf("%d meters, P1 %v", len(ms), f.P1())
	}
	ids := map[uint64]bool{}
	names := map[string]bool{}
	keys := map[string]bool{}
	kinds := map[Kind]int{}
	for _, m := range ms {
		a := m.Address
		if ids[addrKey(a)] || names[m.Name] || keys[string(m.Key)] {
			t.Fatalf("%s: duplicate id, name or key", m.Name)
		}
		ids[addrKey(a)], names[m.Name], keys[string(m.Key)] = true, true, true
		for s := a.IDString(); len(s) > 0; s = s[1:] {
			if s[0] < '0' || s[0] > '9' {
				t.Fatalf("%s: id %s is not decimal", m.Name, a.IDString())
			}
		}
		if f.Lookup(a) != m || f.Meter(m.Name) != m {
			t.Fatalf("%s: Lookup/Meter", m.Name)
		}
		kinds[m.Kind]++
	}
	if len(kinds) != 4 {
		t.Errorf("kinds %v", kinds)
	}
	// Every so often a meter's frame decodes with the fleet's keys.
	var dec telegram.Decoder
	dec.WMBus.Keys = f.KeyFunc()
	dec.WMBus.Format = wmbus.FormatNone
	for i := 0; i < len(ms); i += 37 {
		m := ms[i]
		for j := range 2 {
			fr, err := m.Next(t0.Add(time.Duration(j) * time.Hour))
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			res, err := dec.Decode(fr.Data)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			sameValues(t, m.Name, mbus.Fields(res.Records), m.Values(), true)
		}
	}
	g := Generate(1000, 42)
	for i, m := range g.Meters() {
		if m.Address != ms[i].Address || !bytes.Equal(m.Key, ms[i].Key) {
			t.Fatalf("Generate is not deterministic at %d", i)
		}
	}
}

func TestKeyFunc(t *testing.T) {
	f := Default()
	kf := f.KeyFunc()
	for _, m := range f.Meters() {
		if k := kf(m.Address); !bytes.Equal(k, m.Key) || len(k) != 16 {
			t.Errorf("%s: KeyFunc", m.Name)
		}
	}
	if kf(wmbus.Address{Manufacturer: 1, ID: 0x99999999}) != nil {
		t.Error("KeyFunc knows a stranger")
	}
	seen := map[string]string{}
	for _, m := range f.Meters() {
		if other, dup := seen[string(m.Key)]; dup {
			t.Errorf("%s and %s share a key", m.Name, other)
		}
		seen[string(m.Key)] = m.Name
	}
	if bytes.Equal(f.P1().Key, f.Meters()[0].Key) {
		t.Error("P1 key reused")
	}
}

func TestValuesBeforeFirstFrame(t *testing.T) {
	m := Default().Meter("cold-water")
	v := m.Values()
	if v["total_m3"] != 123.456 {
		t.Errorf("starting volume %v", v["total_m3"])
	}
	if _, ok := v["meter_datetime"]; ok {
		t.Error("meter_datetime before the first frame")
	}
}

func TestRun(t *testing.T) {
	f := Default()
	f.Clock = func() time.Time { return t0 }
	air := sim.NewAir()
	ch, stop := air.Listen(radio.ModeUnknown, nil)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, air, 2*time.Millisecond) }()

	var dec telegram.Decoder
	dec.WMBus.Keys = f.KeyFunc()
	heard := map[*Meter]int{}
	timeout := time.After(5 * time.Second)
	for len(heard) < len(f.Meters()) || minCount(heard) < 2 {
		select {
		case p := <-ch:
			m, ok := p.From.(*Meter)
			if !ok {
				t.Fatalf("packet from %T", p.From)
			}
			heard[m]++
			if p.Format != m.Format || p.Frame.Mode != m.Mode || !p.Frame.Time.Equal(t0) || !p.Frame.HasRSSI {
				t.Errorf("%s: packet format %v mode %v time %v", m.Name, p.Format, p.Frame.Mode, p.Frame.Time)
			}
			res, err := dec.Decode(p.Frame.Data)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			if res.Telegram.Meter() != m.Address {
				t.Errorf("packet from %s has address %v", m.Name, res.Telegram.Meter())
			}
		case <-timeout:
			t.Fatalf("heard %d meters", len(heard))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func minCount(m map[*Meter]int) int {
	n := math.MaxInt
	for _, c := range m {
		n = min(n, c)
	}
	return n
}

// frameWriter keeps each Write as one frame.
type frameWriter struct {
	mu     sync.Mutex
	frames [][]byte
}

func (w *frameWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames = append(w.frames, bytes.Clone(b))
	return len(b), nil
}

func (w *frameWriter) get() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.frames...)
}

func TestRunP1(t *testing.T) {
	f := Default()
	var w frameWriter
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.RunP1(ctx, &w, time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.get()) < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	dec := p1.Decoder{Key: f.P1().Key}
	frames := w.get()
	if len(frames) < 3 {
		t.Fatalf("%d frames", len(frames))
	}
	for i, fr := range frames {
		if _, err := dec.Decode(fr); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if err := Generate(1, 1).RunP1(ctx, &w, 0); err == nil {
		t.Error("RunP1 without a P1 meter")
	}
}

func BenchmarkNext(b *testing.B) {
	for _, m := range Default().Meters() {
		b.Run(m.Name, func(b *testing.B) {
			at := t0
			b.ReportAllocs()
			for b.Loop() {
				at = at.Add(m.Interval)
				if _, err := m.Next(at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkP1Next(b *testing.B) {
	p := Default().P1()
	at := t0
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(p.Interval)
		if _, err := p.Next(at); err != nil {
			b.Fatal(err)
		}
	}
}
