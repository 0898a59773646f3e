package fleet

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/wmbus"
)

// Kind is what a meter measures.
type Kind uint8

// Meter kinds.
const (
	KindWater Kind = iota + 1
	KindHeat
	KindGas
	KindElectricity
)

func (k Kind) String() string {
	switch k {
	case KindWater:
		return "water"
	case KindHeat:
		return "heat"
	case KindGas:
		return "gas"
	case KindElectricity:
		return "electricity"
	}
	return "unknown"
}

// Security is how a wM-Bus meter protects its frames. String returns the
// name wmbus.Security.Mode reports for such a frame.
type Security uint8

// Security configurations.
const (
	// SecurityNone sends the records in clear (TPL security mode 0).
	SecurityNone Security = iota
	// SecurityMode5 encrypts with TPL security mode 5: AES-128-CBC, the IV
	// made of the address and the access number.
	SecurityMode5
	// SecurityMode7 is OMS 4 style: ELL CI 0x8C, AFL with a message
	// counter and an 8-byte AES-CMAC, TPL security mode 7 (AES-128-CBC
	// with keys derived from the message counter).
	SecurityMode7
	// SecurityELL encrypts the ELL (CI 0x8D, session number, AES-128-CTR)
	// around a TPL without header (CI 0x78).
	SecurityELL
)

func (s Security) String() string {
	switch s {
	case SecurityMode5:
		return "tpl-mode-5"
	case SecurityMode7:
		return "tpl-mode-7"
	case SecurityELL:
		return "ell-aes-ctr"
	}
	return "none"
}

// Meter is one simulated wireless M-Bus meter. The exported fields
// describe it and must not change once it transmits; its counters advance
// with each Next. A Meter is safe for concurrent use.
type Meter struct {
	// Name is a short label, unique in its fleet ("cold-water", "heat").
	Name string
	Kind Kind
	// Address is the link-layer M and A fields: manufacturer, the 8-digit
	// identification number, version and device type.
	Address wmbus.Address
	// Mode is the link mode the meter transmits in; Format the frame
	// format on the air (A or B).
	Mode   radio.LinkMode
	Format wmbus.Format
	// Security is the encryption of its frames; Key the AES-128 key of
	// every encrypted layer (present for SecurityNone too, unused).
	Security Security
	Key      []byte
	// LongHeader makes the TPL a long header (CI 0x72) repeating Address.
	LongHeader bool
	// Interval is the meter's nominal time between transmissions.
	Interval time.Duration
	// RSSI is the typical signal level receivers report, in dBm; each
	// frame varies by up to 3 dB either way.
	RSSI int
	// Location is the time zone of the meter's clock (the date/time
	// record); nil means UTC.
	Location *time.Location

	mu      sync.Mutex
	rng     *rand.Rand
	profile profile
	st      meterState
	acc     byte
	mcr     uint32
	session uint8
	sentAt  time.Time // the time of the last frame, zero before the first
	frames  uint64
	fields  []field
	payload []byte
	spec    wmbus.Spec
	ell     wmbus.ELLSpec
}

// profile scales a meter's consumption.
type profile struct {
	base  float64 // m3/h (water, gas), kW (heat), W (electricity load)
	solar float64 // W peak (electricity)
}

// meterState holds the physical counters, in natural units, and the
// instantaneous values of the last step.
type meterState struct {
	last     time.Time
	volume   float64 // m3
	target   float64 // m3 at the start of the day (storage 1)
	energy   float64 // kWh (heat)
	importWh float64 // Wh (electricity)
	exportWh float64 // Wh (electricity)
	flow     float64 // m3/h
	powerW   float64 // W (negative: export)
	flowC    float64 // °C
	returnC  float64 // °C
	voltage  float64 // V
}

// field is one record as sent: its name as package mbus names it, the DIF
// and VIF bytes, the integer on the wire and the power of ten that gives
// the value in the named unit; text holds the value of non-numeric
// fields (date/time, error flags).
type field struct {
	name string
	dv   []byte
	size int
	v    int64
	exp  int
	text string
}

func (f *field) value() any {
	if f.text != "" {
		return f.text
	}
	return scaleInt(f.v, f.exp)
}

// scaleInt returns v × 10^exp, dividing by an exact power of ten for
// negative exponents (which keeps 123456 × 10^-3 at the float nearest
// 123.456).
func scaleInt(v int64, exp int) float64 {
	if exp < 0 {
		return float64(v) / math.Pow10(-exp)
	}
	return float64(v) * math.Pow10(exp)
}

