package serialport

import (
	"strings"

	"go.bug.st/serial/enumerator"

	"github.com/meterwire/meterwire/radio"
)

// Port is one serial port of this machine.
type Port struct {
	Path         string
	USB          bool
	VID, PID     string // lower-case hex, as udev spells them
	SerialNumber string
	Product      string
	// Kind is the device kind the USB identity suggests ("" when it
	// suggests none); Guess says why.
	Kind  string
	Guess string
}

// usbIDs maps USB VID:PID to what is usually behind it. The adapters
// (FTDI, Silicon Labs) are used by several devices: those guesses say so.
var usbIDs = map[string][2]string{
	"0403:6001": {"", "FTDI FT232R: Telit/IMST/Amber evaluation boards and P1 cables use it; give the kind yourself"},
	"0403:6015": {"", "FTDI FT-X: a Telit board or a P1 cable; give the kind yourself"},
	"10c4:ea60": {radio.KindIM871A, "Silicon Labs CP210x, the bridge on IMST iM871A sticks (other adapters use it too)"},
	"03eb:204b": {radio.KindCUL, "busware CUL (Atmel USB CDC)"},
}

// Guess returns the device kind a USB VID:PID suggests and why.
func Guess(vid, pid string) (kind, why string) {
	g, ok := usbIDs[strings.ToLower(vid)+":"+strings.ToLower(pid)]
	if !ok {
		return "", ""
	}
	return g[0], g[1]
}

// List returns the serial ports of this machine with their USB identity.
func List() ([]Port, error) {
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	ports := make([]Port, 0, len(details))
	for _, d := range details {
		p := Port{Path: d.Name, USB: d.IsUSB, VID: strings.ToLower(d.VID), PID: strings.ToLower(d.PID), SerialNumber: d.SerialNumber, Product: d.Product}
		if p.USB {
			p.Kind, p.Guess = Guess(p.VID, p.PID)
		}
		ports = append(ports, p)
	}
	return ports, nil
}
