package dlms

import (
	"encoding/json"
	"testing"
)

// layoutSeeds are notification bodies of every shape the layouts know.
func layoutSeeds(f *testing.F) [][]byte {
	var out [][]byte
	add := func(apdu []byte) {
		var n DataNotification
		if err := dataNotificationHeader(apdu, &n); err == nil {
			out = append(out, apdu[n.BodyOffset:])
		}
	}
	for _, name := range []string{
		"esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin", "esphome-libs_dlms_parser__hdlc_norway_han_1phase.bin",
		"esphome-libs_dlms_parser__hdlc_landis_gyr_zmf100.bin", "node-dsmr-parser__aidon-example-1.bin",
		"node-dsmr-parser__kamstrup-example-2.bin", "node-dsmr-parser__slovenia-list-1.bin", "node-dsmr-parser__slovenia-list-2.bin",
	} {
		fr, _, _ := ParseHDLC(read(f, name))
		add(fr.APDU)
	}
	for _, name := range []string{
		"esphome-libs_dlms_parser__raw_egd_example.bin", "esphome-libs_dlms_parser__raw_energomera.bin",
		"esphome-libs_dlms_parser__raw_salzburg_netz.bin", "esphome-libs_dlms_parser__mbus_netz_noe_p1.decrypted_apdu.bin",
		"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.decrypted_apdu.bin", "wienernetze_am550_pocki.decrypted_apdu.bin",
		"Noschvie_shrdzm__im350_wels_1.decrypted_apdu.bin", "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.decrypted_apdu.bin",
	} {
		add(read(f, name))
	}
	return out
}

// FuzzObjects maps arbitrary trees decoded from fuzzed bytes with
// detection and with every layout: no panic, typed errors, objects that
// satisfy their invariants, fields that encode as JSON.
func FuzzObjects(f *testing.F) {
	for _, s := range layoutSeeds(f) {
		f.Add(s)
	}
	f.Add(unhex(f, "020D09074B464D5F3030310901310901320600000001"))
	f.Add(unhex(f, "0202010102020906010001080000ff0600000001020209060100010800ff0a00"))
	dt := unhex(f, "07e5091b01092f0f00ff8880")
	f.Fuzz(func(t *testing.T, b []byte) {
		d := DataDecoder{Quirks: AllQuirks}
		root, _, err := d.Decode(b)
		if err != nil {
			return
		}
		n := &DataNotification{Body: root, DateTime: dt}
		objs, l, err := Objects(n, nil)
		if err != nil {
			t.Fatalf("detection: %v", err)
		}
		if (l == nil) != (len(objs) == 0) {
			t.Fatalf("layout %v with %d objects", l, len(objs))
		}
		checkObjects(t, "detected", objs)
		if _, err := json.Marshal(Fields(objs)); err != nil {
			t.Fatal(err)
		}
		for _, l := range Layouts() {
			objs, got, err := Objects(n, l)
			typed(t, err)
			if got != l {
				t.Fatalf("layout %v, want %v", got, l)
			}
			if err != nil && l.Shape != ShapePositional {
				t.Fatalf("%s: %v", l.Name, err)
			}
			checkObjects(t, l.Name, objs)
			if _, err := json.Marshal(Fields(objs)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