// floorTo returns v in units of 10^-dec, rounded down; the tolerance keeps
// a value such as 123.456 (123455.99999... thousandths in binary) at
// 123456.
func floorTo(v float64, dec int) int64 {
	return int64(math.Floor(v*math.Pow10(dec) + 1e-6))
}

// Record headers (DIF and VIF/VIFEs).
var (
	dvVolumeL     = []byte{0x04, 0x13}       // volume, 32-bit, l
	dvTargetL     = []byte{0x44, 0x13}       // volume, storage 1, l
	dvVolume10L   = []byte{0x04, 0x14}       // volume, 32-bit, 10 l
	dvFlowLH      = []byte{0x02, 0x3B}       // volume flow, 16-bit, l/h
	dvEnergyKWh   = []byte{0x04, 0x06}       // energy, 32-bit, kWh
	dvEnergyWh    = []byte{0x04, 0x03}       // energy, 32-bit, Wh
	dvExportWh    = []byte{0x04, 0x83, 0x3C} // energy, backward flow, Wh
	dvPowerW      = []byte{0x04, 0x2B}       // power, 32-bit, W
	dvFlowTemp    = []byte{0x02, 0x5A}       // flow temperature, 0.1 °C
	dvReturnTemp  = []byte{0x02, 0x5E}       // return temperature, 0.1 °C
	dvVoltageDV   = []byte{0x02, 0xFD, 0x48} // voltage, 0.1 V
	dvDateTime    = []byte{0x04, 0x6D}       // date and time, type F
	dvErrorFlags  = []byte{0x02, 0xFD, 0x17} // error flags
	errFlagsClear = "0000"
)

// Next advances the meter's counters to t and builds its next frame: the
// access number (and for mode 7 the AFL message counter, for the ELL the
// session number) increases with every call. The frame is as receivers
// deliver it (radio.Frame: L first, no link CRCs, L counting the bytes
// after it); Format says how it goes on the air (wmbus.AppendCRC adds the
// CRCs). Counters never decrease: a t before the previous one leaves them
// as they are.
func (m *Meter) Next(t time.Time) (radio.Frame, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.advance(t)
	m.acc++
	m.mcr = max(m.mcr+1, clockCounter(t))
	m.session = (m.session + 1) & 0x0F
	m.sentAt = t
	m.frames++
	m.fields = m.encode(m.fields[:0], t)
	m.payload = m.payload[:0]
	for i := range m.fields {
		f := &m.fields[i]
		m.payload = append(m.payload, f.dv...)
		for j := range f.size {
			m.payload = append(m.payload, byte(uint64(f.v)>>(8*j)))
		}
	}
	s := m.buildSpec()
	data, err := wmbus.AppendFrame(nil, s)
	if err != nil {
		return radio.Frame{}, err
	}
	rssi := m.RSSI + m.rng.IntN(7) - 3
	return radio.Frame{Data: data, RSSI: rssi, HasRSSI: true, Time: t, Mode: m.Mode}, nil
}

func (m *Meter) buildSpec() *wmbus.Spec {
	s := &m.spec
	*s = wmbus.Spec{C: 0x44, Link: m.Address, Key: m.Key, Format: wmbus.FormatNone, Payload: m.payload}
	s.TPL.ACC = m.acc
	s.TPL.CI = 0x7A
	if m.LongHeader {
		s.TPL.CI = 0x72
		s.TPL.Addr = m.Address
	}
	switch m.Security {
	case SecurityMode5:
		s.TPL.Security = 5
	case SecurityMode7:
		m.ell = wmbus.ELLSpec{CI: 0x8C, CC: wmbus.CCSynchronised, ACC: m.acc}
		s.ELL = &m.ell
		s.TPL.Security = 7
		s.TPL.MCR = m.mcr
	case SecurityELL:
		m.ell = wmbus.ELLSpec{
			CI: 0x8D, CC: wmbus.CCSynchronised, ACC: m.acc, Encrypt: true,
			Minutes: uint32(m.sentAt.Unix()/60) & 0x1FFFFFF, Session: m.session,
		}
		s.ELL = &m.ell
		s.TPL.CI = 0x78
	}
	return s
}

