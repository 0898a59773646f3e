package imst

import (
	"encoding/binary"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/radio"
)

// Config is the body of a set-configuration request (after the NVM flag)
// and of a get-configuration response. Flags1 and Flags2 (the "IIFlag"
// bytes) say which fields are present; fields whose bit is clear are not
// on the wire.
type Config struct {
	Flags1       byte   // which of the fields below, up to RadioChannel, are present
	DeviceMode   byte   // 0x01: 0 other, 1 meter
	LinkMode     byte   // 0x02: Link* value
	CField       byte   // 0x04
	Manufacturer uint16 // 0x08, little-endian
	ID           uint32 // 0x10, little-endian
	Version      byte   // 0x20
	DeviceType   byte   // 0x40
	RadioChannel byte   // 0x80

	Flags2          byte // which of the fields below are present
	PowerLevel      byte // 0x01
	DataRate        byte // 0x02
	RxWindow        byte // 0x04
	AutoPowerSaving byte // 0x08
	AutoRSSI        byte // 0x10: 1 = attach RSSI to received frames
	AutoTimestamp   byte // 0x20: 1 = attach timestamp to received frames
	LEDControl      byte // 0x40
	RTCControl      byte // 0x80
}

// Config flag bits.
const (
	Cfg1DeviceMode   = 0x01
	Cfg1LinkMode     = 0x02
	Cfg1CField       = 0x04
	Cfg1Manufacturer = 0x08
	Cfg1ID           = 0x10
	Cfg1Version      = 0x20
	Cfg1DeviceType   = 0x40
	Cfg1RadioChannel = 0x80

	Cfg2PowerLevel      = 0x01
	Cfg2DataRate        = 0x02
	Cfg2RxWindow        = 0x04
	Cfg2AutoPowerSaving = 0x08
	Cfg2AutoRSSI        = 0x10
	Cfg2AutoTimestamp   = 0x20
	Cfg2LEDControl      = 0x40
	Cfg2RTCControl      = 0x80
)

// AppendConfig appends c in wire form to b.
func AppendConfig(b []byte, c Config) []byte {
	b = append(b, c.Flags1)
	f := c.Flags1
	if f&Cfg1DeviceMode != 0 {
		b = append(b, c.DeviceMode)
	}
	if f&Cfg1LinkMode != 0 {
		b = append(b, c.LinkMode)
	}
	if f&Cfg1CField != 0 {
		b = append(b, c.CField)
	}
	if f&Cfg1Manufacturer != 0 {
		b = binary.LittleEndian.AppendUint16(b, c.Manufacturer)
	}
	if f&Cfg1ID != 0 {
		b = binary.LittleEndian.AppendUint32(b, c.ID)
	}
	if f&Cfg1Version != 0 {
		b = append(b, c.Version)
	}
	if f&Cfg1DeviceType != 0 {
		b = append(b, c.DeviceType)
	}
	if f&Cfg1RadioChannel != 0 {
		b = append(b, c.RadioChannel)
	}
	b = append(b, c.Flags2)
	g := c.Flags2
	for i, v := range [8]byte{c.PowerLevel, c.DataRate, c.RxWindow, c.AutoPowerSaving, c.AutoRSSI, c.AutoTimestamp, c.LEDControl, c.RTCControl} {
		if g&(1<<i) != 0 {
			b = append(b, v)
		}
	}
	return b
}

