package pipeline

import (
	"encoding/binary"
	"hash/crc64"
	"strconv"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// The replay guard refuses a telegram that is not newer than the newest one
// accepted from the same meter, so that a telegram recorded and sent again
// can neither be stored twice nor move a meter's values backwards. What
// "newer" means depends on what the meter sends, in this order:
//
//  1. An exact copy of one of the meter's last recentHashes accepted
//     telegrams is refused (this holds for every meter).
//  2. The AFL message counter (OMS mode 7) or the DLMS frame counter must
//     increase.
//  3. Otherwise, the meter's own clock (an EN 13757-3 date-time record of
//     the current value; the DSMR 0-0:1.0.0 timestamp) must not go back.
//     The summer-time bit is honoured; a meter that keeps local time
//     without it is refused for the hour its clock repeats in autumn.
//  4. Otherwise, the access number of the ELL or the TPL header (one byte
//     that counts transmissions and wraps from 255 to 0) must not be
//     behind the newest accepted one by 1 to accWindow. A telegram further
//     behind cannot be told from one far ahead and is accepted (its exact
//     copies are still refused by rule 1 and the store keeps every
//     reading once, whatever the guard lets through). A gateway that
//     missed 192 or more telegrams of a meter in a row may refuse the next
//     ones until the meter's access number has moved past the window: at
//     most accWindow transmissions.
//  5. A meter that sends none of these is guarded by rule 1 only.
//
// Recovery: a meter that was reset (its clock set back days, its counter
// restarted) would be refused for ever by rules 2 and 3. When nothing of a
// meter was accepted for Options.ReplayReset (default 24 h), the next
// telegram that is not an exact copy is accepted and becomes the new
// reference: a reset meter is heard again after that time, and a replay
// can only be placed into a meter that stayed silent for as long.
//
// The guard's state is written with the readings it guards, in one store
// transaction (Event.State), so a crash can never leave a reading stored
// without its guard or the other way round.

// StateGuard is the state kind of a meter's replay guard.
const StateGuard = "guard"

// accWindow is how far behind the newest accepted access number a telegram
// is refused (rule 4).
const accWindow = 64

// DefaultReplayReset is Options.ReplayReset's default.
const DefaultReplayReset = 24 * time.Hour

// recentHashes is how many telegram identities per meter are remembered to
// recognise an exact copy sent again later.
const recentHashes = 8

const (
	hasCounter = 1 << iota
	hasClock
	hasACC
)

// guard is one meter's replay state.
type guard struct {
	recent   [recentHashes]uint64 // identities of the newest accepted telegrams
	next     uint8                // where the next identity goes in recent
	has      uint8                // which of counter, clock, acc are set
	acc      byte
	counter  uint32
	clock    int64 // the meter's clock, seconds (see clockSeconds)
	accepted int64 // when the newest accepted telegram was received, Unix ns
	refused  uint32
}

// observation is what the guard looks at in one telegram.
type observation struct {
	id      uint64 // the telegram's identity (telegramID)
	has     uint8
	acc     byte
	counter uint32
	clock   int64
	now     int64 // receive time, Unix ns
}

// check returns why o must be refused, or "" to accept it.
func (g *guard) check(o *observation, reset time.Duration) string {
	for _, r := range g.recent {
		if r == o.id && r != 0 {
			return "an exact copy of an earlier telegram of this meter"
		}
	}
	if g.resetDue(o.now, reset) {
		return "" // silent (or refused) for ReplayReset: a new reference
	}
	both := g.has & o.has
	switch {
	case both&hasCounter != 0:
		if o.counter <= g.counter {
			return "message counter " + strconv.FormatUint(uint64(o.counter), 10) + " is not above the newest accepted one (" + strconv.FormatUint(uint64(g.counter), 10) + "): replayed or re-ordered telegram"
		}
	case both&hasClock != 0:
		if o.clock < g.clock {
			return "the meter's clock (" + clockString(o.clock) + ") is before the newest accepted telegram's (" + clockString(g.clock) + "): replayed or re-ordered telegram"
		}
	case both&hasACC != 0:
		if behind := g.acc - o.acc; behind != 0 && behind <= accWindow {
			return "access number " + strconv.Itoa(int(o.acc)) + " is " + strconv.Itoa(int(behind)) + " behind the newest accepted one (" + strconv.Itoa(int(g.acc)) + "): replayed or re-ordered telegram"
		}
	}
	return ""
}

// resetDue reports whether nothing was accepted for reset before now.
func (g *guard) resetDue(now int64, reset time.Duration) bool {
	return g.accepted != 0 && reset > 0 && now-g.accepted >= int64(reset)
}

// accept makes o the newest accepted telegram.
func (g *guard) accept(o *observation) {
	g.recent[g.next] = o.id
	g.next = (g.next + 1) % recentHashes
	if o.has&hasCounter != 0 {
		g.counter = o.counter
	}
	if o.has&hasClock != 0 {
		g.clock = o.clock
	}
	if o.has&hasACC != 0 {
		g.acc = o.acc
	}
	g.has |= o.has
	g.accepted = o.now
	g.refused = 0
}

const guardVersion = 1

// guardLen is the length of a marshalled guard.
const guardLen = 4 + 4 + 8 + 8 + 8*recentHashes

// appendGuard appends g's persistent form: version, has, acc, next,
// counter, clock, accepted, recent (little endian).
func (g *guard) appendTo(b []byte) []byte {
	b = append(b, guardVersion, g.has, g.acc, g.next)
	b = binary.LittleEndian.AppendUint32(b, g.counter)
	b = binary.LittleEndian.AppendUint64(b, uint64(g.clock))
	b = binary.LittleEndian.AppendUint64(b, uint64(g.accepted))
	for _, r := range g.recent {
		b = binary.LittleEndian.AppendUint64(b, r)
	}
	return b
}

// load restores g from appendTo's form; it reports false for anything else.
func (g *guard) load(b []byte) bool {
	if len(b) != guardLen || b[0] != guardVersion || b[3] >= recentHashes {
		return false
	}
	g.has, g.acc, g.next = b[1], b[2], b[3]
	g.counter = binary.LittleEndian.Uint32(b[4:])
	g.clock = int64(binary.LittleEndian.Uint64(b[8:]))
	g.accepted = int64(binary.LittleEndian.Uint64(b[16:]))
	for i := range g.recent {
		g.recent[i] = binary.LittleEndian.Uint64(b[24+8*i:])
	}
	return true
}

var idTable = crc64.MakeTable(crc64.ECMA)

// telegramID is a telegram's identity: a hash of its bytes that is the same
// in every process and on every machine (the store's unique key for a
// reading, and what a distributed deployment de-duplicates on). Counters
// are not used: a meter that is reset starts its counter again, and its
// new readings must not collide with the old ones. Never zero.
func telegramID(b []byte) uint64 {
	h := crc64.Checksum(b, idTable)
	if h == 0 {
		h = 1
	}
	return h
}

// clockSeconds maps a meter's local date and time to seconds on a
// proleptic calendar, only for comparing two of one meter's clocks; a time
// marked summer time is taken back one hour, so clocks that switch with the
// summer-time bit keep their order.
func clockSeconds(year, month, day, hour, minute, second int, summer bool) int64 {
	s := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC).Unix()
	if summer {
		s -= 3600
	}
	return s
}

func clockString(s int64) string {
	return time.Unix(s, 0).UTC().Format("2006-01-02 15:04:05")
}

// meterClock finds the meter's current date and time among the records:
// a valid date-time of storage 0, tariff 0, subunit 0 with no VIFE that
// makes it the date of something else.
func meterClock(recs []mbus.Record) (int64, bool) {
	for i := range recs {
		r := &recs[i]
		if r.Info.Quantity != "date_time" || r.Storage != 0 || r.Tariff != 0 || r.Subunit != 0 || r.Function != mbus.Instantaneous || r.Info.Ext != 0 || !r.Valid {
			continue
		}
		t := r.Time
		if !t.HasDate || !t.HasTime || t.Invalid {
			continue
		}
		return clockSeconds(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Summer), true
	}
	return 0, false
}
