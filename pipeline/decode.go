package pipeline

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/mbus"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

// State kinds persisted through StateStore.
const (
	// StateCounter is the form of counters before the replay guard
	// (StateGuard): the last AFL message counter (wM-Bus) or DLMS frame
	// counter (P1), 4 bytes LE, for P1 followed by the system title. It is
	// read from older stores, no longer written.
	StateCounter   = "counter"
	StateSignature = "signature" // a full frame that teaches the meter's compact-frame format
)

// maxUnconfiguredStates bounds how many meters that are heard but not
// configured get a replay guard: a transmitter can invent ids without end.
const maxUnconfiguredStates = 10000

type meterState struct {
	guard
	dirty bool   // sig must be saved
	sig   []byte // raw full frame to persist, nil when saved
	// sigSaved: a signature frame of this meter is in the store.
	sigSaved bool
}

// decoder is the single-goroutine decode stage. mu guards the meter
// tables, which AddMeter changes while the stage runs.
type decoder struct {
	mu        sync.Mutex
	meterList []*config.Meter
	opt       Options
	td        telegram.Decoder
	p1dec     map[string]*p1.Decoder
	ctrs      *dlms.Counters
	// byID holds the first meter of each wM-Bus id (the 8 digits read as
	// hex, as the BCD field is), byIDMore further meters with the same id.
	byID     map[uint32]*config.Meter
	byIDMore map[uint32][]*config.Meter
	p1By     map[string]*config.Meter // by system title (upper hex)
	p1Any    *config.Meter            // id "p1", or the only P1 meter
	seed     maphash.Seed
	// cur and prev are the dedup generations, cur begun at genStart.
	cur, prev map[uint64]struct{}
	genStart  time.Time
	meters    map[string]*meterState
	// unconfigured counts the entries of meters that belong to meters not
	// in the configuration; dropped counts those refused a state.
	unconfigured int
	dropped      atomic.Uint64
	titles       map[[8]byte]string // P1 system title -> meter
	saving       chan struct{}      // closed when the background state write ends
}

func newDecoder(opt Options) (*decoder, error) {
	d := &decoder{
		opt: opt, p1dec: map[string]*p1.Decoder{}, ctrs: &dlms.Counters{},
		byID: map[uint32]*config.Meter{}, p1By: map[string]*config.Meter{},
		seed: maphash.MakeSeed(), meters: map[string]*meterState{},
		titles: map[[8]byte]string{},
	}
	if d.opt.ReplayReset == 0 {
		d.opt.ReplayReset = DefaultReplayReset
	}
	for i := range opt.Meters {
		d.meterList = append(d.meterList, &opt.Meters[i])
	}
	d.index()
	d.td.Signatures = &mbus.Signatures{}
	d.td.WMBus.Keys = d.wmbusKey
	// Inputs deliver frames without link CRCs (radio.Frame); guessing
	// would take one frame in 65536 for a CRC-carrying one.
	d.td.WMBus.Format = wmbus.FormatNone
	if opt.State != nil {
		d.loadState()
	}
	return d, nil
}

// addMeter adds m, replacing a meter of the same name or id. The caller
// holds mu (or is newDecoder).
func (d *decoder) addMeter(cm config.Meter) {
	m := &cm
	list := d.meterList[:0:0]
	for _, o := range d.meterList {
		if o.Name != m.Name && !(o.ID == m.ID && o.Manufacturer == m.Manufacturer) {
			list = append(list, o)
		}
	}
	d.meterList = append(list, m)
	d.index()
}

// index rebuilds the lookup tables from meterList.
func (d *decoder) index() {
	d.byID, d.byIDMore, d.p1By, d.p1Any = make(map[uint32]*config.Meter, len(d.meterList)), nil, map[string]*config.Meter{}, nil
	var p1s []*config.Meter
	for _, m := range d.meterList {
		switch {
		case m.ID == "p1":
			d.p1Any = m
			p1s = append(p1s, m)
		case m.IsP1():
			d.p1By[m.ID] = m
			p1s = append(p1s, m)
		default:
			id, err := strconv.ParseUint(m.ID, 16, 32)
			switch {
			case err != nil: // config checked it: 8 digits
			case d.byID[uint32(id)] == nil:
				d.byID[uint32(id)] = m
			default: // the same id from another manufacturer: rare
				if d.byIDMore == nil {
					d.byIDMore = map[uint32][]*config.Meter{}
				}
				d.byIDMore[uint32(id)] = append(d.byIDMore[uint32(id)], m)
			}
		}
	}
	if d.p1Any == nil && len(p1s) == 1 {
		d.p1Any = p1s[0]
	}
}