// ParseConfig decodes a configuration body. A body that ends after Flags1's
// fields without a Flags2 byte is accepted (Flags2 = 0). Errors wrap
// codec.ErrTruncated.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	i := 0
	need := func(n int) error {
		if len(b) < i+n {
			return hciErr(codec.ErrTruncated, len(b), "configuration ends early")
		}
		return nil
	}
	if err := need(1); err != nil {
		return c, err
	}
	c.Flags1 = b[0]
	i = 1
	one := func(bit byte, dst *byte) error {
		if c.Flags1&bit == 0 {
			return nil
		}
		if err := need(1); err != nil {
			return err
		}
		*dst = b[i]
		i++
		return nil
	}
	if err := one(Cfg1DeviceMode, &c.DeviceMode); err != nil {
		return c, err
	}
	if err := one(Cfg1LinkMode, &c.LinkMode); err != nil {
		return c, err
	}
	if err := one(Cfg1CField, &c.CField); err != nil {
		return c, err
	}
	if c.Flags1&Cfg1Manufacturer != 0 {
		if err := need(2); err != nil {
			return c, err
		}
		c.Manufacturer = binary.LittleEndian.Uint16(b[i:])
		i += 2
	}
	if c.Flags1&Cfg1ID != 0 {
		if err := need(4); err != nil {
			return c, err
		}
		c.ID = binary.LittleEndian.Uint32(b[i:])
		i += 4
	}
	if err := one(Cfg1Version, &c.Version); err != nil {
		return c, err
	}
	if err := one(Cfg1DeviceType, &c.DeviceType); err != nil {
		return c, err
	}
	if err := one(Cfg1RadioChannel, &c.RadioChannel); err != nil {
		return c, err
	}
	if i == len(b) {
		return c, nil
	}
	c.Flags2 = b[i]
	i++
	for bit, dst := range [8]*byte{&c.PowerLevel, &c.DataRate, &c.RxWindow, &c.AutoPowerSaving, &c.AutoRSSI, &c.AutoTimestamp, &c.LEDControl, &c.RTCControl} {
		if c.Flags2&(1<<bit) == 0 {
			continue
		}
		if err := need(1); err != nil {
			return c, err
		}
		*dst = b[i]
		i++
	}
	return c, nil
}

// Ping returns the ping request.
func Ping() Message { return Message{Endpoint: EndpointDevMgmt, ID: DevMgmtPingReq} }

// GetDeviceInfo returns the get-device-info request.
func GetDeviceInfo() Message {
	return Message{Endpoint: EndpointDevMgmt, ID: DevMgmtGetDeviceInfoReq}
}

// GetConfig returns the get-configuration request.
func GetConfig() Message { return Message{Endpoint: EndpointDevMgmt, ID: DevMgmtGetConfigReq} }

// Reset returns the reset request.
func Reset() Message { return Message{Endpoint: EndpointDevMgmt, ID: DevMgmtResetReq} }

// SetConfig returns a set-configuration request for c; nvm = true stores
// it in non-volatile memory, false changes the running configuration only.
func SetConfig(c Config, nvm bool) Message {
	var flag byte
	if nvm {
		flag = 1
	}
	return Message{Endpoint: EndpointDevMgmt, ID: DevMgmtSetConfigReq, Payload: AppendConfig([]byte{flag}, c)}
}

// ParseSetConfig decodes a set-configuration request's payload (for
// simulators): the NVM flag and the configuration.
func ParseSetConfig(payload []byte) (Config, bool, error) {
	if len(payload) < 1 {
		return Config{}, false, hciErr(codec.ErrTruncated, 0, "set-configuration without NVM flag")
	}
	c, err := ParseConfig(payload[1:])
	return c, payload[0] != 0, err
}

// SetLinkMode returns the request a receiver needs: temporary (not stored)
// configuration of the link mode with RSSI attached to received frames and
// no timestamp. Modes the module does not know (F2, unknown) return an
// error wrapping codec.ErrUnsupported. Use SetConfig with LinkCT to receive
// C1 and T1 at once on iM871A firmware 0x14 and later.
func SetLinkMode(mode radio.LinkMode) (Message, error) {
	v, ok := LinkModeValue(mode)
	if !ok {
		return Message{}, hciErr(codec.ErrUnsupported, -1, "link mode "+mode.String()+" not supported by the iM871A/iM170A")
	}
	return SetConfig(Config{
		Flags1: Cfg1LinkMode, LinkMode: v,
		Flags2: Cfg2AutoRSSI | Cfg2AutoTimestamp, AutoRSSI: 1, AutoTimestamp: 0,
	}, false), nil
}

// Response returns the response a module sends to req with the given
// payload (message id + 1): for simulators. Responses carry an FCS.
func Response(req Message, payload []byte) Message {
	return Message{Endpoint: req.Endpoint, ID: req.ID + 1, Payload: payload, HasCRC: true}
}