// Values returns the readings of the last frame under the names package
// mbus gives its records (mbus.Fields): "total_m3", "target_m3",
// "total_energy_kwh", "power_kw", "meter_datetime", "error_flags", ...
// Numbers are float64 in the unit of the name, the date/time and error
// flags strings. Before the first frame the counters' starting values
// are returned, without "meter_datetime".
func (m *Meter) Values() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	fields := m.fields
	if m.frames == 0 {
		fields = m.encode(nil, time.Time{})
	}
	out := make(map[string]any, len(fields))
	for i := range fields {
		out[fields[i].name] = fields[i].value()
	}
	return out
}

// Frames returns how many frames the meter has built.
func (m *Meter) Frames() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.frames
}

func (m *Meter) location() *time.Location {
	if m.Location == nil {
		return time.UTC
	}
	return m.Location
}

// maxSteps bounds the integration steps of one advance.
const (
	stepLen  = 15 * time.Minute
	maxSteps = 1000
)

// advance integrates consumption from the last time to t in steps of at
// most 15 minutes, each with its own random draw.
func (m *Meter) advance(t time.Time) {
	s := &m.st
	if s.last.IsZero() {
		s.last = t
		m.step(t, 0)
		return
	}
	if !t.After(s.last) {
		return
	}
	loc := m.location()
	ly, lm, ld := s.last.In(loc).Date()
	ty, tm, td := t.In(loc).Date()
	if ly != ty || lm != tm || ld != td {
		s.target = s.volume // the reading at (about) midnight
	}
	dt := t.Sub(s.last)
	n := int64(dt/stepLen) + 1
	if n > maxSteps {
		n = maxSteps
	}
	h := dt.Hours() / float64(n)
	for i := int64(1); i <= n; i++ {
		m.step(s.last.Add(time.Duration(int64(dt)*i/n)), h)
	}
	s.last = t
}

// dayFactor is the consumption profile of a household over the day,
// averaging about 1.
func dayFactor(hour float64) float64 {
	switch {
	case hour < 6:
		return 0.3
	case hour < 9:
		return 1.8
	case hour < 17:
		return 0.8
	case hour < 22:
		return 1.6
	}
	return 0.6
}

// sunFactor is the relative PV output over the day (0 at night, 1 at noon).
func sunFactor(hour float64) float64 {
	if hour <= 7 || hour >= 19 {
		return 0
	}
	return math.Sin(math.Pi * (hour - 7) / 12)
}

func localHour(t time.Time, loc *time.Location) float64 {
	l := t.In(loc)
	return float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
}

// step samples the instantaneous values at t and integrates them over h
// hours.
func (m *Meter) step(t time.Time, h float64) {
	s := &m.st
	hour := localHour(t, m.location())
	noise := 0.5 + m.rng.Float64() // 0.5 .. 1.5
	switch m.Kind {
	case KindWater, KindGas:
		s.flow = m.profile.base * dayFactor(hour) * noise
		s.volume += s.flow * h
	case KindHeat:
		p := m.profile.base * dayFactor(hour) * noise // kW
		s.powerW = p * 1000
		s.flowC = 55 + 3*p + 2*m.rng.Float64()
		dT := 12 + 8*m.rng.Float64()
		s.returnC = s.flowC - dT
		s.flow = p / (1.163 * dT) // m3/h of water carrying p kW at dT K
		s.energy += p * h
		s.volume += s.flow * h
	case KindElectricity:
		load := m.profile.base * dayFactor(hour) * noise
		pv := m.profile.solar * sunFactor(hour) * (0.6 + 0.4*m.rng.Float64())
		s.powerW = load - pv
		if s.powerW >= 0 {
			s.importWh += s.powerW * h
		} else {
			s.exportWh -= s.powerW * h
		}
		s.voltage = 230 + 6*(m.rng.Float64()-0.5)
	}
}

