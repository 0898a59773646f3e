package sim

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/imst"
	"github.com/meterwire/meterwire/wmbus"
)

// IMST simulates an IMST iM871A on its host protocol (HCI, package imst):
// it answers ping, device information, get/set configuration, reset and
// factory reset, delivers the frames it hears on the Air in its link mode
// as received-frame indications (with FCS, and RSSI and timestamp when its
// configuration asks for them) and transmits data requests onto the Air.
//
// Like the module, it keeps a stored (non-volatile) configuration and a
// running one: set-configuration requests with the NVM flag change both,
// others only the running one. Unplugging is a power cycle: what was
// stored survives, the running configuration starts again from it.
type IMST struct {
	air *Air

	mu       sync.Mutex
	info     imst.DeviceInfo
	stored   imst.Config
	running  imst.Config
	noise    func(Packet) []byte
	noiseGap time.Duration
	sent     int
}

// NewIMST returns an iM871A on air in its factory configuration (link
// mode S2, no RSSI or timestamp attached).
func NewIMST(air *Air) *IMST {
	cfg := imst.Config{
		Flags1: 0xFF, DeviceMode: 0, LinkMode: imst.LinkS2, CField: 0x44,
		Manufacturer: 0x25B3, ID: 0x00871A01, Version: 1, DeviceType: 0x31, RadioChannel: 0,
		Flags2: 0xFF, PowerLevel: 7, DataRate: 0, RxWindow: 50, AutoPowerSaving: 0,
		AutoRSSI: 0, AutoTimestamp: 0, LEDControl: 1, RTCControl: 0,
	}
	return &IMST{
		air:     air,
		info:    imst.DeviceInfo{ModuleType: imst.ModuleIM871A, DeviceMode: 0, Firmware: 0x15, HCIVersion: 0x02, UID: 0x0871A001},
		stored:  cfg,
		running: cfg,
	}
}

// Config returns the running configuration.
func (d *IMST) Config() imst.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running
}

// StoredConfig returns the configuration in non-volatile memory.
func (d *IMST) StoredConfig() imst.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stored
}

// Mode returns the link mode the module receives in (LinkCT reads as C1:
// the iM871A receives C1 and T1 then).
func (d *IMST) Mode() radio.LinkMode {
	d.mu.Lock()
	defer d.mu.Unlock()
	return imstMode(d.running.LinkMode)
}

// Sent returns how many frames the module transmitted.
func (d *IMST) Sent() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sent
}

// SetNoise makes the module write noise(p) on the line before the
// indication of each packet p it hears (nil: no noise), pausing gap
// between the two: tests of resynchronisation.
func (d *IMST) SetNoise(noise func(p Packet) []byte, gap time.Duration) {
	d.mu.Lock()
	d.noise, d.noiseGap = noise, gap
	d.mu.Unlock()
}

func imstMode(v byte) radio.LinkMode {
	if v == imst.LinkCT {
		return radio.ModeC1
	}
	m, _ := imst.LinkModeFromValue(v)
	return m
}

// Serve speaks HCI on port until it fails or ctx ends. Each call is a
// power-up: the running configuration starts from the stored one.
func (d *IMST) Serve(ctx context.Context, port io.ReadWriter) error {
	d.mu.Lock()
	d.running = d.stored
	d.mu.Unlock()
	return modServe(ctx, port, d.air, d, imst.Split, imst.Decode, imst.Encode)
}

// handle answers one request; false means no answer.
func (d *IMST) handle(m imst.Message) (imst.Message, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := []byte{0}
	switch [2]byte{m.Endpoint, m.ID} {
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtPingReq}:
		return imst.Response(m, nil), true
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtGetDeviceInfoReq}:
		return imst.Response(m, imst.AppendDeviceInfo(nil, d.info)), true
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtGetConfigReq}:
		return imst.Response(m, imst.AppendConfig(nil, d.running)), true
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtSetConfigReq}:
		c, nvm, err := imst.ParseSetConfig(m.Payload)
		if err != nil || c.Flags1&imst.Cfg1LinkMode != 0 && c.LinkMode > imst.LinkN2F {
			return imst.Response(m, []byte{1}), true
		}
		d.running = imstMergeConfig(d.running, c)
		if nvm {
			d.stored = imstMergeConfig(d.stored, c)
		}
		return imst.Response(m, ok), true
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtResetReq}:
		d.running = d.stored
		return imst.Response(m, ok), true
	case [2]byte{imst.EndpointDevMgmt, imst.DevMgmtFactoryResetReq}:
		fresh := NewIMST(nil)
		d.stored, d.running = fresh.stored, fresh.stored
		return imst.Response(m, ok), true
	case [2]byte{imst.EndpointRadioLink, imst.RadioLinkWMBusMsgReq}:
		frame, err := imst.FrameFromRequest(m)
		if err != nil {
			return imst.Response(m, []byte{1}), true
		}
		format := wmbus.FormatA
		if d.running.LinkMode == imst.LinkC1b || d.running.LinkMode == imst.LinkC2b {
			format = wmbus.FormatB
		}
		d.air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: imstMode(d.running.LinkMode)}, Format: format, From: d})
		d.sent++
		return imst.Response(m, ok), true
	}
	return imst.Message{}, false
}

// imstMergeConfig returns c with the fields set's flags name taken from set.
func imstMergeConfig(c, set imst.Config) imst.Config {
	f := set.Flags1
	if f&imst.Cfg1DeviceMode != 0 {
		c.DeviceMode = set.DeviceMode
	}
	if f&imst.Cfg1LinkMode != 0 {
		c.LinkMode = set.LinkMode
	}
	if f&imst.Cfg1CField != 0 {
		c.CField = set.CField
	}
	if f&imst.Cfg1Manufacturer != 0 {
		c.Manufacturer = set.Manufacturer
	}
	if f&imst.Cfg1ID != 0 {
		c.ID = set.ID
	}
	if f&imst.Cfg1Version != 0 {
		c.Version = set.Version
	}
	if f&imst.Cfg1DeviceType != 0 {
		c.DeviceType = set.DeviceType
	}
	if f&imst.Cfg1RadioChannel != 0 {
		c.RadioChannel = set.RadioChannel
	}
	dst := [8]*byte{&c.PowerLevel, &c.DataRate, &c.RxWindow, &c.AutoPowerSaving, &c.AutoRSSI, &c.AutoTimestamp, &c.LEDControl, &c.RTCControl}
	src := [8]byte{set.PowerLevel, set.DataRate, set.RxWindow, set.AutoPowerSaving, set.AutoRSSI, set.AutoTimestamp, set.LEDControl, set.RTCControl}
	for i := range dst {
		if set.Flags2&(1<<i) != 0 {
			*dst[i] = src[i]
		}
	}
	return c
}

// indicate writes the indication of p (after the noise asked for).
func (d *IMST) indicate(ctx context.Context, port io.Writer, p Packet) error {
	d.mu.Lock()
	cfg, noise, gap := d.running, d.noise, d.noiseGap
	d.mu.Unlock()
	f := p.Frame
	f.HasRSSI = cfg.AutoRSSI != 0
	if !p.Frame.HasRSSI {
		f.RSSI = modDefaultRSSI
	}
	m, err := imst.Indication(f)
	if err != nil {
		return nil // not a frame the module could have received
	}
	if cfg.AutoTimestamp != 0 {
		m.HasTimestamp, m.Timestamp = true, uint32(p.Frame.Time.Unix())
	}
	if err := modWriteNoise(ctx, port, noise, gap, p); err != nil {
		return err
	}
	_, err = port.Write(imst.Encode(m))
	return err
}
