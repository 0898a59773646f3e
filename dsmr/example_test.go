package dsmr_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/meterwire/meterwire/dsmr"
)

const telegram = "/ISk5\\2MT382-1000\r\n" +
	"\r\n" +
	"1-3:0.2.8(50)\r\n" +
	"0-0:1.0.0(101209113020W)\r\n" +
	"1-0:1.8.1(123456.789*kWh)\r\n" +
	"1-0:1.8.2(123456.789*kWh)\r\n" +
	"0-0:96.14.0(0002)\r\n" +
	"1-0:1.7.0(01.193*kW)\r\n" +
	"0-0:96.13.0(48656C6C6F)\r\n" +
	"0-1:24.1.0(003)\r\n" +
	"0-1:24.2.1(101209112500W)(12785.123*m3)\r\n" +
	"!7F0C\r\n"

func ExampleParse() {
	t, err := dsmr.Parse([]byte(telegram))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("header:", t.Header, "profile:", t.Profile.Name)
	fmt.Printf("CRC printed %04X computed %04X ok=%v\n", t.CRC.Value, t.CRC.Computed, t.CRC.OK)
	t1 := t.Get("1-0:1.8.1").Main()
	fmt.Println("tariff 1:", t1.Number, t1.Unit)
	gas := t.Get("0-1:24.2.1")
	ts, _ := gas.Timestamp()
	fmt.Println("gas:", gas.Main().Number, gas.Main().Unit, "at", ts)
	fmt.Println("message:", t.Get("0-0:96.13.0").Main().Text)
	f := t.Fields()
	fmt.Println(f["energy_import_kwh"], f["power_import_kw"], f["tariff"], f["gas_m3"], f["gas_timestamp"])
	// Output:
	// header: ISk5\2MT382-1000 profile: nl-dsmr5
	// CRC printed 7F0C computed 7F0C ok=true
	// tariff 1: 123456.789 kWh
	// gas: 12785.123 m3 at 2010-12-09 11:25:00 +0100 CET
	// message: Hello
	// 246913.578 1.193 2 12785.123 2010-12-09T11:25:00+01:00
}

func ExampleSplit() {
	// A serial capture: noise, a telegram cut off by a meter restart, two
	// complete telegrams (one with LF line ends).
	stream := "\x00\xffnoise" +
		telegram[:200] +
		telegram +
		strings.ReplaceAll(telegram, "\r\n", "\n")
	sc := bufio.NewScanner(strings.NewReader(stream))
	sc.Split(dsmr.Split)
	for sc.Scan() {
		t, err := dsmr.Parse(sc.Bytes())
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(len(sc.Bytes()), "bytes,", len(t.Objects), "objects, CRC ok:", t.CRC.OK)
	}
	// Output:
	// 247 bytes, 9 objects, CRC ok: true
	// 235 bytes, 9 objects, CRC ok: false
}

func ExampleFramer() {
	var f dsmr.Framer
	// bytes arrive in pieces, as a serial port delivers them
	for _, chunk := range []string{telegram[:100], telegram[100:200], telegram[200:]} {
		f.Write([]byte(chunk))
		for tel := f.Next(); tel != nil; tel = f.Next() {
			t, _ := dsmr.Parse(tel)
			fmt.Println("telegram from", t.Header, "CRC ok:", t.CRC.OK)
		}
	}
	// Output:
	// telegram from ISk5\2MT382-1000 CRC ok: true
}

func ExampleTelegram_Layers() {
	t, _ := dsmr.Parse([]byte(telegram))
	for _, f := range t.Layers()[0].Fields[:4] {
		fmt.Printf("%-10s at %2d+%-2d %s: %s\n", f.Name, f.Offset, f.Len, f.Value, f.Meaning)
	}
	// Output:
	// header     at  0+17 "ISk5\\2MT382-1000": manufacturer "ISk", baud rate character '5', identification "\\2MT382-1000"
	// 1-3:0.2.8  at 21+13 50: P1 output version
	// 0-0:1.0.0  at 36+24 2010-12-09T11:30:20+01:00 (W): Date and time of the telegram
	// 1-0:1.8.1  at 62+25 123456.789 kWh: Electricity imported, tariff 1
}

func ExampleProfileByName() {
	p, _ := dsmr.ProfileByName("5L") // dsmr_parser's name for smarty
	fmt.Println(p.Name, p.Country, p.Location)
	// Output:
	// lu-smarty LU Europe/Luxembourg
}
