package mqtt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The outbox's bound. An append that would take the segment files beyond
// outboxOptions.Limit first compacts the log: the segments the reader has
// not reached yet are rewritten keeping, of the messages of each topic,
// only the newest, in their order. Every message the sink queues is a
// retained state (a meter's <prefix>/<meter>/state, or a discovery
// announcement), so a subscriber ends on the same states either way; what
// a superseded message carried is in the store, which records every
// reading. (Keeping older messages that are not retained would break the
// order after a crash in a compaction, see below; the sink queues none.)
//
// Compaction is crash safe. It closes the active segment and starts the
// next one further on in the offsets, leaving a hole the size of what it
// compacts; it writes the survivors to a temporary file, fsyncs it,
// renames it into the hole (outbox-<hole>.seg, after every segment it
// was made of and before the new active one), syncs the directory, and
// only then removes its source segments. A crash before the rename leaves
// the sources and a temporary file, which opening removes; a crash after
// it leaves the compacted segment after (some of) its sources, so the
// sources are sent again and then the compacted messages: every topic
// still goes from older to newer messages, with a few sent twice, which
// QoS 1 allows anyway.
//
// When compaction cannot make room (the newest messages alone fill the
// limit, or too little was appended since the last compaction for another
// one to be worth reading the whole log again), the batch is refused
// (errFull) and counted. The sink then drops it rather than making the
// pipeline wait: the pipeline hands every reading to every sink from one
// loop, so a sink that blocks stops the store too, and the store is the
// record. The refused messages are those meters' newest states, lost to
// MQTT until their next reading (the store has them); with the default
// limit this takes a fleet far beyond what the gateway is sized for, or a
// flood of invented meter ids.

// compactEvery: a compaction runs only when at least Limit/compactEvery
// bytes were appended since the last one, so that a log full of newest
// messages is not read again and again for nothing.
const compactEvery = 16

// compactTestHook, when set (tests), is called at the stages of a
// compaction: "written" (the compacted segment is a synced temporary
// file), "renamed" (it is in place, its sources are all there) and
// "removing" (the first source is removed).
var compactTestHook func(stage string)

func compactStage(stage string) {
	if compactTestHook != nil {
		compactTestHook(stage)
	}
}

// compaction is what one compaction did.
type compaction struct {
	records, kept int   // records read, records kept
	before, after int64 // bytes of the sources and of the compacted segment
}

// compactAt is the size beyond which an append compacts the log first:
// the limit less what the last compaction kept, so that the sources and
// the compacted segment, which are on disk together for a moment, fit
// within the limit too (but for the first compaction, which does not know
// how much it will keep).
func (o *outbox) compactAt() int64 {
	return max(o.opt.Limit-o.lastKept.Load(), o.opt.Limit/2)
}

// makeRoom deletes the segments acknowledged in full and then, when the
// log is still beyond compactAt with need more bytes and enough was
// appended since the last compaction, compacts it; it returns errFull
// when the log is still beyond the limit.
func (o *outbox) makeRoom(need int64) error {
	o.cmu.Lock()
	// Segments acknowledged in full go first (persist deletes them once a
	// second anyway).
	if err := o.persist(); err != nil {
		o.opt.Logf("mqtt: outbox: saving the position: %v", err)
	}
	if o.size.Load()+need > o.compactAt() && o.sinceCompact.Load() >= o.opt.Limit/compactEvery {
		o.startEpisode()
		c, err := o.compactLocked()
		if err != nil {
			o.cmu.Unlock()
			return fmt.Errorf("outbox: compacting: %w", err)
		}
		o.lastKept.Store(c.after)
		o.noteCompaction(c)
	}
	o.cmu.Unlock()
	if o.size.Load()+need > o.opt.Limit {
		o.startEpisode()
		return errFull
	}
	return nil
}

