package fleet

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/dlms"
	"github.com/meterwire/meterwire/dsmr"
)

// P1Meter is a simulated Luxembourg smarty electricity meter: every Next
// prints a DSMR 5 telegram (three phases, import and export, gas meter on
// M-Bus channel 1) and wraps it in a DLMS general-glo-ciphering frame
// (security control 0x30, AES-128-GCM, 12-byte tag, AAD with smarty's
// authentication key) with an increasing frame counter. The exported
// fields must not change once it transmits. A P1Meter is safe for
// concurrent use.
type P1Meter struct {
	// Name is a short label ("smarty").
	Name string
	// SystemTitle is the DLMS system title (manufacturer letters first).
	SystemTitle [8]byte
	// Key is the encryption key (EK), 16 bytes; AK the authentication key
	// (dlms.SmartyAK for smarty).
	Key, AK []byte
	// Identification is the header line after '/', e.g. `Lux5\253700001_D`.
	Identification string
	// EquipmentID is the meter's equipment identifier (0-0:42.0.0), GasID
	// the gas meter's (0-1:96.1.0); both are printed hex-encoded.
	EquipmentID, GasID string
	// Interval is the time between telegrams (10 s for smarty).
	Interval time.Duration
	// Location is the time zone of the telegram timestamps (smarty:
	// Europe/Luxembourg).
	Location *time.Location

	mu     sync.Mutex
	rng    *rand.Rand
	load   float64 // W, average household load
	solar  float64 // W, PV peak
	st     p1State
	fc     uint32
	frames uint64
	sent   p1Reading
	buf    []byte
}

// p1State holds the counters in natural units.
type p1State struct {
	last                 time.Time
	importWh, exportWh   float64
	qImportVarh          float64
	qExportVarh          float64
	gasM3                float64
	phaseW               [3]float64 // net per phase, negative: export
	voltage              [3]float64
	gasCaptured          float64
	gasCapturedAt        time.Time
	powerFailures        int
	breakerState         int
	limiterKVA           float64
	currentLimitA        int
	currentLimitReverseA int
}

// p1Reading is one telegram's values as printed (integers in the printed
// resolution).
type p1Reading struct {
	t                      time.Time // zero before the first telegram
	importWh, exportWh     int64
	qImportVarh, qExpVarh  int64
	pImportW, pExportW     int64
	qImportVar, qExportVar int64
	sImportVA, sExportVA   int64
	phImportW, phExportW   [3]int64
	voltDV                 [3]int64
	currentA               [3]int64
	gasL                   int64
	gasAt                  time.Time
}

// Next advances the meter to t and returns its next frame: the DSMR
// telegram of NextTelegram encrypted into a general-glo-ciphering APDU,
// frame counter one higher than the last. The error is only for a Key or
// AK that is not 16 bytes.
func (p *P1Meter) Next(t time.Time) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	plain := p.nextTelegram(t)
	p.fc = max(p.fc+1, clockCounter(t))
	return dlms.AppendCiphered(nil, &dlms.Seal{SystemTitle: p.SystemTitle, SC: dlms.SCAuthenticated | dlms.SCEncrypted, FC: p.fc, Key: p.Key, AK: p.AK}, plain)
}

// NextTelegram advances the meter to t and returns its next telegram in
// clear (what an unencrypted DSMR 5 meter prints), with its CRC. The frame
// counter does not change.
func (p *P1Meter) NextTelegram(t time.Time) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.nextTelegram(t)...)
}

// FrameCounter returns the frame counter of the last frame Next built.
func (p *P1Meter) FrameCounter() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fc
}

func (p *P1Meter) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

func (p *P1Meter) nextTelegram(t time.Time) []byte {
	p.advance(t)
	p.frames++
	p.sent = p.reading(t)
	p.buf = p.appendTelegram(p.buf[:0], &p.sent)
	return p.buf
}

