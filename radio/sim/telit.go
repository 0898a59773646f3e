package sim

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/telit"
	"github.com/meterwire/meterwire/wmbus"
)

// Telit simulates a Telit ME70-169 wireless M-Bus module on a Stick: the
// AT command mode with its register file, and data mode joined to an Air.
//
// AT mode is entered only by "+++" with at least the guard time of
// silence on the UART before and after it; the module then answers "OK".
// Commands end in CR (LF is accepted too) and are not echoed unless
// TelitEcho is given: "AT" answers OK, "ATSnnn?" answers "ATSnnn=v",
// "ATSnnn=v" stores v (0-255) and answers OK, "ATO" answers OK and returns
// to data mode, "ATR" restores the factory registers and forgets the
// registered meters; anything else answers ERROR, as does a mode value
// above 17 for register 400. The registers and the registered meters
// survive Unplug and Plug (the real module keeps them in non-volatile
// memory; whether it needs a save command first is not known to us).
// After Plug the module is in data mode.
//
// Data mode: the host writes frames as [length][C][M][A][CI][data] with
// the fields register 401 selects (without the length byte, a pause of
// the frame timeout ends a frame); the fields it leaves out come from
// registers 410-419. The module builds the full frame and transmits it
// on the Air in its link mode (register 400) and frame format (bit 2 of
// register 453). Frames heard on the Air in a compatible link mode are
// written to the host with the fields register 402 selects, LQI and RSSI
// included when selected; while the module is in AT mode they are
// dropped.
//
// Registered meters (register 460 acts on a write: bit 0 add, else
// remove; bit 1 forward; bit 2 encryption; M in 461-462 and A in 463-468
// LSB first, key in 470-485) change data mode:
//
//   - transmit: when the frame's own link address is registered with the
//     encryption bit and a key, and the frame carries an ELL with a
//     session number (CI 0x8D or 0x8F), the module encrypts it with
//     AES-128-CTR as EN 13757-4 describes the ELL: it computes the
//     PayloadCRC over the plaintext after it, sets ENC=1 in the session
//     number and encrypts from the PayloadCRC to the end, counter block
//     built from the link-layer M and A. The host leaves ENC at 0 (or
//     sets it; the result is the same). Frames without such an ELL go
//     out unchanged.
//   - receive: a frame from a registered meter without the forward bit is
//     not passed to the host; one with the encryption bit and a key whose
//     ELL (0x8D, 0x8F) has ENC=1 is decrypted and passed on with ENC still
//     set and the PayloadCRC valid, which meterwire reports as
//     "already-plain". A frame the key does not decrypt is passed on
//     unchanged. Frames of meters not registered are passed on.
//
// Uncertain (the manual leaves it open, or we have not seen it on
// hardware): the factory values (here: mode 17, N2 other; registers 401
// and 402 all header fields, no LQI/RSSI; 410 0x44; 419 0x78; 453 0); that
// the module compares all eight address bytes of registered meters;
// whether it encrypts on transmit as described (the ELL 0x8F ENC=1 frame
// of the ME70-169 use case is what this produces) and whether it
// recomputes the PayloadCRC; what it does with frames it fails to
// decrypt; the wake-up character (0xFF here); whether answers to reads are
// followed by OK (here they are not).
type Telit struct {
	air      *Air
	guard    time.Duration
	timeout  time.Duration
	echo     bool
	readOnly map[int]bool

	mu     sync.Mutex
	regs   [telit.MaxRegister + 1]byte
	meters []telitMeter
	inject chan telitInject // of the running Serve, nil when unplugged
}

type telitMeter struct {
	addr [8]byte // M, A as on the air
	key  []byte
	opts byte
}

// telitChunk is what one read from the host returned, and when.
type telitChunk struct {
	b  []byte
	at time.Time
}

type telitInject struct {
	b    []byte
	done chan error
}

// TelitOption configures a simulated Telit module.
type TelitOption func(*Telit)

// TelitGuard sets the silence the module needs around "+++" (default
// telit.EscapeGuard). Drivers must keep a somewhat longer silence: they
// measure it from their write, the module from the arrival of the bytes.
func TelitGuard(d time.Duration) TelitOption { return func(t *Telit) { t.guard = d } }

// TelitFrameTimeout sets the pause after which the module ends a frame the
// host sends without the length byte, and drops a partial one (default
// 20 ms).
func TelitFrameTimeout(d time.Duration) TelitOption { return func(t *Telit) { t.timeout = d } }

