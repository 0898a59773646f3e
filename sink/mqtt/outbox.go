package mqtt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// The outbox is the sink's on-disk queue: an append-only log of messages
// in segment files, read back in order by one reader, acknowledged per
// record in any order, and trimmed up to the first record not yet
// acknowledged.
//
// Positions in the log are byte offsets counted from the start of the
// log's life; a segment file is named after the offset of its first byte
// (outbox-<16 hex digits>.seg), so the offset of any record is its
// segment's base plus its position in the file. Offsets only grow, but
// not every offset is in a segment: compaction (compact.go) leaves holes
// between segments, which the reader steps over. outbox.ack holds the
// offset of the first record not yet acknowledged (8 bytes little endian
// and their CRC-32C), replaced atomically (temporary file and rename).
//
// A record is framed as
//
//	length  uint32 LE   of the body
//	crc     uint32 LE   CRC-32C (Castagnoli) of the body
//	body    flags uint8 (bit 0: retain), key uint32 LE (routes the
//	        record to a publisher), topic length uint16 LE, topic,
//	        payload
//
// so that a torn tail (a write cut short by a crash or power loss) and
// garbage after it are recognised and cut when the log is opened.

const (
	segPrefix     = "outbox-"
	segSuffix     = ".seg"
	ackName       = "outbox.ack"
	frameHeader   = 8
	bodyHeader    = 1 + 4 + 2
	maxRecordBody = 64 << 20 // beyond this a length is taken for garbage

	// DefaultSegmentSize is the size at which the outbox starts a new
	// segment file.
	DefaultSegmentSize = 16 << 20

	// window is how many records may be handed out (read, not yet
	// acknowledged) at a time; it bounds the memory the backlog takes.
	window = 8192
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var (
	errShort   = errors.New("outbox: incomplete record")
	errCorrupt = errors.New("outbox: corrupt record")
)

// record is one message in the outbox. QoS is always 1.
type record struct {
	Key     uint32 // routing key: records of the same key keep their order
	Topic   string
	Payload []byte
	Retain  bool
}

// batch collects framed records for one outbox append.
type batch struct {
	buf []byte
	n   int
}

func (b *batch) reset()   { b.buf, b.n = b.buf[:0], 0 }
func (b *batch) len() int { return b.n }

// add frames a record into the batch. Topics longer than 65535 bytes are
// not valid MQTT and are not accepted by the sink in the first place.
func (b *batch) add(key uint32, topic string, payload []byte, retain bool) {
	b.buf = appendRecord(b.buf, key, topic, payload, retain)
	b.n++
}

// appendRecord appends the frame of one record to buf.
func appendRecord(buf []byte, key uint32, topic string, payload []byte, retain bool) []byte {
	start := len(buf)
	var flags byte
	if retain {
		flags = 1
	}
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0, flags)
	buf = binary.LittleEndian.AppendUint32(buf, key)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(topic)))
	buf = append(buf, topic...)
	buf = append(buf, payload...)
	body := buf[start+frameHeader:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(body, crcTable))
	return buf
}

// frameLen returns the length of the frame at the start of b: errShort
// when b does not hold all of it (n is then the frame's length when the
// header is there, else 0), errCorrupt when it is not a valid record.
func frameLen(b []byte) (int, error) {
	if len(b) < frameHeader {
		return 0, errShort
	}
	l := binary.LittleEndian.Uint32(b)
	if l < bodyHeader || l > maxRecordBody {
		return 0, errCorrupt
	}
	n := frameHeader + int(l)
	if len(b) < n {
		return n, errShort
	}
	body := b[frameHeader:n]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[4:]) {
		return 0, errCorrupt
	}
	if body[0]&^1 != 0 || bodyHeader+int(binary.LittleEndian.Uint16(body[5:])) > len(body) {
		return 0, errCorrupt
	}
	return n, nil
}

// decodeRecord decodes the frame at the start of b, returning the record
// (its payload copied) and the frame's length.
func decodeRecord(b []byte) (record, int, error) {
	n, err := frameLen(b)
	if err != nil {
		return record{}, n, err
	}
	body := b[frameHeader:n]
	tl := int(binary.LittleEndian.Uint16(body[5:]))
	return record{
		Key:     binary.LittleEndian.Uint32(body[1:]),
		Retain:  body[0]&1 != 0,
		Topic:   string(body[bodyHeader : bodyHeader+tl]),
		Payload: bytes.Clone(body[bodyHeader+tl:]),
	}, n, nil
}