func (p *P1Meter) advance(t time.Time) {
	s := &p.st
	if s.last.IsZero() {
		s.last = t
		p.step(t, 0)
		p.capture(t)
		return
	}
	if !t.After(s.last) {
		return
	}
	dt := t.Sub(s.last)
	n := int64(dt/stepLen) + 1
	if n > maxSteps {
		n = maxSteps
	}
	h := dt.Hours() / float64(n)
	for i := int64(1); i <= n; i++ {
		p.step(s.last.Add(time.Duration(int64(dt)*i/n)), h)
	}
	s.last = t
	p.capture(t)
}

// capture takes the gas meter's reading every 5 minutes (DSMR 5 M-Bus
// values are 5-minute values).
func (p *P1Meter) capture(t time.Time) {
	s := &p.st
	at := t.Truncate(5 * time.Minute)
	if at.After(s.gasCapturedAt) {
		s.gasCapturedAt = at
		s.gasCaptured = s.gasM3
	}
}

// phaseShare splits the household load over the three phases.
var phaseShare = [3]float64{0.45, 0.35, 0.2}

func (p *P1Meter) step(t time.Time, h float64) {
	s := &p.st
	hour := localHour(t, p.location())
	load := p.load * dayFactor(hour) * (0.5 + p.rng.Float64())
	pv := p.solar * sunFactor(hour) * (0.6 + 0.4*p.rng.Float64())
	for i := range s.phaseW {
		s.phaseW[i] = load*phaseShare[i] - pv/3
		if s.phaseW[i] >= 0 {
			s.importWh += s.phaseW[i] * h
			s.qImportVarh += 0.1 * s.phaseW[i] * h
		} else {
			s.exportWh -= s.phaseW[i] * h
			s.qExportVarh -= 0.05 * s.phaseW[i] * h
		}
		s.voltage[i] = 230 + 6*(p.rng.Float64()-0.5) + math.Max(0, -s.phaseW[i])/1000
	}
	s.gasM3 += 0.12 * dayFactor(hour) * (0.5 + p.rng.Float64()) * h
}

func (p *P1Meter) reading(t time.Time) p1Reading {
	s := &p.st
	r := p1Reading{
		t:           t.Truncate(time.Second),
		importWh:    floorTo(s.importWh, 0),
		exportWh:    floorTo(s.exportWh, 0),
		qImportVarh: floorTo(s.qImportVarh, 0),
		qExpVarh:    floorTo(s.qExportVarh, 0),
		gasL:        floorTo(s.gasCaptured, 3),
		gasAt:       s.gasCapturedAt,
	}
	for i, w := range s.phaseW {
		pw := int64(math.Round(w))
		if pw >= 0 {
			r.phImportW[i] = pw
		} else {
			r.phExportW[i] = -pw
		}
		r.pImportW += r.phImportW[i]
		r.pExportW += r.phExportW[i]
		r.voltDV[i] = int64(math.Round(s.voltage[i] * 10))
		r.currentA[i] = int64(math.Round(float64(r.phImportW[i]+r.phExportW[i]) * 10 / float64(r.voltDV[i])))
	}
	r.qImportVar = int64(math.Round(0.1 * float64(r.pImportW)))
	r.qExportVar = int64(math.Round(0.05 * float64(r.pExportW)))
	r.sImportVA = int64(math.Round(math.Hypot(float64(r.pImportW), float64(r.qImportVar))))
	r.sExportVA = int64(math.Round(math.Hypot(float64(r.pExportW), float64(r.qExportVar))))
	return r
}

// appendHexUpper appends s hex-encoded in upper case, as meters print
// identifiers.
func appendHexUpper(b []byte, s string) []byte {
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		b = append(b, hexd[s[i]>>4], hexd[s[i]&15])
	}
	return b
}

// dsmrTime formats a DSMR timestamp YYMMDDhhmmssX (X: S summer, W winter).
func dsmrTime(b []byte, t time.Time) []byte {
	b = t.AppendFormat(b, "060102150405")
	if t.IsDST() {
		return append(b, 'S')
	}
	return append(b, 'W')
}

