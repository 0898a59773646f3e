package dlms

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/meterwire/meterwire/codec"
)

func TestAXDRTypes(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		typ  byte
		leaf string
	}{
		{"00", TypeNullData, "null"},
		{"0301", TypeBoolean, "true"},
		{"0300", TypeBoolean, "false"},
		{"040ba5e0", TypeBitString, "a5e0"},
		{"05fffffffe", TypeDoubleLong, "-2"},
		{"06fffffffe", TypeDoubleLongUnsigned, "4294967294"},
		{"09060100010800ff", TypeOctetString, "1-0:1.8.0"},
		{"0904414243ff", TypeOctetString, "414243ff"},
		{"0a03414243", TypeVisibleString, "ABC"},
		{"0c02c3a9", TypeUTF8String, "é"},
		{"0d12", TypeBCD, "18"},
		{"0ffe", TypeInteger, "-2"},
		{"10ff38", TypeLong, "-200"},
		{"11c8", TypeUnsigned, "200"},
		{"12ff38", TypeLongUnsigned, "65336"},
		{"14fffffffffffffffe", TypeLong64, "-2"},
		{"15fffffffffffffffe", TypeLong64Unsigned, "18446744073709551614"},
		{"161b", TypeEnum, "27"},
		{"17" + "3fc00000", TypeFloat32, ""},
		{"18" + "400921fb54442d18", TypeFloat64, ""},
		{"1907e5091b01092f0f00ff8880", TypeDateTime, "2021-09-27 09:47:15 +02:00"},
		{"1a07e5091b01", TypeDate, "07e5091b01"},
		{"1b092f0f00", TypeTime, "092f0f00"},
		{"ff", TypeDontCare, ""},
	} {
		b := unhex(t, tc.hex)
		d, n, err := DecodeData(append(b, 0xEE))
		if err != nil || n != len(b) || d.Type != tc.typ || d.Offset != 0 || d.Len != len(b) {
			t.Errorf("%s: %v n=%d %+v", tc.hex, err, n, d)
			continue
		}
		if tc.leaf != "" && leafString(d) != tc.leaf {
			t.Errorf("%s: %q, want %q", tc.hex, leafString(d), tc.leaf)
		}
	}
	d, _, _ := DecodeData(unhex(t, "173fc00000"))
	if f, ok := d.Float(); !ok || f != 1.5 {
		t.Fatal(f)
	}
	d, _, _ = DecodeData(unhex(t, "18400921fb54442d18"))
	if f, ok := d.Float(); !ok || f != math.Pi {
		t.Fatal(f)
	}
	d, _, _ = DecodeData(unhex(t, "040ba5e0"))
	if d.BitLen() != 11 {
		t.Fatal(d.BitLen())
	}
	d, _, _ = DecodeData(unhex(t, "15ffffffffffffffff"))
	if _, ok := d.Int(); ok {
		t.Fatal("uint64 max as int64")
	}
	if u, ok := d.Uint(); !ok || u != math.MaxUint64 {
		t.Fatal(u)
	}
	d, _, _ = DecodeData(unhex(t, "0ffe"))
	if _, ok := d.Uint(); ok {
		t.Fatal("negative as uint")
	}
}

func TestAXDRContainersAndLengths(t *testing.T) {
	// An array (count in the long form) of structures, an octet-string of
	// 200 bytes (length 81 C8).
	var b []byte
	b = append(b, TypeArray, 0x82, 0x01, 0x00)
	for i := range 256 {
		b = append(b, TypeStructure, 2, TypeUnsigned, byte(i), TypeNullData)
	}
	b = append(b[:0:0], append([]byte{TypeStructure, 2}, b...)...)
	b = append(b, TypeOctetString, 0x81, 200)
	b = append(b, bytes.Repeat([]byte{7}, 200)...)
	d, n, err := DecodeData(b)
	if err != nil || n != len(b) || len(d.Items) != 2 || len(d.Items[0].Items) != 256 || len(d.Items[1].Bytes) != 200 {
		t.Fatalf("%v n=%d", err, n)
	}
	if v, _ := d.Items[0].Items[255].Items[0].Uint(); v != 255 {
		t.Fatal(v)
	}
	el := &d.Items[0].Items[3]
	if el.Offset != 6+5*3 || el.Len != 5 {
		t.Fatalf("offset %d len %d", el.Offset, el.Len)
	}
}