// validPrefix returns the length of the run of valid frames at the start
// of b.
func validPrefix(b []byte) int {
	off := 0
	for off < len(b) {
		n, err := frameLen(b[off:])
		if err != nil {
			break
		}
		off += n
	}
	return off
}

// outboxOptions tune an outbox.
type outboxOptions struct {
	SegmentSize int64                         // default DefaultSegmentSize
	Sync        bool                          // fsync every append
	Logf        func(format string, a ...any) // required
	// Limit bounds the bytes of the segment files (0: no bound). An append
	// that would go beyond it compacts the log first, and is refused with
	// errFull when that does not make room.
	Limit int64
}

// segment is one segment file: the offset of its first byte and, but for
// the active segment (whose end is outbox.end), its length.
type segment struct {
	base, size int64
}

// outbox is the on-disk log. append may be called from any goroutine;
// next has a single caller (the dispatcher); ack from any goroutine.
//
// Locks, in the order they are taken: cmu (one compaction at a time), rmu
// (the reader's state), wmu (appends), mu (segs), wmx (the window), emu.
type outbox struct {
	dir string
	opt outboxOptions

	cmu sync.Mutex // serialises compactions

	wmu  sync.Mutex // serialises appends
	w    *os.File   // the active segment
	wlen int64      // its length

	mu   sync.Mutex // guards segs
	segs []segment  // ascending; the last is the active one

	end      atomic.Int64  // offset after the last complete record
	size     atomic.Int64  // bytes in the segment files
	appended chan struct{} // pinged after each append

	// reader state (the dispatcher's), guarded by rmu, which next holds
	// except while it waits
	rmu   sync.Mutex
	r     *os.File
	rbase int64 // base of r's segment
	rbuf  []byte
	rlo   int
	rhi   int
	rpos  int64 // offset of rbuf[rlo]

	// the window of records handed out and not yet acknowledged
	wmx       sync.Mutex
	ends      [window]int64
	done      [window]bool
	head      uint64
	tail      uint64
	ackOff    atomic.Int64  // offset of the first unacknowledged record
	space     chan struct{} // pinged when the window's head moves
	progress  chan struct{} // closed and replaced when the head moves
	persisted int64         // ackOff last written to outbox.ack
	pmu       sync.Mutex    // serialises persist

	// the bound (see compact)
	sinceCompact atomic.Int64  // bytes appended since the last compaction
	lastKept     atomic.Int64  // bytes the last compaction kept
	superseded   atomic.Uint64 // records compaction dropped, in total
	refused      atomic.Uint64 // records refused because the log was full
	compactions  atomic.Uint64

	emu  sync.Mutex // guards the episode: the log at its limit
	full bool       // since the limit was reached and not yet left
	// the last compaction or refusal
	lastFull time.Time
	// the counters when the episode began
	fullSuperseded, fullRefused uint64
	logged                      uint8 // what was said this episode (logCompacted, logRefused)
}

const (
	logCompacted = 1 << iota
	logRefused
)

// errFull is returned by append when the log is at its limit and
// compaction cannot make room.
var errFull = errors.New("outbox: full")

func segName(base int64) string { return fmt.Sprintf("%s%016x%s", segPrefix, base, segSuffix) }