// fixed appends v/10^dec zero-padded to intDigits integer digits and dec
// decimals ("000025.653"); v must not be negative.
func fixed(b []byte, v int64, intDigits, dec int) []byte {
	var buf [24]byte
	d := strconv.AppendInt(buf[:0], v, 10)
	pad := max(0, intDigits+dec-len(d), dec+1-len(d))
	n := pad + len(d) // digits in all
	for i := range n - dec {
		if i < pad {
			b = append(b, '0')
		} else {
			b = append(b, d[i-pad])
		}
	}
	if dec > 0 {
		b = append(b, '.')
		for i := n - dec; i < n; i++ {
			if i < pad {
				b = append(b, '0')
			} else {
				b = append(b, d[i-pad])
			}
		}
	}
	return b
}

func line(b []byte, code string, v int64, intDigits, dec int, unit string) []byte {
	b = append(b, code...)
	b = append(b, '(')
	b = fixed(b, v, intDigits, dec)
	if unit != "" {
		b = append(b, '*')
		b = append(b, unit...)
	}
	return append(b, ")\r\n"...)
}

func (p *P1Meter) appendTelegram(b []byte, r *p1Reading) []byte {
	loc := p.location()
	start := len(b)
	b = append(b, '/')
	b = append(b, p.Identification...)
	b = append(b, "\r\n\r\n1-3:0.2.8(42)\r\n0-0:1.0.0("...)
	b = dsmrTime(b, r.t.In(loc))
	b = append(b, ")\r\n0-0:42.0.0("...)
	b = appendHexUpper(b, p.EquipmentID)
	b = append(b, ")\r\n"...)
	b = line(b, "1-0:1.8.0", r.importWh, 6, 3, "kWh")
	b = line(b, "1-0:2.8.0", r.exportWh, 6, 3, "kWh")
	b = line(b, "1-0:3.8.0", r.qImportVarh, 6, 3, "kvarh")
	b = line(b, "1-0:4.8.0", r.qExpVarh, 6, 3, "kvarh")
	b = line(b, "1-0:1.7.0", r.pImportW, 2, 3, "kW")
	b = line(b, "1-0:2.7.0", r.pExportW, 2, 3, "kW")
	b = line(b, "1-0:3.7.0", r.qImportVar, 2, 3, "kvar")
	b = line(b, "1-0:4.7.0", r.qExportVar, 2, 3, "kvar")
	b = line(b, "0-0:17.0.0", int64(p.st.limiterKVA*10), 3, 1, "kVA")
	b = line(b, "1-0:9.7.0", r.sImportVA, 2, 3, "kVA")
	b = line(b, "1-0:10.7.0", r.sExportVA, 2, 3, "kVA")
	b = append(b, "1-1:31.4.0("...)
	b = fixed(b, int64(p.st.currentLimitA), 3, 0)
	b = append(b, "*A)(-"...)
	b = fixed(b, int64(p.st.currentLimitReverseA), 3, 0)
	b = append(b, "*A)\r\n"...)
	b = line(b, "0-0:96.3.10", int64(p.st.breakerState), 1, 0, "")
	b = line(b, "0-0:96.7.21", int64(p.st.powerFailures), 5, 0, "")
	for _, c := range [...]string{"1-0:32.32.0", "1-0:52.32.0", "1-0:72.32.0", "1-0:32.36.0", "1-0:52.36.0", "1-0:72.36.0"} {
		b = line(b, c, 0, 5, 0, "")
	}
	b = append(b, "0-0:96.13.0()\r\n"...)
	for i, c := range [...]string{"1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0"} {
		b = line(b, c, r.voltDV[i], 3, 1, "V")
	}
	for i, c := range [...]string{"1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0"} {
		b = line(b, c, r.currentA[i], 3, 0, "A")
	}
	for i, c := range [...]string{"1-0:21.7.0", "1-0:41.7.0", "1-0:61.7.0"} {
		b = line(b, c, r.phImportW[i], 2, 3, "kW")
	}
	for i, c := range [...]string{"1-0:22.7.0", "1-0:42.7.0", "1-0:62.7.0"} {
		b = line(b, c, r.phExportW[i], 2, 3, "kW")
	}
	b = append(b, "0-1:24.1.0(003)\r\n0-1:96.1.0("...)
	b = appendHexUpper(b, p.GasID)
	b = append(b, ")\r\n0-1:24.2.1("...)
	b = dsmrTime(b, r.gasAt.In(loc))
	b = append(b, ")("...)
	b = fixed(b, r.gasL, 5, 3)
	b = append(b, "*m3)\r\n0-1:24.4.0(1)\r\n!"...)
	crc := crc16.Checksum(b[start:], crc16.ARC)
	const hexd = "0123456789ABCDEF"
	b = append(b, hexd[crc>>12], hexd[crc>>8&15], hexd[crc>>4&15], hexd[crc&15])
	return append(b, "\r\n"...)
}