// compact compacts the segments the reader has not reached.
func (o *outbox) compact() (compaction, error) {
	o.cmu.Lock()
	defer o.cmu.Unlock()
	c, err := o.compactLocked()
	if err == nil {
		o.lastKept.Store(c.after)
		o.noteCompaction(c)
	}
	return c, err
}

// compactLocked does the work of compact; cmu is held.
func (o *outbox) compactLocked() (c compaction, err error) {
	o.rmu.Lock() // the reader stays where it is meanwhile
	defer o.rmu.Unlock()

	// The sources: every segment the reader has not started, the active
	// one included, which is closed for a new one after the hole.
	o.wmu.Lock()
	if o.w == nil {
		o.wmu.Unlock()
		return c, errors.New("outbox closed")
	}
	var srcs []segment
	o.mu.Lock()
	for i, s := range o.segs {
		if i == len(o.segs)-1 {
			s.size = o.wlen
		}
		if s.base >= o.rpos && s.size > 0 {
			srcs = append(srcs, s)
			c.before += s.size
		}
	}
	o.mu.Unlock()
	if len(srcs) == 0 {
		o.wmu.Unlock()
		return c, nil
	}
	hole := o.end.Load()
	if err := o.rotate(hole + c.before); err != nil {
		o.wmu.Unlock()
		return c, err
	}
	o.sinceCompact.Store(0)
	o.wmu.Unlock()

	// Appends go on into the new active segment while the sources are
	// read: first for the newest record of each topic, then to copy the
	// survivors.
	topics := map[string]int{}      // topic → index in newest
	var newest []int                // per topic, the number of its newest record
	valid := make([]int, len(srcs)) // per source, the bytes of whole records (-1: not read yet)
	for i := range valid {
		valid[i] = -1
	}
	var buf []byte // one buffer for every source, read twice
	scan := func(keep func(n int, rec []byte, topic []byte) error) error {
		n := 0
		for i, s := range srcs {
			f, err := os.Open(filepath.Join(o.dir, segName(s.base)))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if int64(cap(buf)) < s.size {
				buf = make([]byte, s.size)
			}
			m, err := io.ReadFull(f, buf[:s.size])
			f.Close()
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				return err
			}
			data := buf[:m]
			if valid[i] < 0 { // the first pass checks every record's CRC
				valid[i] = validPrefix(data)
				if valid[i] < len(data) {
					o.opt.Logf("mqtt: outbox: compacting: a damaged record at offset %d of %s: leaving out %d bytes", valid[i], segName(s.base), len(data)-valid[i])
				}
			}
			data = data[:min(valid[i], len(data))]
			for off := 0; off < len(data); {
				l := frameHeader + int(binary.LittleEndian.Uint32(data[off:]))
				body := data[off+frameHeader : off+l]
				tl := int(binary.LittleEndian.Uint16(body[5:]))
				if err := keep(n, data[off:off+l], body[bodyHeader:bodyHeader+tl]); err != nil {
					return err
				}
				n++
				off += l
			}
		}
		return nil
	}
	err = scan(func(n int, _ []byte, topic []byte) error {
		c.records++
		if i, ok := topics[string(topic)]; ok {
			newest[i] = n
		} else {
			topics[string(topic)] = len(newest)
			newest = append(newest, n)
		}
		return nil
	})
	if err != nil {
		return c, err
	}

	name := filepath.Join(o.dir, segName(hole))
	tmp := name + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return c, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = scan(func(n int, rec []byte, topic []byte) error {
		if newest[topics[string(topic)]] != n {
			return nil
		}
		c.kept++
		c.after += int64(len(rec))
		_, err := bw.Write(rec)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && c.after > 0 {
		compactStage("written")
		err = os.Rename(tmp, name) // replaces the empty segment a rotation may have left there
	}
	if err != nil || c.after == 0 {
		_ = os.Remove(tmp)
		if err != nil {
			c.kept, c.after = 0, 0
			return c, err
		}
	}
	syncDir(o.dir)
	compactStage("renamed")

	// The compacted segment is on disk: the sources can go.
	isSrc := func(s segment) bool {
		return slices.ContainsFunc(srcs, func(x segment) bool { return x.base == s.base }) || s.base == hole && s.size == 0
	}
	var gone []int64
	inserted := c.after == 0
	o.mu.Lock()
	kept := o.segs[:0]
	for _, s := range o.segs {
		if isSrc(s) {
			o.size.Add(-s.size)
			if s.base != hole || c.after == 0 {
				gone = append(gone, s.base)
			}
			continue
		}
		if !inserted && s.base > hole { // the new active segment is
			kept = append(kept, segment{hole, c.after})
			o.size.Add(c.after)
			inserted = true
		}
		kept = append(kept, s)
	}
	o.segs = kept
	o.mu.Unlock()
	for i, base := range gone {
		if err := os.Remove(filepath.Join(o.dir, segName(base))); err != nil && !errors.Is(err, os.ErrNotExist) {
			o.opt.Logf("mqtt: outbox: %v", err)
		}
		if i == 0 {
			compactStage("removing")
		}
	}
	if o.r != nil && o.rbase >= srcs[0].base { // its file is gone
		o.moveTo(o.rpos)
	}
	o.superseded.Add(uint64(c.records - c.kept))
	o.compactions.Add(1)
	return c, nil
}

// The episode: from the append that first finds the log at its limit
// (the broker away, or slower than the readings) until the broker has
// taken everything, or the log has stayed under half its limit, with no
// compaction or refusal, for episodeQuiet. It is reported once at each
// end rather than per message or compaction.

const episodeQuiet = time.Minute

func (o *outbox) startEpisode() {
	o.emu.Lock()
	defer o.emu.Unlock()
	o.lastFull = time.Now()
	if !o.full {
		o.full = true
		o.logged = 0
		o.fullSuperseded, o.fullRefused = o.superseded.Load(), o.refused.Load()
	}
}

func (o *outbox) noteCompaction(c compaction) {
	o.emu.Lock()
	defer o.emu.Unlock()
	if !o.full || o.logged&logCompacted != 0 || c.records == 0 {
		return
	}
	o.logged |= logCompacted
	o.opt.Logf("mqtt: outbox: reached its limit of %s while the broker does not take the messages: from now on only the newest message of each topic is kept (this compaction dropped %d superseded of %d, %s → %s; the store keeps every reading)",
		formatBytes(o.opt.Limit), c.records-c.kept, c.records, formatBytes(c.before), formatBytes(c.after))
}

// noteRefused reports a refusal, once an episode; call it before
// counting the refused records.
func (o *outbox) noteRefused() {
	o.startEpisode()
	o.emu.Lock()
	defer o.emu.Unlock()
	if o.logged&logRefused != 0 {
		return
	}
	o.logged |= logRefused
	o.opt.Logf("mqtt: outbox: full at %s even with only the newest message of each topic: refusing new messages until the broker takes some (those meters' MQTT states wait for their next reading; the store keeps every reading); raise sinks.mqtt.queue_max if this fleet needs more",
		formatBytes(o.size.Load()))
}

// checkEpisode ends the episode, with a summary, when it is over.
func (o *outbox) checkEpisode() {
	o.emu.Lock()
	defer o.emu.Unlock()
	if !o.full || !o.drained() && (o.size.Load() > o.opt.Limit/2 || time.Since(o.lastFull) < episodeQuiet) {
		return
	}
	o.full = false
	sup, ref := o.superseded.Load()-o.fullSuperseded, o.refused.Load()-o.fullRefused
	if sup > 0 || ref > 0 {
		o.opt.Logf("mqtt: outbox: back under its limit (%s of %s): while it was full, %d superseded messages were dropped and %d refused",
			formatBytes(o.size.Load()), formatBytes(o.opt.Limit), sup, ref)
	}
}

// formatBytes writes n in B, KiB, MiB or GiB.
func formatBytes(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift {
			if n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s", n>>u.shift, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(int64(1)<<u.shift), u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}