// wmbusMeter finds the configured meter of a wM-Bus address.
func (d *decoder) wmbusMeter(a wmbus.Address) *config.Meter {
	m := d.byID[a.ID]
	if m == nil {
		return nil
	}
	if m.Manufacturer == "" || m.Manufacturer == a.ManufacturerCode() {
		return m
	}
	for _, m := range d.byIDMore[a.ID] {
		if m.Manufacturer == "" || m.Manufacturer == a.ManufacturerCode() {
			return m
		}
	}
	return nil
}

func (d *decoder) wmbusKey(a wmbus.Address) []byte {
	if m := d.wmbusMeter(a); m != nil && m.Key.Set() {
		return m.Key
	}
	return nil
}

// state returns the state of a meter, creating it; for meters not
// configured it returns nil once maxUnconfiguredStates of them have one.
func (d *decoder) state(meter string, configured bool) *meterState {
	s := d.meters[meter]
	if s == nil {
		if !configured {
			if d.unconfigured >= maxUnconfiguredStates {
				return nil // a flood of ids (counted by noteUnknown)
			}
			d.unconfigured++
		}
		s = &meterState{}
		d.meters[meter] = s
	}
	return s
}

// guardTelegram runs the replay guard for an accepted decode of ev's meter
// and fills ev's identity and state, or turns ev into a Replay. The guard
// is skipped (nil state) for unconfigured meters beyond the cap.
func (d *decoder) guardTelegram(ev *Event, st *meterState, o *observation) bool {
	if st == nil {
		return true
	}
	if why := st.check(o, d.opt.ReplayReset); why != "" {
		st.refused++
		ev.Outcome, ev.Err = Replay, why
		return false
	}
	if st.refused > 0 && st.resetDue(o.now, d.opt.ReplayReset) {
		d.opt.Logf("meter %s: accepted again after %d telegrams refused as replays, since nothing was accepted for %v (the meter was reset?)", ev.Meter, st.refused, d.opt.ReplayReset)
	}
	st.accept(o)
	ev.State = st.appendTo(make([]byte, 0, guardLen))
	return true
}

// decode runs one frame through dedup, decoding and the replay guard.
func (d *decoder) decode(f Frame) Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	ev := Event{Time: f.Time, Input: f.Input}
	if ev.Time.IsZero() {
		ev.Time = d.opt.Now()
	}
	if f.Mode != 0 {
		ev.Mode = f.Mode.String()
	}
	if f.HasRSSI {
		r := f.RSSI
		ev.RSSI = &r
	}
	h := maphash.Bytes(d.seed, f.Data)
	if d.duplicate(h, ev.Time) {
		ev.Outcome = Duplicate
		ev.Hex = strings.ToUpper(hex.EncodeToString(f.Data))
		return ev
	}
	if f.P1 || p1.IsUnit(f.Data) {
		d.decodeP1(f, &ev)
	} else {
		d.decodeWMBus(f, &ev, h)
	}
	if f.P1 && len(f.Data) > 0 && f.Data[0] == '/' {
		ev.Hex = string(f.Data)
	} else {
		ev.Hex = strings.ToUpper(hex.EncodeToString(f.Data))
	}
	return ev
}

// duplicate reports whether the same bytes were seen within the window,
// and remembers them. Hashes are kept in two generations of one window
// each, so a copy is recognised for at least one window and at most two,
// with eight bytes of memory per frame.
func (d *decoder) duplicate(h uint64, now time.Time) bool {
	w := d.opt.DedupWindow
	if w < 0 {
		return false
	}
	if d.cur == nil {
		d.cur, d.prev, d.genStart = map[uint64]struct{}{}, map[uint64]struct{}{}, now
	}
	if age := now.Sub(d.genStart); age > w || age < -w {
		d.prev, d.cur = d.cur, d.prev
		clear(d.cur)
		if age > 2*w || age < -w { // the newer generation is too old as well
			clear(d.prev)
		}
		d.genStart = now
	}
	if _, ok := d.cur[h]; ok {
		return true
	}
	if _, ok := d.prev[h]; ok {
		return true
	}
	d.cur[h] = struct{}{}
	return false
}

