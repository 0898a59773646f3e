package driver

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// izarv2: Diehl IZAR water meters sending PRIOS telegrams (CI 0xA0-0xA7).
// The bytes after the header are scrambled with a 32-bit LFSR seeded from
// a key and the frame's header; without a key of their own the meters use
// one of two default keys. The alarm and radio bytes (frame[11..13]) are
// plain.
var izarv2 = &Driver{
	Name:  "izarv2",
	Media: "water",
	Detect: []Detect{
		{"HYD", 0x85, 0x07}, {"SAP", 0x00, 0x07}, {"DME", 0x78, 0x07},
		{"DME", 0x78, 0x06}, {"HYD", 0x86, 0x07},
	},
	// SAP meters of types 0x04 and 0x15 are served whatever their version.
	AnyVersion: []Detect{{"SAP", 0, 0x15}, {"SAP", 0, 0x04}},
	Payload:    izarv2Payload,
}

func init() { Register(izarv2) }

// izarv2Keys are the default PRIOS keys, each 8 bytes folded to 32 bits
// (the high half XOR the low half).
var izarv2Keys = []uint32{izarv2FoldKey(0x39BC8A10, 0xE66D83F8), izarv2FoldKey(0x51728910, 0xE66D83F8)}

func izarv2FoldKey(hi, lo uint32) uint32 { return hi ^ lo }

// izarv2Alarms are the alarm bits of frame[11..13] read as a 24-bit
// little-endian value, sorted by text as the reference prints them.
var izarv2Alarms = []Bit{
	{Mask: 0x800000, Value: 0x800000, Text: "BACK_FLOW"},
	{Mask: 0x008000, Value: 0x008000, Text: "LEAKAGE"},
	{Mask: 0x020000, Value: 0x020000, Text: "MECHANICAL_FRAUD"},
	{Mask: 0x002000, Value: 0x002000, Text: "METER_BLOCKED"},
	{Mask: 0x200000, Value: 0x200000, Text: "OVERFLOW"},
	{Mask: 0x004000, Value: 0x004000, Text: "PREV_LEAKAGE"},
	{Mask: 0x010000, Value: 0x010000, Text: "PREV_MECHANICAL_FRAUD"},
	{Mask: 0x040000, Value: 0x040000, Text: "PREV_SENSOR_FRAUD"},
	{Mask: 0x080000, Value: 0x080000, Text: "SENSOR_FRAUD"},
	{Mask: 0x100000, Value: 0x100000, Text: "SUBMARINE"},
	{Mask: 0x400000, Value: 0x400000, Text: "UNDERFLOW"},
}

// izarv2Descramble undoes the LFSR scrambling of frame[15:] with key: the
// seed is the key XOR the header words at 2, 6 and 10 (big-endian); each
// byte takes the low 8 bits after eight LFSR steps. The first plain byte
// must be 0x4B; nil when it is not.
func izarv2Descramble(frame []byte, key uint32) []byte {
	if len(frame) < 16 {
		return nil
	}
	key ^= binary.BigEndian.Uint32(frame[2:]) ^ binary.BigEndian.Uint32(frame[6:]) ^ binary.BigEndian.Uint32(frame[10:])
	out := make([]byte, len(frame)-15)
	for i := range out {
		for j := 0; j < 8; j++ {
			bit := (key>>1 ^ key>>2 ^ key>>11 ^ key>>31) & 1
			key = key<<1 | bit
		}
		out[i] = frame[15+i] ^ byte(key)
		if i == 0 && out[0] != 0x4B {
			return nil
		}
	}
	return out
}

func izarv2Payload(_ []mbus.Record, _ []byte, out *Output) error {
	t := out.Telegram
	if t == nil || len(t.Frame) < 16 {
		return nil
	}
	f := t.Frame
	ci := f[10]
	if ci < 0xA0 || ci > 0xA7 {
		return nil
	}
	var plain []byte
	for _, k := range izarv2Keys {
		if plain = izarv2Descramble(f, k); plain != nil {
			break
		}
	}
	if len(plain) < 5 {
		return nil
	}
	if t.Link.ManufacturerCode() == "SAP" {
		izarv2SerialParts(f, out)
	}
	out.Set("total_m3", float64(binary.LittleEndian.Uint32(plain[1:]))/1000)
	if len(plain) >= 11 {
		out.Set("target_m3", float64(binary.LittleEndian.Uint32(plain[5:]))/1000)
		out.Set("target_date", izarv2Date(plain[9], plain[10]))
	}
	alarms := uint64(f[11]) | uint64(f[12])<<8 | uint64(f[13])<<16
	out.Set("battery_y", float64(f[12]&0x1F)/2)
	out.Set("transmit_period_s", float64(uint64(1)<<(f[11]&0x0F+2)))
	st := Status{Default: "OK", Bits: izarv2Alarms}
	out.Set("status", st.Text(alarms&0xFFE000))
	return nil
}

// izarv2Date reads the billing date: day in the low 5 bits of lo, month
// in the low 4 bits of hi, year (from 2000; above 80 from 1900) from the
// high bits of both, counted as months and days from 2000-01-01.
func izarv2Date(lo, hi byte) string {
	day, month := int(lo&0x1F), int(hi&0x0F)
	year := int(hi&0xF0)>>1 + int(lo>>5)
	if year > 80 {
		year -= 100
	}
	d := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, year*12+month-1, day-1)
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), int(d.Month()), d.Day())
}

// izarv2SerialParts reads what SAP PRIOS meters print on their label from
// the address bytes (frame[4..9]): a 26-bit number whose first two
// decimal digits are the year of manufacture and whose other digits are
// the serial number, and three letters (supplier, meter
// type, diameter) packed in 5-bit fields.
func izarv2SerialParts(f []byte, out *Output) {
	n := uint32(f[7]&0x03)<<24 | uint32(f[6])<<16 | uint32(f[5])<<8 | uint32(f[4])
	digits := strconv.FormatUint(uint64(n), 10)
	if len(digits) < 3 {
		return
	}
	yy, _ := strconv.Atoi(digits[:2])
	serial, _ := strconv.Atoi(digits[2:])
	year := 2000 + yy
	if yy > 70 {
		year = 1900 + yy
	}
	supplier := '@' + (rune(f[9]&0x0F)<<1 | rune(f[8]>>7))
	meterType := '@' + rune(f[8]&0x7C>>2)
	diameter := '@' + (rune(f[8]&0x03)<<3 | rune(f[7]>>5))
	out.Set("prefix", fmt.Sprintf("%c%02d%c%c", supplier, yy, meterType, diameter))
	out.Set("serial_number", fmt.Sprintf("%06d", serial))
	out.Set("manufacture_y", strconv.Itoa(year))
}
