package wmbus_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/meterwire/meterwire/wmbus"
)

func ExampleDecoder_Decode() {
	// OMS Annex N: ELL 0x8C, AFL with an AES-CMAC, TPL security mode 7, format A.
	frame, _ := hex.DecodeString("434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1")
	key, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F")

	d := wmbus.Decoder{Keys: wmbus.StaticKey(key)}
	tel, err := d.Decode(frame)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tel.Link, tel.Format, tel.Security.Mode(), tel.Security.Status, "MAC", tel.Security.MAC)
	fmt.Printf("% X\n", tel.APL()[:8])

	// Without the key, the headers are still there and the error says why.
	d.Keys = nil
	tel, err = d.Decode(frame)
	fmt.Println(errors.Is(err, wmbus.ErrNoKey), tel.TPL.SecurityMode(), tel.Security.Status)
	// Output:
	// 12345678 (ELS v51 gas) A tpl-mode-7 decrypted MAC verified
	// 2F 2F 0C 14 27 04 85 02
	// true 7 no-key
}

func ExampleAppendFrame() {
	// ELL CI 0x8F with ENC=1 (AES-128-CTR), frame format B: what a Telit
	// ME70-169 sends for the integrator's meter.
	key, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F")
	spec := &wmbus.Spec{
		C:    0x44,
		Link: wmbus.Address{Manufacturer: 0x0CAE, ID: 0x12345678, Version: 1, Type: 0x07},
		ELL: &wmbus.ELLSpec{CI: 0x8F, CC: wmbus.CCSynchronised, ACC: 1,
			Addr:    wmbus.Address{Manufacturer: 0x0CAE, ID: 0x87654321, Version: 1, Type: 0x07},
			Encrypt: true, Minutes: 12345, Session: 3},
		TPL:     wmbus.TPLSpec{CI: 0x78},
		Payload: []byte{0x04, 0x13, 0xE8, 0x03, 0x00, 0x00}, // volume 1.000 m³
		Key:     key,
		Format:  wmbus.FormatB,
	}
	frame, err := wmbus.AppendFrame(nil, spec)
	fmt.Printf("%X %v\n", frame, err)
	// Output: 2344AE0C7856341201078F2001AE0C21436587010793030320F284603BCE0EFCCC277838 <nil>
}