// openOutbox opens (or creates) the outbox in dir: it cuts a torn tail
// off the last segment, removes what an interrupted compaction left,
// imports messages left by the earlier file queue (msg-*.mqtt) and
// positions the reader at the first record not yet acknowledged.
func openOutbox(dir string, opt outboxOptions) (*outbox, error) {
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = DefaultSegmentSize
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	o := &outbox{dir: dir, opt: opt, appended: make(chan struct{}, 1), space: make(chan struct{}, 1), progress: make(chan struct{})}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, segPrefix) {
			continue
		}
		if strings.HasSuffix(name, segSuffix+tmpSuffix) { // a compaction cut short: its sources are all there
			_ = os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		hex := strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix)
		base, err := strconv.ParseInt(hex, 16, 64)
		if err != nil || len(hex) != 16 || base < 0 {
			opt.Logf("mqtt: outbox: ignoring %s", name)
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		o.segs = append(o.segs, segment{base, fi.Size()})
	}
	sort.Slice(o.segs, func(i, j int) bool { return o.segs[i].base < o.segs[j].base })
	ack, ackOK := readAck(filepath.Join(dir, ackName))
	if _, err := os.Stat(filepath.Join(dir, ackName)); err == nil && !ackOK && len(o.segs) > 0 {
		opt.Logf("mqtt: outbox: %s is damaged: sending the whole log again", ackName)
	}
	if len(o.segs) == 0 {
		base := int64(0)
		if ackOK {
			base = ack
		}
		o.segs = []segment{{base, 0}}
	}
	// A segment never reaches into the next one's offsets.
	for i := 0; i+1 < len(o.segs); i++ {
		o.segs[i].size = min(o.segs[i].size, o.segs[i+1].base-o.segs[i].base)
	}
	// Open the last segment, cut what follows its last valid record.
	last := &o.segs[len(o.segs)-1]
	base := last.base
	o.w, err = os.OpenFile(filepath.Join(dir, segName(base)), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(o.w)
	if err != nil {
		o.w.Close()
		return nil, err
	}
	valid := validPrefix(data)
	if valid < len(data) {
		opt.Logf("mqtt: outbox: cutting %d bytes of an incomplete or damaged record off %s", len(data)-valid, segName(base))
		if err := o.w.Truncate(int64(valid)); err != nil {
			o.w.Close()
			return nil, err
		}
	}
	if _, err := o.w.Seek(int64(valid), io.SeekStart); err != nil {
		o.w.Close()
		return nil, err
	}
	o.wlen = int64(valid)
	last.size = o.wlen
	o.end.Store(base + o.wlen)
	var total int64
	for _, s := range o.segs {
		total += s.size
	}
	o.size.Store(total)
	o.sinceCompact.Store(total) // all of it may be superseded

	start := min(max(ack, o.segs[0].base), o.end.Load())
	if !ackOK {
		start = o.segs[0].base
	}
	o.rpos = start
	o.ackOff.Store(start)
	o.persisted = start
	if !ackOK {
		o.persisted = -1
	}
	if err := o.importFileQueue(); err != nil {
		o.w.Close()
		return nil, err
	}
	return o, nil
}

const tmpSuffix = ".tmp"

// readAck reads outbox.ack.
func readAck(name string) (int64, bool) {
	b, err := os.ReadFile(name)
	if err != nil || len(b) != 12 || crc32.Checksum(b[:8], crcTable) != binary.LittleEndian.Uint32(b[8:]) {
		return 0, false
	}
	v := int64(binary.LittleEndian.Uint64(b))
	return v, v >= 0
}

// importFileQueue appends what autopaho's file queue (the sink's earlier
// queue) left in the directory, oldest first, and removes those files.
func (o *outbox) importFileQueue() error {
	files, _ := filepath.Glob(filepath.Join(o.dir, "msg-*.mqtt"))
	if len(files) == 0 {
		return nil
	}
	type old struct {
		name string
		mod  int64
	}
	var olds []old
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			olds = append(olds, old{f, fi.ModTime().UnixNano()})
		}
	}
	sort.Slice(olds, func(i, j int) bool {
		if olds[i].mod != olds[j].mod {
			return olds[i].mod < olds[j].mod
		}
		return olds[i].name < olds[j].name
	})
	var b batch
	var done []string
	for _, f := range olds {
		p, err := readOldPublish(f.name)
		if err != nil {
			o.opt.Logf("mqtt: outbox: leaving %s: %v", filepath.Base(f.name), err)
			continue
		}
		b.add(fnv32(p.Topic), p.Topic, p.Payload, p.Retain)
		done = append(done, f.name)
	}
	if b.len() == 0 {
		return nil
	}
	if err := o.appendSync(&b, true); err != nil {
		return err
	}
	for _, f := range done {
		_ = os.Remove(f)
	}
	o.opt.Logf("mqtt: outbox: took over %d messages of the earlier file queue", b.len())
	return nil
}

func readOldPublish(name string) (*packets.Publish, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cp, err := packets.ReadPacket(f)
	if err != nil {
		return nil, err
	}
	p, ok := cp.Content.(*packets.Publish)
	if !ok || len(p.Topic) > 0xFFFF {
		return nil, errors.New("not a PUBLISH packet")
	}
	return p, nil
}

