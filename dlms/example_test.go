package dlms_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/meterwire/meterwire/dlms"
)

// A Kamstrup Omnipower pushes one HDLC frame with a GCM-protected
// data-notification; read it from a stream, check the tag and print the
// first values of the tree.
func ExampleUnwrapper() {
	stream, err := os.ReadFile("testdata/esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin")
	if err != nil {
		panic(err)
	}
	ek, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF")
	ak, _ := hex.DecodeString("FFEEDDCCBBAA99887766554433221100")
	u := dlms.Unwrapper{Decrypter: &dlms.Decrypter{Key: ek, AK: ak, Policy: dlms.TagVerify}}
	var segments dlms.HDLCAssembler

	sc := bufio.NewScanner(bytes.NewReader(stream)) // a serial port in real life
	sc.Split(dlms.SplitHDLC)
	for sc.Scan() {
		f, _, err := dlms.ParseHDLC(sc.Bytes())
		if err != nil {
			fmt.Println(err)
			continue
		}
		apdu, done, err := segments.Add(&f)
		if err != nil || !done {
			continue
		}
		m, err := u.Feed(apdu)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("system title %x, frame counter %d, tag %v\n", m.Envelope.SystemTitle, m.Envelope.FC, m.Auth)
		body := m.Notification.Body
		name, _ := body.Items[0].Text()
		obis, _ := body.Items[1].OBIS()
		v, _ := body.Items[2].Uint()
		fmt.Println(name, dlms.FormatOBIS(obis), v)
	}
	// Output:
	// system title 4b414d4501349083, frame counter 17784996, tag verified
	// Kamstrup_V0001 1-1:1.8.0 6307498
}

func ExampleDecodeData() {
	b, _ := hex.DecodeString("020309060100010700ff060000046202020f00161b")
	d, _, err := dlms.DecodeData(b)
	if err != nil {
		panic(err)
	}
	fmt.Print(d)
	// Output:
	// structure[3]
	//   octet-string 0100010700ff (1-0:1.7.0)
	//   double-long-unsigned 1122
	//   structure[2]
	//     integer 0
	//     enum 27
}

func ExampleFormatOBIS() {
	fmt.Println(dlms.FormatOBIS([6]byte{1, 0, 1, 8, 0, 255}))
	fmt.Println(dlms.FormatOBIS([6]byte{1, 0, 1, 8, 0, 101}))
	// Output:
	// 1-0:1.8.0
	// 1-0:1.8.0*101
}

func ExampleParseMBusTransport() {
	frames, _ := os.ReadFile("testdata/fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin")
	apdu, _, err := dlms.ParseMBusTransport(frames)
	if err != nil {
		panic(err)
	}
	key, _ := hex.DecodeString("101112131415161718191A1B1C1D1E1F")
	m, err := dlms.Unwrap(apdu, &dlms.Decrypter{Key: key})
	if err != nil {
		panic(err)
	}
	t, _ := m.Notification.Time()
	fmt.Println(len(apdu), m.Steps[0].Name, m.Auth, t)
	// Output:
	// 278 general-glo-ciphering none 2021-07-19 15:46:35 +02:00
}
