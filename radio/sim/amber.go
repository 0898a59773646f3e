package sim

import (
	"context"
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/meterwire/meterwire/radio"
	"github.com/meterwire/meterwire/radio/amber"
)

// Amber simulates an Amber AMB8465 USB stick on its command interface
// (package amber): it confirms CMD_FWV_REQ, CMD_SERIALNO_REQ, CMD_GET_REQ,
// CMD_SET_REQ, CMD_SET_MODE_REQ and CMD_RESET_REQ, delivers the frames it
// hears on the Air in its mode either as CMD_DATA_IND or transparently
// (parameter UART_CMD_Out_Enable), with an RSSI byte when RSSI_Enable is
// on, and transmits CMD_DATA_REQ frames onto the Air (CMD_DATA_CNF).
//
// Like the module, its parameters live in non-volatile memory and take
// effect at reset or power-up; the mode set with CMD_SET_MODE_REQ is
// volatile. Unplugging is a power cycle: parameters survive, the mode
// returns to Mode_Preselect.
type Amber struct {
	air *Air

	mu       sync.Mutex
	params   [256]byte
	mode     byte // running mode value
	cmdOut   bool // running output settings, from params at reset
	rssi     bool
	firmware []byte
	serial   uint32
	resets   int
	noise    func(Packet) []byte
	noiseGap time.Duration
	sent     int
}

// NewAmber returns an AMB8465 on air with factory parameters: transparent
// output without RSSI, Mode_Preselect C2 other (receives C1).
func NewAmber(air *Air) *Amber {
	d := &Amber{air: air, firmware: []byte{1, 3, 5}, serial: 0x00846501}
	d.params[amber.ParamUARTCmdOut] = 0
	d.params[amber.ParamRSSIEnable] = 0
	d.params[amber.ParamModePreselect] = amber.ModeC2Other
	d.powerUp()
	return d
}

// powerUp applies the parameters as a reset does. d.mu must be held (or d
// not yet shared).
func (d *Amber) powerUp() {
	d.mode = d.params[amber.ParamModePreselect]
	d.cmdOut = d.params[amber.ParamUARTCmdOut] != 0
	d.rssi = d.params[amber.ParamRSSIEnable] != 0
}

// Param returns the non-volatile parameter at addr.
func (d *Amber) Param(addr byte) byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.params[addr]
}

// ModeValue returns the running mode value (CMD_SET_MODE_REQ's).
func (d *Amber) ModeValue() byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mode
}

// Mode returns the link mode the module receives (amber.ModeFromValue).
func (d *Amber) Mode() radio.LinkMode {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, _ := amber.ModeFromValue(d.mode)
	return m
}

// CommandOutput says whether received frames go to the host as
// CMD_DATA_IND (else transparently).
func (d *Amber) CommandOutput() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cmdOut
}

// Resets returns how many CMD_RESET_REQ the module obeyed.
func (d *Amber) Resets() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resets
}

// Sent returns how many frames the module transmitted.
func (d *Amber) Sent() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sent
}

// SetNoise makes the module write noise(p) on the line before each frame
// p it hears (nil: no noise), pausing gap between the two.
func (d *Amber) SetNoise(noise func(p Packet) []byte, gap time.Duration) {
	d.mu.Lock()
	d.noise, d.noiseGap = noise, gap
	d.mu.Unlock()
}

// Serve speaks the command interface on port until it fails or ctx ends.
// Each call is a power-up.
func (d *Amber) Serve(ctx context.Context, port io.ReadWriter) error {
	d.mu.Lock()
	d.powerUp()
	d.mu.Unlock()
	return modServe(ctx, port, d.air, d, amber.Split, amber.Decode, amber.Encode)
}

// handle confirms one request; false means no confirmation.
func (d *Amber) handle(c amber.Command) (amber.Command, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok, fail := []byte{0}, []byte{1}
	p := c.Payload
	switch c.Cmd {
	case amber.CmdFWVReq:
		return amber.Confirm(c, d.firmware), true
	case amber.CmdSerialNoReq:
		return amber.Confirm(c, binary.BigEndian.AppendUint32(nil, d.serial)), true
	case amber.CmdGetReq:
		if len(p) != 2 || int(p[0])+int(p[1]) > len(d.params) {
			return amber.Confirm(c, fail), true
		}
		out := append([]byte{p[0], p[1]}, d.params[p[0]:int(p[0])+int(p[1])]...)
		return amber.Confirm(c, out), true
	case amber.CmdSetReq:
		if len(p) < 2 || len(p) != 2+int(p[1]) || int(p[0])+int(p[1]) > len(d.params) {
			return amber.Confirm(c, fail), true
		}
		copy(d.params[p[0]:], p[2:])
		return amber.Confirm(c, ok), true
	case amber.CmdSetModeReq:
		if len(p) != 1 {
			return amber.Confirm(c, fail), true
		}
		if _, known := amber.ModeFromValue(p[0]); !known {
			return amber.Confirm(c, fail), true
		}
		d.mode = p[0]
		return amber.Confirm(c, ok), true
	case amber.CmdResetReq:
		d.powerUp()
		d.resets++
		return amber.Confirm(c, ok), true
	case amber.CmdDataReq:
		frame, err := amber.FrameFromDataRequest(c)
		if err != nil {
			return amber.Confirm(c, fail), true
		}
		mode, _ := amber.ModeFromValue(d.mode)
		d.air.Transmit(Packet{Frame: radio.Frame{Data: frame, Mode: mode}, From: d})
		d.sent++
		return amber.Confirm(c, ok), true
	}
	return amber.Command{}, false
}

// indicate writes p as the module outputs received frames.
func (d *Amber) indicate(ctx context.Context, port io.Writer, p Packet) error {
	d.mu.Lock()
	cmdOut, rssi, noise, gap := d.cmdOut, d.rssi, d.noise, d.noiseGap
	d.mu.Unlock()
	f := p.Frame
	f.HasRSSI = rssi
	if !p.Frame.HasRSSI {
		f.RSSI = modDefaultRSSI
	}
	var out []byte
	if cmdOut {
		c, err := amber.Indication(f)
		if err != nil {
			return nil
		}
		out = amber.Encode(c)
	} else {
		var err error
		if out, err = amber.Transparent(f); err != nil {
			return nil
		}
	}
	if err := modWriteNoise(ctx, port, noise, gap, p); err != nil {
		return err
	}
	_, err := port.Write(out)
	return err
}