// TelitEcho makes the module echo each command line before its answer.
func TelitEcho() TelitOption { return func(t *Telit) { t.echo = true } }

// TelitReadOnly makes writes to the registers answer OK but leave them
// unchanged, as a module refusing a value silently would.
func TelitReadOnly(regs ...int) TelitOption {
	return func(t *Telit) {
		for _, r := range regs {
			t.readOnly[r] = true
		}
	}
}

// NewTelit returns a module with factory settings on air.
func NewTelit(air *Air, opts ...TelitOption) *Telit {
	t := &Telit{air: air, guard: telit.EscapeGuard, timeout: 20 * time.Millisecond, readOnly: map[int]bool{}}
	for _, o := range opts {
		o(t)
	}
	t.factory()
	return t
}

// factory sets the factory registers; t.mu must be held or t unshared.
func (t *Telit) factory() {
	t.regs = [telit.MaxRegister + 1]byte{}
	t.regs[telit.RegMode] = telit.ModeN2Other
	t.regs[telit.RegTxFields] = byte(telit.FieldsHeader)
	t.regs[telit.RegRxFields] = byte(telit.FieldsHeader)
	t.regs[telit.RegTxC] = 0x44
	t.regs[telit.RegTxCI] = 0x78
	t.meters = nil
}

// Register returns the value of register reg.
func (t *Telit) Register(reg int) byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if reg < 0 || reg > telit.MaxRegister {
		return 0
	}
	return t.regs[reg]
}

// TelitMeterInfo describes a meter registered in a simulated module. It
// holds the key: never print it.
type TelitMeterInfo struct {
	Address wmbus.Address
	Key     []byte
	Options telit.MeterOptions
}

// Meters returns the registered meters in the order they were added.
func (t *Telit) Meters() []TelitMeterInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []TelitMeterInfo
	for _, m := range t.meters {
		out = append(out, TelitMeterInfo{Address: telitAddr(m.addr[:]), Key: bytes.Clone(m.key), Options: telit.MeterOptionsFromValue(m.opts)})
	}
	return out
}

// Inject writes b to the host as it is (noise, half frames), in one
// burst. It fails when the module is unplugged.
func (t *Telit) Inject(b []byte) error {
	t.mu.Lock()
	ch := t.inject
	t.mu.Unlock()
	if ch == nil {
		return errors.New("sim: telit: not plugged in")
	}
	in := telitInject{b: bytes.Clone(b), done: make(chan error, 1)}
	ch <- in
	return <-in.done
}

func telitAddr(b []byte) wmbus.Address {
	return wmbus.Address{
		Manufacturer: binary.LittleEndian.Uint16(b),
		ID:           binary.LittleEndian.Uint32(b[2:]),
		Version:      b[6], Type: b[7],
	}
}

// telitState is the per-plug state of Serve.
type telitState struct {
	port   io.Writer
	at     bool
	lastRx time.Time // arrival of the host's last bytes; zero: none yet
	esc    int       // '+' seen of a possible escape
	escT   *time.Timer
	line   []byte
	tx     []byte // host data not yet a whole frame
	idle   *time.Timer
}

// Serve runs the module on port until it fails or ctx ends.
func (t *Telit) Serve(ctx context.Context, port io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rx := make(chan telitChunk)
	rxErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := port.Read(buf)
			if n > 0 {
				select {
				case rx <- telitChunk{bytes.Clone(buf[:n]), now()}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				rxErr <- err
				return
			}
		}
	}()
	heard, stop := t.air.Listen(radio.ModeUnknown, t)
	defer stop()
	inject := make(chan telitInject)
	t.mu.Lock()
	t.inject = inject
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.inject = nil
		t.mu.Unlock()
		for { // answer Inject calls that raced with the unplug
			select {
			case in := <-inject:
				in.done <- errors.New("sim: telit: unplugged")
			default:
				return
			}
		}
	}()

	// lastRx starts at the zero time: nothing has come from the host
	// since the module powered up, so the first bytes follow a silence
	// however late this loop got going (bytes the reader stamped before
	// then must not count as sent before a now() taken here).
	st := &telitState{port: port, escT: stoppedTimer(), idle: stoppedTimer()}
	defer st.escT.Stop()
	defer st.idle.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err = <-rxErr:
			return err
		case c := <-rx:
			err = t.fromHost(st, c.b, c.at)
		case <-st.escT.C:
			st.esc = 0
			st.at, st.tx, st.line = true, nil, nil
			_, err = port.Write([]byte("OK\r"))
		case <-st.idle.C:
			if !st.at {
				t.hostFrameTimeout(st)
			}
		case p := <-heard:
			if !st.at {
				err = t.toHost(st, p)
			}
		case in := <-inject:
			_, err = port.Write(in.b)
			in.done <- err
		}
		if err != nil {
			return err
		}
	}
}