// encode appends the fields of a frame sent at t (zero: no date/time).
func (m *Meter) encode(dst []field, t time.Time) []field {
	s := &m.st
	litres := func(v float64) int64 { return floorTo(v, 3) }
	switch m.Kind {
	case KindWater:
		dst = append(dst,
			field{name: "total_m3", dv: dvVolumeL, size: 4, v: litres(s.volume), exp: -3},
			field{name: "target_m3", dv: dvTargetL, size: 4, v: litres(s.target), exp: -3},
			field{name: "volume_flow_m3h", dv: dvFlowLH, size: 2, v: int64(math.Round(s.flow * 1000)), exp: -3})
	case KindGas:
		dst = append(dst,
			field{name: "total_m3", dv: dvVolumeL, size: 4, v: litres(s.volume), exp: -3},
			field{name: "target_m3", dv: dvTargetL, size: 4, v: litres(s.target), exp: -3})
	case KindHeat:
		dst = append(dst,
			field{name: "total_energy_kwh", dv: dvEnergyKWh, size: 4, v: floorTo(s.energy, 0), exp: 0},
			field{name: "total_m3", dv: dvVolume10L, size: 4, v: floorTo(s.volume, 2), exp: -2},
			field{name: "power_kw", dv: dvPowerW, size: 4, v: int64(math.Round(s.powerW)), exp: -3},
			field{name: "flow_temperature_c", dv: dvFlowTemp, size: 2, v: int64(math.Round(s.flowC * 10)), exp: -1},
			field{name: "return_temperature_c", dv: dvReturnTemp, size: 2, v: int64(math.Round(s.returnC * 10)), exp: -1},
			field{name: "volume_flow_m3h", dv: dvFlowLH, size: 2, v: int64(math.Round(s.flow * 1000)), exp: -3})
	case KindElectricity:
		dst = append(dst,
			field{name: "total_energy_kwh", dv: dvEnergyWh, size: 4, v: floorTo(s.importWh, 0), exp: -3},
			field{name: "total_energy_backward_kwh", dv: dvExportWh, size: 4, v: floorTo(s.exportWh, 0), exp: -3},
			field{name: "power_kw", dv: dvPowerW, size: 4, v: int64(math.Round(s.powerW)), exp: -3},
			field{name: "voltage_v", dv: dvVoltageDV, size: 2, v: int64(math.Round(s.voltage * 10)), exp: -1})
	}
	if !t.IsZero() {
		v, text := typeF(t.In(m.location()))
		dst = append(dst, field{name: "meter_datetime", dv: dvDateTime, size: 4, v: v, text: text})
	}
	return append(dst, field{name: "error_flags", dv: dvErrorFlags, size: 2, text: errFlagsClear})
}

// typeF encodes t as an EN 13757-3 type F date and time (minutes) and
// returns the text package mbus shows for it.
func typeF(t time.Time) (int64, string) {
	y := t.Year() % 100
	b0 := byte(t.Minute())
	b1 := byte(t.Hour())
	if t.IsDST() {
		b1 |= 0x80
	}
	b2 := byte(t.Day()) | byte(y&7)<<5
	b3 := byte(t.Month()) | byte(y>>3)<<4
	v := int64(b0) | int64(b1)<<8 | int64(b2)<<16 | int64(b3)<<24
	return v, t.Format("2006-01-02 15:04")
}

// setup seeds the meter and sets its starting counters; the exported
// fields must be filled in.
func (m *Meter) setup(seed int64, index uint64, p profile, volume, energy, importWh, exportWh float64) {
	m.rng = rand.New(rand.NewPCG(uint64(seed), index))
	m.profile = p
	m.st = meterState{volume: volume, target: volume, energy: energy, importWh: importWh, exportWh: exportWh, voltage: 230, flowC: 55, returnC: 40}
	m.acc = byte(m.rng.IntN(256))
	m.mcr = uint32(m.rng.IntN(100000))
	m.session = byte(m.rng.IntN(16))
}

// bcdID returns n (0..99999999) as the BCD identification number.
func bcdID(n int) uint32 {
	v, _ := strconv.ParseUint(strconv.Itoa(n%100000000), 16, 32)
	return uint32(v)
}

const counterEpoch = 1577836800 // 2020-01-01T00:00:00Z

// counterTime is the time at which clockCounter reaches c.
func counterTime(c uint32) time.Time {
	return time.UnixMilli((counterEpoch*10 + int64(c)) * 100)
}

// clockCounter is a message counter derived from the time: tenths of a
// second since 2020. Counters take the larger of it and their last value
// plus one, so they rise with every frame and also across a restart of
// the simulation (a gateway that persisted the last counter would take a
// restarted fleet counting from its seed for a replay).
func clockCounter(t time.Time) uint32 {
	d := t.UnixMilli()/100 - counterEpoch*10
	if d < 0 {
		return 0
	}
	return uint32(d)
}