func TestAXDRCompactArray(t *testing.T) {
	for _, tc := range []struct {
		hex    string
		leaves string
		n      int
	}{
		{"131103010203", "1 2 3", 3},
		{"130202121106000105000207", "1 5 2 7", 2},
		{"130100021104010203 04", "1 2 3 4", 2},
		{"1309050241420143", "AB C", 2},
		{"131200", "", 0},
		{"130000", "", 0},
	} {
		b := unhex(t, strings.ReplaceAll(tc.hex, " ", ""))
		d, n, err := DecodeData(b)
		if err != nil || n != len(b) || d.Type != TypeCompactArray || len(d.Items) != tc.n || strings.Join(leaves(d, nil), " ") != tc.leaves {
			t.Errorf("%s: %v n=%d %q", tc.hex, err, n, leaves(d, nil))
		}
	}
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"13000101", codec.ErrUnsupported},                  // elements of null-data take no bytes
		{"1301000011 0101", codec.ErrUnsupported},           // arrays of 0 elements
		{"131302110101", codec.ErrMalformed},                // compact-array in a description
		{"130211 0102", codec.ErrTruncated},                 // structure description cut
		{"13110501", codec.ErrTruncated},                    // contents shorter than their length
		{"1312 03 000102", codec.ErrTruncated},              // element cut
		{"13020211 01ffff00 02 0101", codec.ErrUnsupported}, // each element would make 65538 values
	} {
		_, _, err := DecodeData(unhex(t, strings.ReplaceAll(tc.hex, " ", "")))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.hex, err, tc.want)
		}
	}
}

// allocBytes returns the bytes allocated by one call of f: the least of
// a few runs, so that the runtime's own allocations do not count.
func allocBytes(f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 5 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		least = min(least, b.TotalAlloc-a.TotalAlloc)
	}
	return least
}

// Hostile input is refused with a typed error, in time and memory
// proportional to its length, never to what it claims.
func TestAXDRHostile(t *testing.T) {
	deep := bytes.Repeat([]byte{TypeArray, 1}, 10000)
	deep = append(deep, TypeNullData)
	deepStruct := bytes.Repeat([]byte{TypeStructure, 1}, 10000)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"nesting 10000 deep", deep, codec.ErrUnsupported},
		{"structures 10000 deep", deepStruct, codec.ErrUnsupported},
		{"array of 2^31 elements", []byte{TypeArray, 0x84, 0x80, 0, 0, 0, 0, 0}, codec.ErrMalformed},
		{"array of 2^24-1 elements", []byte{TypeArray, 0x83, 0xFF, 0xFF, 0xFF, 0, 0, 0}, codec.ErrTruncated},
		{"octet-string of 2^30 bytes", []byte{TypeOctetString, 0x84, 0x40, 0, 0, 0, 1, 2}, codec.ErrMalformed},
		{"octet-string of 2^24-1 bytes", []byte{TypeOctetString, 0x83, 0xFF, 0xFF, 0xFF, 1, 2}, codec.ErrTruncated},
		{"bit-string of 2^24 bits", []byte{TypeBitString, 0x83, 0xFF, 0xFF, 0xFF, 1}, codec.ErrTruncated},
		{"BER length of 5 bytes", []byte{TypeArray, 0x85, 1, 1, 1, 1, 1}, codec.ErrMalformed},
		{"more values than MaxNodes", append([]byte{TypeStructure, 0x82, 0x7F, 0xFF}, make([]byte, 0x7FFF)...), codec.ErrUnsupported},
		{"unknown tag", []byte{TypeStructure, 2, TypeUnsigned, 1, 0x07, 0}, codec.ErrMalformed},
	} {
		var d DataDecoder
		_, _, err := d.Decode(tc.b)
		var ce *codec.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Layer != "axdr" {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		allocs := testing.AllocsPerRun(10, func() { d.Decode(tc.b) })
		bytesPer := allocBytes(func() { d.Decode(tc.b) })
		if allocs > 8 || bytesPer > 4096 {
			t.Errorf("%s: %v allocations, %d bytes", tc.name, allocs, bytesPer)
		}
	}
}