func stoppedTimer() *time.Timer {
	tm := time.NewTimer(time.Hour)
	tm.Stop()
	return tm
}

// fromHost handles bytes the host wrote, arrived at at.
func (t *Telit) fromHost(st *telitState, b []byte, at time.Time) error {
	silent := at.Sub(st.lastRx) >= t.guard
	st.lastRx = at
	if st.at {
		return t.atBytes(st, b)
	}
	if st.esc == 3 { // anything within the guard after "+++" cancels it
		st.escT.Stop()
		st.tx = append(st.tx, "+++"...)
		st.esc = 0
		silent = false
	}
	for i, c := range b {
		switch {
		case st.esc > 0 && c == '+':
			st.esc++
			if st.esc == 3 {
				if i != len(b)-1 {
					st.tx = append(st.tx, "+++"...)
					st.esc = 0
					continue
				}
				st.escT.Reset(t.guard)
			}
		case st.esc > 0:
			st.tx = append(st.tx, bytes.Repeat([]byte{'+'}, st.esc)...)
			st.tx = append(st.tx, c)
			st.esc = 0
		case c == '+' && i == 0 && silent:
			st.esc = 1
		default:
			st.tx = append(st.tx, c)
		}
	}
	return t.hostFrames(st)
}

// hostFrames transmits the whole frames the host has written.
func (t *Telit) hostFrames(st *telitState) error {
	t.mu.Lock()
	mask := telit.FieldMask(t.regs[telit.RegTxFields])
	t.mu.Unlock()
	if !mask.Has(telit.FieldL) {
		if len(st.tx) > 0 {
			st.idle.Reset(t.timeout)
		}
		return nil
	}
	for len(st.tx) > 0 {
		f, n, err := telit.ParseTransmit(st.tx, mask)
		if err != nil {
			if n = 1 + int(st.tx[0]); n > len(st.tx) {
				st.idle.Reset(t.timeout) // wait for the rest
				return nil
			}
			st.tx = st.tx[n:] // a frame too short for its fields
			continue
		}
		st.tx = st.tx[n:]
		t.transmit(f)
	}
	st.idle.Stop()
	return nil
}

// hostFrameTimeout ends the host's frame at a pause: without the length
// byte it is a whole frame, with it a partial one to drop.
func (t *Telit) hostFrameTimeout(st *telitState) {
	t.mu.Lock()
	mask := telit.FieldMask(t.regs[telit.RegTxFields])
	t.mu.Unlock()
	if !mask.Has(telit.FieldL) && st.esc == 0 && len(st.tx) > 0 {
		if f, _, err := telit.ParseTransmit(st.tx, mask); err == nil {
			t.transmit(f)
		}
	}
	st.tx = nil
}

// transmit completes a frame from the host and sends it on the air.
func (t *Telit) transmit(f telit.TxFields) {
	t.mu.Lock()
	r := &t.regs
	var frame []byte
	frame = append(frame, 0)
	if f.Mask.Has(telit.FieldC) {
		frame = append(frame, f.C)
	} else {
		frame = append(frame, r[telit.RegTxC])
	}
	if f.Mask.Has(telit.FieldM) {
		frame = binary.LittleEndian.AppendUint16(frame, f.Address.Manufacturer)
	} else {
		frame = append(frame, r[telit.RegTxM:telit.RegTxM+2]...)
	}
	if f.Mask.Has(telit.FieldA) {
		frame = binary.LittleEndian.AppendUint32(frame, f.Address.ID)
		frame = append(frame, f.Address.Version, f.Address.Type)
	} else {
		frame = append(frame, r[telit.RegTxA:telit.RegTxA+6]...)
	}
	if f.Mask.Has(telit.FieldCI) {
		frame = append(frame, f.CI)
	} else {
		frame = append(frame, r[telit.RegTxCI])
	}
	frame = append(frame, f.Data...)
	mode, _, _ := telit.ModeFromValue(r[telit.RegMode])
	format := wmbus.FormatA
	if r[telit.RegFrameOptions]&telit.FrameFormatB != 0 {
		format = wmbus.FormatB
	}
	var key []byte
	if m := t.meter(frame[2:10]); m != nil && m.opts&(1<<2) != 0 && len(m.key) == 16 {
		key = m.key
	}
	t.mu.Unlock()
	if len(frame) > 256 {
		return // the module cannot send it
	}
	frame[0] = byte(len(frame) - 1)
	if key != nil {
		telitCryptELL(frame, key, true)
	}
	t.air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: mode}, Format: format, From: t})
}