func (d *decoder) decodeWMBus(f Frame, ev *Event, h uint64) {
	res, err := d.td.Decode(f.Data)
	ev.Kind = "wmbus"
	if res != nil && res.Wired != nil {
		ev.Kind = "mbus"
	}
	if res == nil || res.Telegram == nil {
		ev.Outcome = outcomeOf(err)
		if err != nil {
			ev.Err = err.Error()
		} else {
			ev.Outcome, ev.Err = Unsupported, "a wired M-Bus frame without meter data"
		}
		return
	}
	t := res.Telegram
	a := t.Meter()
	ev.Manufacturer, ev.ID, ev.DeviceType = a.ManufacturerCode(), a.IDString(), wmbus.DeviceTypeName(a.Type)
	ev.Security, ev.SecurityStatus = t.Security.Mode(), t.Security.Status.String()
	m := d.wmbusMeter(a)
	if m != nil {
		ev.Meter, ev.Configured = m.Name, true
	} else {
		ev.Meter = strings.ToLower(ev.Manufacturer) + "-" + ev.ID
	}
	ev.Outcome = outcomeOf(err)
	if err != nil {
		ev.Err = err.Error()
		return
	}
	o := observation{id: wmbusID(f.Data), now: ev.Time.UnixNano()}
	switch {
	case t.AFL.Present && t.AFL.Has(wmbus.FCLMCRPresent):
		o.counter, o.has = t.AFL.MCR, hasCounter
	case t.ELL.Present:
		o.acc, o.has = t.ELL.ACC, hasACC
	case t.TPL.Present && t.TPL.Header != wmbus.HeaderNone:
		o.acc, o.has = t.TPL.ACC, hasACC
	}
	if c, ok := meterClock(res.Records); ok {
		o.clock, o.has = c, o.has|hasClock
	}
	st := d.state(ev.Meter, ev.Configured)
	if !d.guardTelegram(ev, st, &o) {
		return
	}
	ev.ReadingID = o.id
	if st != nil && len(res.Records) > 0 && !res.Compact && st.sig == nil && !st.hasSig() {
		st.sig = append([]byte(nil), f.Data...)
		st.dirty = true
	}
	ev.Fields = d.fields(m, t, res.Records, ev)
}

// fields names a decoded telegram's values: with the meter's driver (the
// configured one, or the one that detects the meter) its fields, else the
// records' generic names.
func (d *decoder) fields(m *config.Meter, t *wmbus.Telegram, recs []mbus.Record, ev *Event) map[string]any {
	name := driver.Auto
	if m != nil && m.Driver != "" {
		name = m.Driver
	}
	if drv, _ := driver.ChooseFor(name, t); drv != nil {
		f, err := driver.Fields(drv, t, recs)
		if err == nil && f != nil {
			ev.Driver = drv.Name
			return f
		}
	}
	return mbus.Fields(recs)
}

// wmbusID is a wM-Bus or wired frame's identity: its bytes after the L
// field, which receivers of formats A and B report differently.
func wmbusID(b []byte) uint64 {
	if len(b) > 1 {
		b = b[1:]
	}
	return telegramID(b)
}

// hasSig is set once a signature frame was persisted (or loaded).
func (s *meterState) hasSig() bool { return s.sig != nil || s.sigSaved }

func (d *decoder) p1Decoder(input string) *p1.Decoder {
	pd := d.p1dec[input]
	if pd == nil {
		pd = &p1.Decoder{Counters: d.ctrs, Policy: dlms.TagAuto}
		d.p1dec[input] = pd
	}
	return pd
}

func (d *decoder) decodeP1(f Frame, ev *Event) {
	pd := d.p1Decoder(f.Input)
	m := d.p1Any
	var title string
	if len(f.Data) > 10 && (f.Data[0] == dlms.GeneralGloCiphering || f.Data[0] == dlms.GeneralDedCiphering) && f.Data[1] == 8 {
		title = strings.ToUpper(hex.EncodeToString(f.Data[2:10]))
		if mm := d.p1By[title]; mm != nil {
			m = mm
		}
	}
	pd.Key, pd.AK = nil, nil
	if m != nil {
		pd.Key, pd.AK = m.Key, m.AK
	}
	res, err := pd.Decode(f.Data)
	if errors.Is(err, codec.ErrReplay) && res != nil && res.Encrypted && d.resetDue(res.Security.SystemTitle, ev.Time) {
		// The meter's counter restarted (or it was silent for ReplayReset):
		// start from this frame (see the replay guard).
		d.ctrs.Reset(res.Security.SystemTitle)
		res, err = pd.Decode(f.Data)
	}
	ev.Kind = "p1"
	if res != nil && res.Message != nil {
		ev.Kind = "dlms"
	}
	if res != nil && res.Pending && err == nil {
		ev.Kind, ev.Outcome = "dlms", Decoded
		ev.Err = "segment of a longer message"
		return
	}
	ev.Outcome = outcomeOf(err)
	if err != nil {
		ev.Err = err.Error()
	}
	if res == nil {
		return
	}
	ev.Security, ev.SecurityStatus = res.Security.Mode, res.Security.Status
	if res.Encrypted {
		title = strings.ToUpper(hex.EncodeToString(res.Security.SystemTitle[:]))
		ev.Manufacturer = printable(res.Security.SystemTitle[:3])
	}
	switch {
	case title != "":
		ev.ID = title
	case res.Telegram != nil:
		if id, ok := res.Telegram.Fields()["equipment_id"].(string); ok {
			ev.ID = id
		}
	}
	if ev.ID == "" {
		ev.ID = "p1-" + f.Input
	}
	if m != nil && (title == "" || d.p1By[title] == m || m == d.p1Any) {
		ev.Meter, ev.Configured = m.Name, true
	} else {
		ev.Meter = "p1-" + strings.ToLower(ev.ID)
	}
	ev.DeviceType = "electricity"
	if err != nil {
		return
	}
	o := observation{id: telegramID(f.Data), now: ev.Time.UnixNano()}
	if res.Encrypted {
		o.counter, o.has = res.Security.FC, hasCounter
		d.titles[res.Security.SystemTitle] = ev.Meter
	}
	if res.Telegram != nil {
		if ts := res.Telegram.Get("0-0:1.0.0"); ts != nil && len(ts.Values) > 0 && ts.Values[0].IsTime {
			o.clock, o.has = ts.Values[0].Time.Unix(), o.has|hasClock
		}
	}
	if !d.guardTelegram(ev, d.state(ev.Meter, ev.Configured), &o) {
		return
	}
	ev.ReadingID = o.id
	switch {
	case res.Telegram != nil:
		ev.Fields = res.Telegram.Fields()
	case res.Objects != nil:
		ev.Fields = dlms.Fields(res.Objects)
	}
}

