package amber

// Non-volatile parameters (CMD_GET_REQ / CMD_SET_REQ addresses) the driver
// uses. The addresses are those of the AMB8465 / AMB8426-M user settings
// as wmbusmeters and the manuals' tables give them; they take effect after
// CMD_RESET_REQ.
const (
	// ParamUARTCmdOut is UART_CMD_Out_Enable: 1 = received frames are
	// sent to the host as CMD_DATA_IND, 0 = transparently.
	ParamUARTCmdOut = 0x05
	// ParamRSSIEnable is RSSI_Enable: 1 = an RSSI byte follows each
	// received frame.
	ParamRSSIEnable = 0x45
	// ParamModePreselect is Mode_Preselect: the mode value (see ModeValue)
	// the module starts in.
	ParamModePreselect = 0x46
)

// SplitTransparent is a bufio.SplitFunc for a module in transparent output
// mode with RSSI output on: received frames come as `L C M A CI ... RSSI`
// (see ParseTransparent) and confirmations as command frames, so a token
// starting with FF is a command frame (checksum verified) and any other
// token a transparent frame.
//
// Transparent frames carry no start byte and no checksum. A byte that
// cannot be an L field (below 10, or FF not starting a valid command
// frame) is skipped; a plausible L makes the scan wait for the L+1 bytes
// it announces. At EOF the bytes from the first incomplete frame on are
// dropped: drivers call it with atEOF after a pause on the line (the
// module sends each frame in one burst), so noise and half frames followed
// by a pause cost nothing after them. Noise immediately followed by frames
// can be taken for a frame and shift the frames after it: prefer command
// output (Split) where that matters.
func SplitTransparent(data []byte, atEOF bool) (advance int, token []byte, err error) {
	return splitTransparent(data, atEOF, true)
}

// SplitTransparentNoRSSI is SplitTransparent for modules with RSSI output
// off (tokens as ParseTransparentNoRSSI reads them).
func SplitTransparentNoRSSI(data []byte, atEOF bool) (advance int, token []byte, err error) {
	return splitTransparent(data, atEOF, false)
}

func splitTransparent(data []byte, atEOF, rssi bool) (int, []byte, error) {
	for start := 0; start < len(data); start++ {
		var n int
		var err error
		if data[start] == SOF {
			_, n, err = Decode(data[start:])
		} else {
			_, n, err = parseTransparent(data[start:], rssi)
		}
		switch {
		case err == nil:
			return start + n, data[start : start+n], nil
		case isTruncated(err) && !atEOF:
			return start, nil, nil
		case isTruncated(err):
			return len(data), nil, nil
		}
	}
	return len(data), nil, nil
}