// meter finds a registered meter by its address bytes; t.mu must be held.
func (t *Telit) meter(addr []byte) *telitMeter {
	for i := range t.meters {
		if bytes.Equal(t.meters[i].addr[:], addr) {
			return &t.meters[i]
		}
	}
	return nil
}

// telitCryptELL encrypts (or decrypts) the ELL payload of frame (L C M A
// CI ..., no CRCs) in place with AES-128-CTR when the frame has an ELL
// with a session number (CI 0x8D, 0x8F). Encrypting computes the
// PayloadCRC and sets ENC=1 first; decrypting needs ENC=1 and reports
// whether the PayloadCRC verified (else frame is left unchanged).
func telitCryptELL(frame, key []byte, encrypt bool) bool {
	const ci = 10
	var snOff int
	switch {
	case len(frame) <= ci:
		return false
	case frame[ci] == 0x8D:
		snOff = ci + 3
	case frame[ci] == 0x8F:
		snOff = ci + 3 + 8
	default:
		return false
	}
	pcOff := snOff + 4
	if len(frame) < pcOff+2 {
		return false
	}
	sn := binary.LittleEndian.Uint32(frame[snOff:])
	if encrypt {
		sn = sn&^(7<<29) | 1<<29
		binary.LittleEndian.PutUint32(frame[snOff:], sn)
		binary.LittleEndian.PutUint16(frame[pcOff:], crc16.Checksum(frame[pcOff+2:], crc16.EN13757))
	} else if sn>>29 != 1 {
		return false
	}
	var icb [16]byte
	copy(icb[:8], frame[2:10])
	icb[8] = frame[ci+1] &^ (wmbus.CCHop | wmbus.CCRepeatedAccess)
	binary.LittleEndian.PutUint32(icb[9:], sn)
	blk, err := aes.NewCipher(key)
	if err != nil {
		return false
	}
	payload := frame[pcOff:]
	out := make([]byte, len(payload))
	cipher.NewCTR(blk, icb[:]).XORKeyStream(out, payload)
	if !encrypt && binary.LittleEndian.Uint16(out) != crc16.Checksum(out[2:], crc16.EN13757) {
		return false
	}
	copy(payload, out)
	return true
}

// toHost writes a frame heard on the air to the host.
func (t *Telit) toHost(st *telitState, p Packet) error {
	t.mu.Lock()
	mode, _, _ := telit.ModeFromValue(t.regs[telit.RegMode])
	mask := telit.FieldMask(t.regs[telit.RegRxFields])
	frame := bytes.Clone(p.Frame.Data)
	if len(frame) < 11 || int(frame[0]) != len(frame)-1 || !compatible(mode, p.Frame.Mode) && p.Frame.Mode != radio.ModeUnknown {
		t.mu.Unlock()
		return nil
	}
	var key []byte
	if m := t.meter(frame[2:10]); m != nil {
		if m.opts&(1<<1) == 0 {
			t.mu.Unlock()
			return nil
		}
		if m.opts&(1<<2) != 0 && len(m.key) == 16 {
			key = m.key
		}
	}
	t.mu.Unlock()
	if key != nil {
		telitCryptELL(frame, key, false)
	}
	rssi := -70
	if p.Frame.HasRSSI {
		rssi = p.Frame.RSSI
	}
	lqi := telitLQI(rssi)
	if p.Frame.HasLQI {
		lqi = byte(max(0, min(3, p.Frame.LQI)))
	}
	out := telitAppendReceive(nil, frame, mask, lqi, rssi)
	_, err := st.port.Write(out)
	return err
}

// telitLQI grades the signal 0 (poor) to 3 (excellent).
func telitLQI(rssi int) byte {
	switch {
	case rssi >= -70:
		return 3
	case rssi >= -85:
		return 2
	case rssi >= -100:
		return 1
	}
	return 0
}

