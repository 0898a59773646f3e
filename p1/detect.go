package p1

import "github.com/meterwire/meterwire/dlms"

// IsUnit reports whether raw is something a P1/customer port sends rather
// than an M-Bus frame: a DSMR telegram, a DLMS ciphering envelope, an
// HDLC frame, DLMS segments in wired M-Bus frames (CI 0x00-0x1F, unlike
// M-Bus meter responses), or a plain DLMS APDU (data-notification 0x0F,
// general-block-transfer).
func IsUnit(raw []byte) bool {
	return IsFramed(raw) || len(raw) > 0 && (raw[0] == 0x0F || raw[0] == dlms.GeneralBlockTransfer)
}

// IsFramed reports whether raw starts with a framed P1 unit (one Split
// finds): a telegram, an envelope, an HDLC frame or an M-Bus DLMS segment.
func IsFramed(raw []byte) bool {
	switch {
	case len(raw) == 0:
		return false
	case raw[0] == '/', raw[0] == dlms.HDLCFlag:
		return true
	case len(raw) > 1 && (raw[0] == dlms.GeneralGloCiphering || raw[0] == dlms.GeneralDedCiphering) && raw[1] == 8:
		return true
	case len(raw) > 6 && raw[0] == 0x68 && raw[3] == 0x68 && raw[6] <= 0x1F:
		return true
	}
	return false
}