// DeviceInfo is the payload of the get-device-info response.
type DeviceInfo struct {
	ModuleType byte   // 0x33 iM871A, 0x36 iM170A
	DeviceMode byte   // 0 other, 1 meter
	Firmware   byte   // e.g. 0x15
	HCIVersion byte   //
	UID        uint32 // little-endian on the wire
}

// AppendDeviceInfo appends d in wire form to b.
func AppendDeviceInfo(b []byte, d DeviceInfo) []byte {
	b = append(b, d.ModuleType, d.DeviceMode, d.Firmware, d.HCIVersion)
	return binary.LittleEndian.AppendUint32(b, d.UID)
}

// ParseDeviceInfo decodes a get-device-info response payload. Errors wrap
// codec.ErrTruncated.
func ParseDeviceInfo(p []byte) (DeviceInfo, error) {
	if len(p) < 8 {
		return DeviceInfo{}, hciErr(codec.ErrTruncated, len(p), "device info needs 8 bytes")
	}
	return DeviceInfo{ModuleType: p[0], DeviceMode: p[1], Firmware: p[2], HCIVersion: p[3], UID: binary.LittleEndian.Uint32(p[4:])}, nil
}

// DataRequest returns the request that transmits frame, a CRC-less frame
// starting with L (the module computes L and CRCs; the request carries the
// C field to the end). An empty frame gives an empty request.
func DataRequest(frame []byte) Message {
	var p []byte
	if len(frame) > 0 {
		p = frame[1:]
	}
	return Message{Endpoint: EndpointRadioLink, ID: RadioLinkWMBusMsgReq, Payload: p}
}

// FrameFromRequest returns the frame a data request asks to send, L
// restored (for simulators). Errors wrap codec.ErrMalformed for a message
// that is not a data request or too short for a link header.
func FrameFromRequest(m Message) ([]byte, error) {
	if m.Endpoint != EndpointRadioLink || m.ID != RadioLinkWMBusMsgReq {
		return nil, hciErr(codec.ErrMalformed, 2, "not a radio-link wM-Bus message request")
	}
	return withL(m.Payload)
}

func withL(p []byte) ([]byte, error) {
	if len(p) < 9 || len(p) > 255 {
		return nil, hciErr(codec.ErrMalformed, 4, "frame body must be 9..255 bytes (C M A CI...)")
	}
	f := make([]byte, 0, len(p)+1)
	f = append(f, byte(len(p)))
	return append(f, p...), nil
}

// FrameFromIndication turns a received-frame indication (endpoint 2,
// message 03: C field to end, no L, no CRCs) into a radio.Frame with L
// restored and RSSI converted with RSSIToDBm when attached. Time and Mode
// are left for the driver (the module timestamp is an RTC count, not a
// date). Errors wrap codec.ErrMalformed.
func FrameFromIndication(m Message) (radio.Frame, error) {
	if m.Endpoint != EndpointRadioLink || m.ID != RadioLinkWMBusMsgInd {
		return radio.Frame{}, hciErr(codec.ErrMalformed, 2, "not a radio-link wM-Bus message indication")
	}
	data, err := withL(m.Payload)
	if err != nil {
		return radio.Frame{}, err
	}
	f := radio.Frame{Data: data}
	if m.HasRSSI {
		f.RSSI, f.HasRSSI = RSSIToDBm(m.RSSI), true
	}
	return f, nil
}

// Indication builds the indication a module sends for f (for simulators):
// f.Data without L, RSSI attached when f.HasRSSI, FCS attached. Errors wrap
// codec.ErrMalformed when f.Data is not a frame with L = len-1.
func Indication(f radio.Frame) (Message, error) {
	if len(f.Data) < 10 || int(f.Data[0]) != len(f.Data)-1 {
		return Message{}, hciErr(codec.ErrMalformed, 0, "frame must start with L = length-1 and hold a link header")
	}
	m := Message{Endpoint: EndpointRadioLink, ID: RadioLinkWMBusMsgInd, Payload: f.Data[1:], HasCRC: true}
	if f.HasRSSI {
		m.HasRSSI, m.RSSI = true, DBmToRSSI(f.RSSI)
	}
	return m, nil
}