// fnv32 is FNV-1a.
func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// append writes the batch with one write (and, with Sync, one fsync) and
// returns once the records are in the log. A failed write is cut off
// again, so that the log stays a run of whole records. A batch that would
// take the log beyond its limit compacts it first; when that does not
// make room the batch is refused (errFull) and counted.
func (o *outbox) append(b *batch) error { return o.appendSync(b, o.opt.Sync) }

func (o *outbox) appendSync(b *batch, sync bool) error {
	if b.n == 0 {
		return nil
	}
	need := int64(len(b.buf))
	o.wmu.Lock()
	if o.opt.Limit > 0 && o.size.Load()+need > o.compactAt() {
		o.wmu.Unlock()
		err := o.makeRoom(need)
		o.wmu.Lock()
		if err == nil && o.size.Load()+need > o.opt.Limit { // another append came first
			err = errFull
		}
		if err != nil {
			o.wmu.Unlock()
			if errors.Is(err, errFull) {
				o.noteRefused()
				o.refused.Add(uint64(b.n))
			}
			return err
		}
	}
	defer o.wmu.Unlock()
	if o.w == nil {
		return errors.New("outbox closed")
	}
	if o.wlen > 0 && o.wlen+need > o.opt.SegmentSize {
		if err := o.rotate(o.end.Load()); err != nil {
			return err
		}
	}
	if _, err := o.w.Write(b.buf); err != nil {
		// Cut a partial write, so that no torn record sits before later ones.
		if terr := o.w.Truncate(o.wlen); terr == nil {
			_, _ = o.w.Seek(o.wlen, io.SeekStart)
		}
		return err
	}
	if sync {
		if err := o.w.Sync(); err != nil {
			return err // the records are in the page cache: they stay
		}
	}
	o.wlen += need
	o.size.Add(need)
	o.sinceCompact.Add(need)
	o.end.Add(need)
	select {
	case o.appended <- struct{}{}:
	default:
	}
	return nil
}

