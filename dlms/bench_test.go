package dlms

import "testing"

// BenchmarkHDLCKamstrup parses the Kamstrup Omnipower HDLC frame (491
// bytes, both CRCs).
func BenchmarkHDLCKamstrup(b *testing.B) {
	frame := read(b, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin")
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, _, err := ParseHDLC(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAXDRAidon decodes the aidon-example-2 data-notification (566
// bytes, 27 structures) into a tree with a reused decoder.
func BenchmarkAXDRAidon(b *testing.B) {
	f, _, err := ParseHDLC(read(b, "node-dsmr-parser__aidon-example-2.bin"))
	if err != nil {
		b.Fatal(err)
	}
	var d DataDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(f.APDU)))
	for b.Loop() {
		if _, err := d.DataNotification(f.APDU); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAXDRAidonNew is the same with a new tree each time
// (ParseDataNotification).
func BenchmarkAXDRAidonNew(b *testing.B) {
	f, _, err := ParseHDLC(read(b, "node-dsmr-parser__aidon-example-2.bin"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(f.APDU)))
	for b.Loop() {
		if _, err := ParseDataNotification(f.APDU); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDLMSPushKamstrup is a whole push: HDLC frame -> LLC ->
// general-glo-ciphering with a verified GCM tag -> data-notification ->
// A-XDR tree.
func BenchmarkDLMSPushKamstrup(b *testing.B) {
	frame := read(b, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin")
	u := Unwrapper{Decrypter: &Decrypter{Key: unhex(b, "00112233445566778899AABBCCDDEEFF"), AK: unhex(b, "FFEEDDCCBBAA99887766554433221100"), Policy: TagVerify}}
	var a HDLCAssembler
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		f, _, err := ParseHDLC(frame)
		if err != nil {
			b.Fatal(err)
		}
		apdu, _, err := a.Add(&f)
		if err != nil {
			b.Fatal(err)
		}
		m, err := u.Feed(apdu)
		if err != nil || m.Auth != AuthVerified {
			b.Fatal(err)
		}
	}
}

// BenchmarkDLMSPushE450 is the Landis+Gyr E450 push: three HDLC frames,
// general-block-transfer, GCM, data-notification.
func BenchmarkDLMSPushE450(b *testing.B) {
	data := read(b, "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin")
	u := Unwrapper{Decrypter: &Decrypter{Key: unhex(b, "5C316162209EBB790B52EB0E7FC5B11C"), AK: unhex(b, "92705C5C97286064EABAE38D190F87A4"), Policy: TagVerify}}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var m *Message
		for rest := data; len(rest) > 0; {
			f, n, err := ParseHDLC(rest)
			if err != nil {
				b.Fatal(err)
			}
			if m, err = u.Feed(f.APDU); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
		if m == nil {
			b.Fatal("no message")
		}
	}
}

// BenchmarkDLMSPushNetzNoe is the EVN/Netz NÖ Kaifa push over M-Bus: two
// long frames, AES-CTR, data-notification.
func BenchmarkDLMSPushNetzNoe(b *testing.B) {
	data := read(b, "esphome-libs_dlms_parser__mbus_netz_noe_p1.bin")
	u := Unwrapper{Decrypter: &Decrypter{Key: unhex(b, "36C66639E48A8CA4D6BC8B282A793BBB")}}
	var a MBusAssembler
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var m *Message
		for rest := data; len(rest) > 0; {
			s, n, err := ParseMBusSegment(rest)
			if err != nil {
				b.Fatal(err)
			}
			apdu, done, err := a.Add(&s)
			if err != nil {
				b.Fatal(err)
			}
			if done {
				if m, err = u.Feed(apdu); err != nil {
					b.Fatal(err)
				}
			}
			rest = rest[n:]
		}
		if m == nil {
			b.Fatal("no message")
		}
	}
}