func TestQuirks(t *testing.T) {
	egd := read(t, "esphome-libs_dlms_parser__raw_egd_example.bin")
	d := DataDecoder{Strict: true}
	if _, err := d.DataNotification(egd); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("strict: %v", err)
	}
	d = DataDecoder{Quirks: QuirkAttributeDescriptors, Strict: true}
	n, err := d.DataNotification(egd)
	if err != nil || n.Quirks != QuirkAttributeDescriptors {
		t.Fatalf("%v %v", err, n.Quirks)
	}
	desc := &n.Body.Items[1].Items[0].Items[0]
	c, o, a, ok := desc.AttributeDescriptor()
	if !ok || c != 1 || FormatOBIS(o) != "0-0:42.0.0" || a != 2 || desc.Len != 9 {
		t.Fatalf("%d %v %d", c, o, a)
	}
	if oo, ok := desc.OBIS(); !ok || oo != o {
		t.Fatal("OBIS of descriptor")
	}
	if !strings.Contains(n.Body.String(), "attribute-descriptor class 1 0-0:42.0.0 attribute 2") {
		t.Fatal(n.Body.String())
	}
	// Plain data never takes a quirk.
	kd, err := ParseDataNotification(read(t, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.decrypted_apdu.bin"))
	if err != nil || kd.Quirks != 0 {
		t.Fatal(err, kd.Quirks)
	}
	if AllQuirks.String() != "attribute-descriptors,swapped-obis-tag" || Quirks(0).String() != "none" {
		t.Fatal(AllQuirks.String())
	}
}

func TestDateTime(t *testing.T) {
	b := unhex(t, "07e5091b01092f0f00ff8880")
	dt, err := ParseDateTime(b)
	if err != nil || dt.Year != 2021 || dt.Deviation != -120 || !dt.DST() || !dt.Valid() {
		t.Fatalf("%+v %v", dt, err)
	}
	tm, ok := dt.Time(nil)
	if !ok || !tm.Equal(time.Date(2021, 9, 27, 7, 47, 15, 0, time.UTC)) {
		t.Fatal(tm)
	}
	if _, off := tm.Zone(); off != 7200 {
		t.Fatal(off)
	}
	if !bytes.Equal(dt.Append(nil), b) {
		t.Fatal("append")
	}
	// No deviation: local time in the zone given, none without one.
	dt.Deviation = DeviationUnspecified
	if _, ok := dt.Time(nil); ok {
		t.Fatal("time without zone")
	}
	vienna, err := time.LoadLocation("Europe/Vienna")
	if err == nil {
		if tm, ok := dt.Time(vienna); !ok || !tm.Equal(time.Date(2021, 9, 27, 7, 47, 15, 0, time.UTC)) {
			t.Fatal(tm)
		}
	}
	if tm, ok := dt.Time(time.UTC); !ok || tm.Hour() != 9 {
		t.Fatal(tm)
	}
	// Unspecified fields.
	u := DateTime{Year: 0xFFFF, Month: 0xFF, Day: 1, Weekday: 0xFF, Hour: 0xFF, Minute: 0xFF, Second: 0xFF, Hundred: 0xFF, Deviation: DeviationUnspecified, ClockStatus: 0xFF}
	if u.String() != "****-**-01 **:**:**" || !u.Valid() || u.DST() {
		t.Fatal(u.String())
	}
	if _, ok := u.Time(time.UTC); ok {
		t.Fatal("incomplete time")
	}
	// 31 April, month 13, deviation out of range.
	for _, h := range []string{"07e5041f0509000000ff8000", "07e50d010109000000000000", "07e5040105090000000fffff"} {
		x := unhex(t, h)
		if len(x) != 12 {
			continue
		}
		d, _ := ParseDateTime(x)
		if _, ok := d.Time(time.UTC); ok && d.Valid() {
			t.Errorf("%s accepted", h)
		}
	}
	if _, err := ParseDateTime(b[:11]); !errors.Is(err, codec.ErrMalformed) {
		t.Fatal(err)
	}
	// 12-byte octet-strings: a date-time, or text that only looks long enough.
	if _, ok := DateTimeFromOctets(b); !ok {
		t.Fatal("date-time not recognised")
	}
	if _, ok := DateTimeFromOctets([]byte("181220000009")); ok {
		t.Fatal("text taken for a date-time")
	}
	if s := (DateTime{Year: 2022, Month: 11, Day: 3, Weekday: 0xFF, Hour: 15, Minute: 38, Second: 25, Hundred: 7, Deviation: -180}).String(); s != "2022-11-03 15:38:25.07 +03:00" {
		t.Fatal(s)
	}
}

func TestFormatOBIS(t *testing.T) {
	for _, tc := range []struct {
		b    [6]byte
		want string
	}{
		{[6]byte{1, 0, 1, 8, 0, 255}, "1-0:1.8.0"},
		{[6]byte{0, 0, 96, 1, 0, 255}, "0-0:96.1.0"},
		{[6]byte{1, 0, 1, 8, 1, 101}, "1-0:1.8.1*101"},
		{[6]byte{1, 1, 0, 2, 129, 255}, "1-1:0.2.129"},
		{[6]byte{255, 255, 255, 255, 255, 0}, "255-255:255.255.255*0"},
	} {
		if got := FormatOBIS(tc.b); got != tc.want {
			t.Errorf("%v: %s", tc.b, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { AppendOBIS(make([]byte, 0, 32)[:0], [6]byte{1, 0, 1, 8, 0, 255}) }); n > 1 {
		t.Fatal(n)
	}
}

func TestDataStringAndJSON(t *testing.T) {
	n, err := ParseDataNotification(read(t, "node-dsmr-parser__aidon-example-2-with-aad.decrypted_apdu.bin"))
	if err != nil {
		t.Fatal(err)
	}
	s := n.Body.String()
	for _, want := range []string{
		"array[27]\n  structure[2]\n    octet-string 0000010000ff (0-0:1.0.0)\n    octet-string 07e30c1001073b28ff8000ff (2019-12-16 07:59:40)\n",
		"    double-long-unsigned 1122\n    structure[2]\n      integer 0\n      enum 27\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("tree lacks %q:\n%s", want, s)
		}
	}
	j, err := json.Marshal(n.Body)
	if err != nil || !json.Valid(j) {
		t.Fatalf("%v %s", err, j)
	}
	var v struct {
		Type  string `json:"type"`
		Items []struct {
			Items []map[string]any `json:"items"`
		} `json:"items"`
	}
	if err := json.Unmarshal(j, &v); err != nil || v.Type != "array" || len(v.Items) != 27 {
		t.Fatal(err, v.Type)
	}
	first := v.Items[0].Items
	if first[0]["obis"] != "0-0:1.0.0" || first[1]["datetime"] != "2019-12-16 07:59:40" || v.Items[1].Items[1]["value"] != 1122.0 {
		t.Fatalf("%v %v", first, v.Items[1].Items)
	}
	// Every kind marshals to valid JSON, floats that JSON cannot hold as strings.
	for _, h := range []string{"0301", "040ba5e0", "0a03414243", "0906313233343536", "1a07e5091b01", "17ff800000", "15ffffffffffffffff", "ff", "131103010203"} {
		d, _, err := DecodeData(unhex(t, h))
		if err != nil {
			t.Fatal(h, err)
		}
		if j, _ := d.MarshalJSON(); !json.Valid(j) {
			t.Errorf("%s: %s", h, j)
		}
		_ = d.String()
	}
}