// rotate starts a new active segment at base (at or after the current
// end). Called with wmu held.
func (o *outbox) rotate(base int64) error {
	f, err := os.OpenFile(filepath.Join(o.dir, segName(base)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	// A finished segment is synced once: cheap, and a power loss then
	// cannot leave a hole in the middle of the log.
	_ = o.w.Sync()
	o.w.Close()
	o.w, o.wlen = f, 0
	syncDir(o.dir)
	o.mu.Lock()
	o.segs[len(o.segs)-1].size = o.end.Load() - o.segs[len(o.segs)-1].base
	o.segs = append(o.segs, segment{base, 0})
	o.end.Store(base)
	o.mu.Unlock()
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// entry is a record handed out by next, to be acknowledged by its seq.
type entry struct {
	seq uint64
	record
}

// next returns the next record of the log, waiting for one to be
// appended and for room in the window of unacknowledged records. Records
// that cannot be read are logged and skipped, and so are the gaps that
// compaction leaves between segments.
func (o *outbox) next(ctx context.Context) (entry, error) {
	o.rmu.Lock()
	defer o.rmu.Unlock()
	for {
		// Wait for room in the window first: only next takes places in
		// it, so the reservations below then never wait.
		if o.windowFull() {
			o.rmu.Unlock()
			select {
			case <-o.space:
			case <-ctx.Done():
			}
			o.rmu.Lock()
			if err := ctx.Err(); err != nil {
				return entry{}, err
			}
			continue
		}
		base, limit, next, active := o.locate(o.rpos)
		if o.rpos >= limit {
			if active { // at the end of the log
				o.rmu.Unlock()
				select {
				case <-o.appended:
				case <-ctx.Done():
				}
				o.rmu.Lock()
				if err := ctx.Err(); err != nil {
					return entry{}, err
				}
				continue
			}
			// A gap left by compaction: the acknowledged offset may move
			// over it once everything before it is acknowledged.
			seq := o.reserve(next)
			o.moveTo(next)
			o.ack(seq)
			continue
		}
		if o.r != nil && o.rbase != base { // crossed into another segment
			o.moveTo(o.rpos)
		}
		var rec record
		var n int
		err := o.openReader(base)
		if err == nil {
			rec, n, err = decodeRecord(o.rbuf[o.rlo:o.rhi])
			if errors.Is(err, errShort) {
				if o.rpos+int64(o.rhi-o.rlo) < limit {
					err = o.fill(n, limit)
					if err == nil {
						continue
					}
				} else {
					err = errCorrupt // cut short inside what was written
				}
			}
		}
		if err != nil && !errors.Is(err, errCorrupt) && !errors.Is(err, os.ErrNotExist) {
			return entry{}, err
		}
		if err != nil {
			o.opt.Logf("mqtt: outbox: %v at offset %d of %s: skipping %d bytes", err, o.rpos-base, segName(base), limit-o.rpos)
			seq := o.reserve(limit)
			o.moveTo(limit)
			o.ack(seq)
			continue
		}
		seq := o.reserve(o.rpos + int64(n))
		o.rlo += n
		o.rpos += int64(n)
		return entry{seq: seq, record: rec}, nil
	}
}

// locate finds off in the log: the base of the segment holding it and
// where that segment's records end (the log's end for the active
// segment). When off is at or past that end of a segment that is not the
// active one, or before the first segment, next is where the log goes on.
func (o *outbox) locate(off int64) (base, limit, next int64, active bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := sort.Search(len(o.segs), func(i int) bool { return o.segs[i].base > off }) - 1
	if i < 0 {
		return off, off, o.segs[0].base, false
	}
	if i == len(o.segs)-1 {
		return o.segs[i].base, o.end.Load(), 0, true
	}
	s := o.segs[i]
	return s.base, min(s.base+s.size, o.segs[i+1].base), o.segs[i+1].base, false
}

// moveTo positions the reader at off, dropping what it buffered.
func (o *outbox) moveTo(off int64) {
	o.rpos, o.rlo, o.rhi = off, 0, 0
	if o.r != nil {
		o.r.Close()
		o.r = nil
	}
}

// openReader opens the segment at base for reading, unless it is open.
func (o *outbox) openReader(base int64) error {
	if o.r != nil {
		return nil
	}
	f, err := os.Open(filepath.Join(o.dir, segName(base)))
	if err != nil {
		return err
	}
	o.r, o.rbase, o.rlo, o.rhi = f, base, 0, 0
	return nil
}

// fill reads more of the segment into rbuf, never past limit, and so
// that a frame of need bytes fits.
func (o *outbox) fill(need int, limit int64) error {
	have := o.rhi - o.rlo
	if size := max(256<<10, need); cap(o.rbuf) < size {
		nb := make([]byte, size)
		copy(nb, o.rbuf[o.rlo:o.rhi])
		o.rbuf = nb
	} else {
		o.rbuf = o.rbuf[:cap(o.rbuf)]
		copy(o.rbuf, o.rbuf[o.rlo:o.rhi])
	}
	o.rlo, o.rhi = 0, have
	want := int64(len(o.rbuf) - have)
	if rest := limit - (o.rpos + int64(have)); rest < want {
		want = rest
	}
	n, err := o.r.ReadAt(o.rbuf[have:have+int(want)], o.rpos+int64(have)-o.rbase)
	o.rhi += n
	switch {
	case n > 0 || err == nil:
		return nil
	case errors.Is(err, io.EOF): // the file is shorter than the log says
		return fmt.Errorf("%w: the segment ends early", errCorrupt)
	}
	return err
}

// windowFull reports whether window records are handed out and not
// acknowledged.
func (o *outbox) windowFull() bool {
	o.wmx.Lock()
	defer o.wmx.Unlock()
	return o.tail-o.head >= window
}

// reserve takes a place in the window for a record ending at end. Only
// next calls it, after windowFull said there is room.
func (o *outbox) reserve(end int64) uint64 {
	o.wmx.Lock()
	defer o.wmx.Unlock()
	seq := o.tail
	o.ends[seq%window] = end
	o.done[seq%window] = false
	o.tail++
	return seq
}

// ack marks a record handed out by next as done (sent and acknowledged,
// or given up on) and moves the acknowledged offset past every done
// record at the window's head.
func (o *outbox) ack(seq uint64) {
	o.wmx.Lock()
	o.done[seq%window] = true
	moved := false
	for o.head < o.tail && o.done[o.head%window] {
		o.ackOff.Store(o.ends[o.head%window])
		o.head++
		moved = true
	}
	var wake chan struct{}
	if moved {
		wake = o.progress
		o.progress = make(chan struct{})
	}
	o.wmx.Unlock()
	if moved {
		close(wake)
		select {
		case o.space <- struct{}{}:
		default:
		}
	}
}

// drained reports whether every record appended is acknowledged.
func (o *outbox) drained() bool { return o.ackOff.Load() >= o.end.Load() }

// waitDrained waits until every record appended so far is acknowledged.
func (o *outbox) waitDrained(ctx context.Context) error {
	for {
		o.wmx.Lock()
		ch := o.progress
		o.wmx.Unlock()
		if o.drained() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// segEnd is where the records of segs[i] end. Called with mu held.
func (o *outbox) segEnd(i int) int64 {
	if i == len(o.segs)-1 {
		return o.end.Load()
	}
	return min(o.segs[i].base+o.segs[i].size, o.segs[i+1].base)
}

// pending counts the records not acknowledged yet, reading the log.
func (o *outbox) pending() (int, error) {
	o.mu.Lock()
	segs := make([]segment, len(o.segs))
	for i := range o.segs {
		segs[i] = segment{o.segs[i].base, o.segEnd(i) - o.segs[i].base}
	}
	o.mu.Unlock()
	from, n := o.ackOff.Load(), 0
	for _, s := range segs {
		if s.base+s.size <= from {
			continue
		}
		data, err := os.ReadFile(filepath.Join(o.dir, segName(s.base)))
		if err != nil {
			return n, err
		}
		data = data[:min(int64(len(data)), s.size)]
		for off := max(from-s.base, 0); off < int64(len(data)); {
			l, err := frameLen(data[off:])
			if err != nil {
				break
			}
			off += int64(l)
			n++
		}
	}
	return n, nil
}

// persist writes the acknowledged offset to outbox.ack (temporary file
// and rename) and deletes the segments acknowledged in full.
func (o *outbox) persist() error {
	o.pmu.Lock()
	defer o.pmu.Unlock()
	defer o.checkEpisode()
	ack := o.ackOff.Load()
	if ack == o.persisted {
		return nil
	}
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:], uint64(ack))
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], crcTable))
	tmp := filepath.Join(o.dir, ackName+".tmp")
	if err := writeFileSync(tmp, b[:], o.opt.Sync); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(o.dir, ackName)); err != nil {
		return err
	}
	o.persisted = ack
	// Only now that the offset is on disk may the segments before it go.
	o.mu.Lock()
	var gone []int64
	for len(o.segs) > 1 && o.segEnd(0) <= ack {
		gone = append(gone, o.segs[0].base)
		o.size.Add(-o.segs[0].size)
		o.segs = o.segs[1:]
	}
	o.mu.Unlock()
	for _, base := range gone {
		if err := os.Remove(filepath.Join(o.dir, segName(base))); err != nil && !errors.Is(err, os.ErrNotExist) {
			o.opt.Logf("mqtt: outbox: %v", err)
		}
	}
	return nil
}

func writeFileSync(name string, b []byte, sync bool) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// close persists the acknowledged offset and closes the files. An outbox
// with everything acknowledged leaves no files behind.
func (o *outbox) close() error {
	o.rmu.Lock()
	defer o.rmu.Unlock()
	o.wmu.Lock()
	defer o.wmu.Unlock()
	if o.w == nil {
		return nil
	}
	if o.r != nil {
		o.r.Close()
		o.r = nil
	}
	if o.drained() {
		o.w.Close()
		o.w = nil
		o.mu.Lock()
		segs := o.segs
		o.mu.Unlock()
		var err error
		for _, s := range segs {
			if e := os.Remove(filepath.Join(o.dir, segName(s.base))); e != nil && !errors.Is(e, os.ErrNotExist) {
				err = e
			}
		}
		if err == nil { // the log starts again at offset 0
			_ = os.Remove(filepath.Join(o.dir, ackName))
			return nil
		}
		return o.persist()
	}
	err := o.w.Sync()
	o.w.Close()
	o.w = nil
	if perr := o.persist(); perr != nil {
		err = perr
	}
	return err
}