// telitAppendReceive appends frame (L C M A CI ...) as the module writes
// it with receive mask mask, any mask (telit.AppendReceive needs C, M, A
// and CI).
func telitAppendReceive(dst, frame []byte, mask telit.FieldMask, lqi byte, rssi int) []byte {
	if mask.Has(telit.FieldWakeUp) {
		dst = append(dst, 0xFF)
	}
	var body []byte
	for _, f := range [...]struct {
		m    telit.FieldMask
		a, b int
	}{{telit.FieldC, 1, 2}, {telit.FieldM, 2, 4}, {telit.FieldA, 4, 10}, {telit.FieldCI, 10, 11}} {
		if mask.Has(f.m) {
			body = append(body, frame[f.a:f.b]...)
		}
	}
	body = append(body, frame[11:]...)
	if mask.Has(telit.FieldL) {
		dst = append(dst, byte(len(body)))
	}
	dst = append(dst, body...)
	if mask.Has(telit.FieldLQI) {
		dst = append(dst, lqi)
	}
	if mask.Has(telit.FieldRSSI) {
		dst = append(dst, telit.DBmToRSSI(rssi))
	}
	return dst
}

// atBytes collects command lines in AT mode.
func (t *Telit) atBytes(st *telitState, b []byte) error {
	for _, c := range b {
		if c != '\r' && c != '\n' {
			if len(st.line) < 80 {
				st.line = append(st.line, c)
			}
			continue
		}
		line := st.line
		st.line = nil
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var out []byte
		if t.echo {
			out = append(append(out, line...), '\r')
		}
		resp, online := t.command(line)
		out = append(append(out, resp...), '\r')
		if _, err := st.port.Write(out); err != nil {
			return err
		}
		if online {
			st.at, st.tx, st.esc = false, nil, 0
		}
	}
	return nil
}

// telitCmd is a parsed command line.
type telitCmd struct {
	kind  byte // 'A' AT, 'O' ATO, 'R' ATR, '?' read, '=' write, 0 invalid
	reg   int
	value int
}

// parseTelitCommand parses one command line (without CR).
func parseTelitCommand(line []byte) telitCmd {
	s := bytes.ToUpper(bytes.TrimSpace(line))
	switch string(s) {
	case "AT":
		return telitCmd{kind: 'A'}
	case "ATO":
		return telitCmd{kind: 'O'}
	case "ATR":
		return telitCmd{kind: 'R'}
	}
	if len(s) < 7 || !bytes.HasPrefix(s, []byte("ATS")) {
		return telitCmd{}
	}
	reg, err := strconv.Atoi(string(s[3:6]))
	if err != nil || s[3] < '0' || s[3] > '9' {
		return telitCmd{}
	}
	switch {
	case s[6] == '?' && len(s) == 7:
		return telitCmd{kind: '?', reg: reg}
	case s[6] == '=' && len(s) > 7 && len(s) <= 10:
		v := 0
		for _, c := range s[7:] {
			if c < '0' || c > '9' {
				return telitCmd{}
			}
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return telitCmd{}
		}
		return telitCmd{kind: '=', reg: reg, value: v}
	}
	return telitCmd{}
}

// command executes one AT command; online reports a return to data mode.
func (t *Telit) command(line []byte) (resp []byte, online bool) {
	c := parseTelitCommand(line)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch c.kind {
	case 'A':
		return []byte("OK"), false
	case 'O':
		return []byte("OK"), true
	case 'R':
		t.factory()
		return []byte("OK"), false
	case '?':
		return []byte("ATS" + pad3(c.reg) + "=" + strconv.Itoa(int(t.regs[c.reg]))), false
	case '=':
		if c.reg == telit.RegMode {
			if _, _, ok := telit.ModeFromValue(byte(c.value)); !ok {
				return []byte("ERROR"), false
			}
		}
		if t.readOnly[c.reg] {
			return []byte("OK"), false
		}
		t.regs[c.reg] = byte(c.value)
		if c.reg == telit.RegMeterOptions {
			t.registerMeter(byte(c.value))
		}
		return []byte("OK"), false
	}
	return []byte("ERROR"), false
}

func pad3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// registerMeter acts on a write of register 460; t.mu must be held.
func (t *Telit) registerMeter(opts byte) {
	var addr [8]byte
	copy(addr[:], t.regs[telit.RegMeterM:telit.RegMeterM+8])
	kept := t.meters[:0]
	for _, m := range t.meters {
		if m.addr != addr {
			kept = append(kept, m)
		}
	}
	t.meters = kept
	if opts&1 != 0 {
		key := bytes.Clone(t.regs[telit.RegMeterKey : telit.RegMeterKey+16])
		if bytes.Equal(key, make([]byte, 16)) {
			key = nil
		}
		t.meters = append(t.meters, telitMeter{addr: addr, key: key, opts: opts})
	}
}