// Values returns the readings of the last telegram under the names
// dsmr.Telegram.Fields gives them: "timestamp", "energy_import_kwh",
// "energy_export_kwh", "power_import_kw", "voltage_l1_v", "gas_m3",
// "gas_timestamp", ... Numbers are float64 in the unit of the name, counts
// int, identifiers and timestamps strings (RFC 3339 in the meter's time
// zone). Before the first telegram it returns nil.
func (p *P1Meter) Values() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frames == 0 {
		return nil
	}
	r := &p.sent
	loc := p.location()
	kilo := func(v int64) float64 { return scaleInt(v, -3) }
	m := map[string]any{
		"timestamp":                    r.t.In(loc).Format(time.RFC3339),
		"p1_version":                   "42",
		"equipment_id":                 p.EquipmentID,
		"energy_import_kwh":            kilo(r.importWh),
		"energy_export_kwh":            kilo(r.exportWh),
		"reactive_energy_import_kvarh": kilo(r.qImportVarh),
		"reactive_energy_export_kvarh": kilo(r.qExpVarh),
		"power_import_kw":              kilo(r.pImportW),
		"power_export_kw":              kilo(r.pExportW),
		"reactive_power_import_kvar":   kilo(r.qImportVar),
		"reactive_power_export_kvar":   kilo(r.qExportVar),
		"apparent_power_import_kva":    kilo(r.sImportVA),
		"apparent_power_export_kva":    kilo(r.sExportVA),
		"limiter_threshold_kva":        scaleInt(int64(p.st.limiterKVA*10), -1),
		"current_limit_l1_a":           float64(p.st.currentLimitA),
		"breaker_state":                p.st.breakerState,
		"power_failures":               p.st.powerFailures,
		"gas_m3":                       kilo(r.gasL),
		"gas_timestamp":                r.gasAt.In(loc).Format(time.RFC3339),
		"gas_channel":                  1,
		"gas_id":                       p.GasID,
	}
	for i, n := range [...]string{"l1", "l2", "l3"} {
		m["voltage_"+n+"_v"] = scaleInt(r.voltDV[i], -1)
		m["current_"+n+"_a"] = float64(r.currentA[i])
		m["power_import_"+n+"_kw"] = kilo(r.phImportW[i])
		m["power_export_"+n+"_kw"] = kilo(r.phExportW[i])
	}
	return m
}

// setup seeds the meter and sets its starting counters.
func (p *P1Meter) setup(seed int64, index uint64, load, solar, importWh, exportWh, gasM3 float64) {
	p.rng = rand.New(rand.NewPCG(uint64(seed), index))
	p.load, p.solar = load, solar
	p.st = p1State{
		importWh: importWh, exportWh: exportWh,
		qImportVarh: importWh * 0.08, qExportVarh: exportWh * 0.04,
		gasM3: gasM3, gasCaptured: gasM3,
		voltage:      [3]float64{230, 230, 230},
		breakerState: 1, powerFailures: 3,
		limiterKVA: 69, currentLimitA: 100, currentLimitReverseA: 63,
	}
	p.fc = uint32(p.rng.IntN(1 << 20))
}

// profileLU is the smarty time zone.
var profileLU = dsmr.ProfileLU