// resetDue reports whether the P1 meter with this system title has had
// nothing accepted for ReplayReset, so a frame counter that went back is
// taken as a restarted meter.
func (d *decoder) resetDue(title [8]byte, now time.Time) bool {
	st := d.meters[d.titles[title]]
	return st != nil && st.resetDue(now.UnixNano(), d.opt.ReplayReset)
}

// printable returns b as text when it is letters (a DLMS system title
// starts with the manufacturer's three letters), else "".
func printable(b []byte) string {
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return ""
		}
	}
	return string(b)
}

// loadState restores the replay guards and compact formats.
func (d *decoder) loadState() {
	ctx := context.Background()
	guards, err := d.opt.State.AllState(ctx, StateGuard)
	if err != nil {
		d.opt.Logf("state: replay guards not restored: %v", err)
	}
	for meter, v := range guards {
		if !d.state(meter, true).load(v) {
			d.opt.Logf("state: the replay guard of %s is unreadable; it starts afresh", meter)
		}
	}
	// Stores written before the guard existed hold bare counters.
	ctrs, err := d.opt.State.AllState(ctx, StateCounter)
	if err != nil {
		d.opt.Logf("state: counters not restored: %v", err)
	}
	for meter, v := range ctrs {
		if len(v) < 4 || guards[meter] != nil {
			continue
		}
		st := d.state(meter, true)
		st.counter, st.has = binary.LittleEndian.Uint32(v), st.has|hasCounter
		if len(v) == 12 { // P1: counter + system title
			var title [8]byte
			copy(title[:], v[4:])
			d.titles[title] = meter
			_ = d.ctrs.Check(title, st.counter)
		}
	}
	sigs, err := d.opt.State.AllState(ctx, StateSignature)
	if err != nil {
		d.opt.Logf("state: compact formats not restored: %v", err)
	}
	for meter, frame := range sigs {
		d.td.Decode(frame) // learns the format
		d.state(meter, true).sigSaved = true
	}
}

// saveState writes new signature frames in one batch (replay guards go
// with the readings they guard: Event.State). The write runs in the background so decoding goes on; while one
// is running, changes wait for the next tick. With final, it waits for
// any write in progress and writes synchronously (shutdown).
func (d *decoder) saveState(ctx context.Context, final bool) {
	if d.opt.State == nil {
		return
	}
	if final {
		if d.saving != nil {
			<-d.saving
		}
	} else if d.saving != nil {
		select {
		case <-d.saving:
		default:
			return // the previous batch is still being written
		}
	}
	var batch []StateEntry
	for meter, st := range d.meters {
		if !st.dirty {
			continue
		}
		if st.sig != nil {
			batch = append(batch, StateEntry{Meter: meter, Kind: StateSignature, Value: st.sig})
			st.sig, st.sigSaved = nil, true
		}
		st.dirty = false
	}
	if len(batch) == 0 {
		return
	}
	write := func() {
		if err := d.opt.State.SaveState(ctx, batch); err != nil {
			d.opt.Logf("state: %d values not saved: %v", len(batch), err)
		}
	}
	if final {
		write()
		return
	}
	done := make(chan struct{})
	d.saving = done
	go func() { defer close(done); write() }()
}
