// Package telit encodes and decodes the host protocol of the Telit
// ME70-169 and ME50 wireless M-Bus modules (Telit wM-Bus user guide):
// the AT command mode used to read and write the configuration registers,
// the register map, and the data-mode framing of transmitted and
// received frames.
//
// The UART runs at 19200 8N1 by default. The module starts in data mode;
// the escape sequence "+++", with EscapeGuard of silence before and
// after it, enters AT mode. "ATSnnn?" reads a register, "ATSnnn=v" writes
// one, "ATO" returns to data mode and "ATR" restores the factory
// settings; commands end in CR, answers are lines ending in CR. A read is
// answered "ATSnnn=v", values in decimal. Each register of the map
// below holds one byte.
//
// The codecs (commands, responses, registers, data-mode frames) are pure:
// no I/O, no timers. The driver (Open, NewConn, Conn) sends the commands
// and register writes built with them, waits the guard times, verifies
// every write by reading the register back, and splits the data-mode
// output into frames, resynchronising after garbage and half frames.
//
// Uncertain, because the manual leaves it open and we have not seen it on
// hardware: whether the module echoes commands and whether an OK follows a
// register read (the driver copes with both); whether it answers ATO (the
// driver does not insist); whether key registers can be read back
// (Options.NoKeyReadback); whether it compares all eight address bytes of
// a registered meter; and which bits of register 453 other than
// FrameFormatB mean what (the driver keeps them).
package telit

import (
	"strconv"
	"time"

	"github.com/meterwire/meterwire/codec"
)

// BaudRate is the factory UART speed (8N1).
const BaudRate = 19200

// Escape is the sequence that switches from data mode to AT mode. It must
// be sent as three bytes with no other traffic for EscapeGuard before and
// after it.
const Escape = "+++"

// EscapeGuard is the silence to keep on the UART before and after Escape.
// The module needs less; this value is chosen long enough for every
// firmware we know of (a longer silence never hurts).
const EscapeGuard = 1 * time.Second

// ResponseTimeout is how long to wait for the answer to one AT command
// before treating the module as unresponsive.
const ResponseTimeout = 500 * time.Millisecond

// Commands without arguments, each terminated by CR when sent.
const (
	// CmdOnline (ATO) leaves AT mode and returns to data mode.
	CmdOnline = "ATO"
	// CmdFactoryReset (ATR) restores every register to its factory value.
	CmdFactoryReset = "ATR"
	// CmdAttention (AT) does nothing but answer OK: a liveness check.
	CmdAttention = "AT"
)

// EOL terminates every command the host sends.
const EOL = '\r'

// MaxRegister is the highest register number the commands accept.
const MaxRegister = 999

func atErr(cause error, off int, detail string) error {
	return &codec.Error{Layer: "telit", Offset: off, Err: cause, Detail: detail}
}

// AppendCommand appends cmd (such as CmdOnline) followed by EOL.
func AppendCommand(dst []byte, cmd string) []byte {
	return append(append(dst, cmd...), EOL)
}

// appendReg appends "ATS" and the register number in three digits.
func appendReg(dst []byte, reg int) []byte {
	dst = append(dst, "ATS"...)
	reg = max(0, min(MaxRegister, reg))
	return append(dst, byte('0'+reg/100), byte('0'+reg/10%10), byte('0'+reg%10))
}

// AppendReadRegister appends the command "ATSnnn?" (and EOL) that reads
// register reg (0-999; values outside are clamped).
func AppendReadRegister(dst []byte, reg int) []byte {
	return append(appendReg(dst, reg), '?', EOL)
}

// AppendWriteRegister appends the command "ATSnnn=v" (and EOL) that writes
// the byte v to register reg (0-999; values outside are clamped). The
// value is written in decimal.
func AppendWriteRegister(dst []byte, reg int, v byte) []byte {
	dst = append(appendReg(dst, reg), '=')
	dst = strconv.AppendUint(dst, uint64(v), 10)
	return append(dst, EOL)
}

// ResponseKind says what a response line is.
type ResponseKind uint8

// Response kinds.
const (
	// RespOK: the command succeeded ("OK").
	RespOK ResponseKind = iota + 1
	// RespError: the module rejected the command ("ERROR").
	RespError
	// RespValue: a register value ("14", or "S400=14").
	RespValue
	// RespEcho: the module echoed a command line ("ATS400?"); skip it.
	RespEcho
)

// String returns "OK", "ERROR", "value", "echo" or "unknown".
func (k ResponseKind) String() string {
	switch k {
	case RespOK:
		return "OK"
	case RespError:
		return "ERROR"
	case RespValue:
		return "value"
	case RespEcho:
		return "echo"
	}
	return "unknown"
}

// Response is one parsed line the module sent in AT mode.
type Response struct {
	Kind ResponseKind
	// Register is the register number when the line names it
	// ("ATS400=16", "S400=16" or an echoed "ATS400?"), else -1.
	Register int
	// Value is the register value of a RespValue line, 0-65535 (most
	// registers hold a byte; a few timing registers hold 16 bits).
	Value int
}

// ParseResponse parses one line of AT-mode output, with or without its
// CR/LF: "OK" (also the answer to Escape), "ERROR", a register value in
// decimal as the module answers a read ("ATS400=16"; also accepted:
// "S400=16" and a bare "16"), or an echoed command without a value
// ("ATS400?", "ATO"). An echoed write "ATS400=16" cannot be told from a
// read answer and parses as RespValue. Errors wrap codec.ErrMalformed in
// a *codec.Error.
func ParseResponse(line []byte) (Response, error) {
	s := trimSpace(line)
	r := Response{Register: -1}
	switch {
	case len(s) == 0:
		return Response{}, atErr(codec.ErrMalformed, 0, "empty response line")
	case string(s) == "OK":
		r.Kind = RespOK
		return r, nil
	case string(s) == "ERROR":
		r.Kind = RespError
		return r, nil
	}
	off := 0
	if len(s) >= 2 && upper(s[0]) == 'A' && upper(s[1]) == 'T' {
		off = 2
	}
	eq := -1
	for i, c := range s {
		if c == '=' {
			eq = i
			break
		}
	}
	if off == 2 && (eq < 0 || len(s) < 3 || upper(s[2]) != 'S') {
		// an echoed command: ATS400?, ATO, ATR, ...
		r.Kind = RespEcho
		if len(s) >= 6 && upper(s[2]) == 'S' {
			if n, ok := parseDec(s[3:6], MaxRegister); ok {
				r.Register = n
			}
		}
		return r, nil
	}
	val := s
	if upper(s[off]) == 'S' {
		if eq < 0 {
			return Response{}, atErr(codec.ErrMalformed, 0, "response "+strconv.Quote(string(s))+" names a register without a value")
		}
		n, ok := parseDec(s[off+1:eq], MaxRegister)
		if !ok {
			return Response{}, atErr(codec.ErrMalformed, off+1, "bad register number in response "+strconv.Quote(string(s)))
		}
		r.Register = n
		val = s[eq+1:]
	}
	v, ok := parseDec(val, 65535)
	if !ok {
		return Response{}, atErr(codec.ErrMalformed, len(s)-len(val), "unexpected response "+strconv.Quote(string(s))+"; want OK, ERROR or a register value ATSnnn=v")
	}
	r.Kind = RespValue
	r.Value = v
	return r, nil
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// parseDec parses 1 to 5 decimal digits no larger than limit.
func parseDec(b []byte, limit int) (int, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= limit
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\r' || b[0] == '\n' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 {
		c := b[len(b)-1]
		if c != ' ' && c != '\r' && c != '\n' && c != '\t' {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}
