package p1

import (
	"bufio"
	"bytes"
	"errors"
	"testing"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/dlms"
)

// units splits a sample into its P1 units, as a serial port would deliver.
func units(t *testing.T, data []byte) [][]byte {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	sc.Split(Split)
	var out [][]byte
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// decodeAll feeds every unit of a sample; the last must complete the message.
func decodeAll(t *testing.T, d *Decoder, file string, wantUnits int) (*Result, error) {
	t.Helper()
	us := units(t, read(t, file))
	if len(us) != wantUnits {
		t.Fatalf("%s: %d units, want %d", file, len(us), wantUnits)
	}
	var r *Result
	var err error
	for i, u := range us {
		r, err = d.Decode(u)
		if i < len(us)-1 && (err != nil || !r.Pending) {
			t.Fatalf("%s unit %d: pending %v err %v", file, i, r != nil && r.Pending, err)
		}
	}
	return r, err
}

func TestDLMSPushMeters(t *testing.T) {
	for _, tc := range []struct {
		file, ek, ak string
		units        int
		transport    string
		field        string
		want         float64
	}{
		{"esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", "00112233445566778899AABBCCDDEEFF", "FFEEDDCCBBAA99887766554433221100", 1, TransportHDLC, "energy_import_kwh", 63074.98},
		{"node-dsmr-parser__austria-example-1_mbus_2frames.bin", "36C66639E48A8CA4D6BC8B282A793BBB", "", 2, TransportMBus, "energy_import_kwh", 12.937},
		{"node-dsmr-parser__aidon-example-2-segmented.bin", "", "", 3, TransportHDLC, "energy_import_kwh", 10049.926},
		{"esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin", "5C316162209EBB790B52EB0E7FC5B11C", "92705C5C97286064EABAE38D190F87A4", 3, TransportHDLC, "energy_import_t1_kwh", 3593.919},
	} {
		d := Decoder{}
		if tc.ek != "" {
			d.Key = key(t, tc.ek)
		}
		if tc.ak != "" {
			d.AK = key(t, tc.ak)
		}
		r, err := decodeAll(t, &d, tc.file, tc.units)
		if err != nil || r.Message == nil || r.Transport != tc.transport || len(r.Objects) == 0 {
			t.Fatalf("%s: %v", tc.file, err)
		}
		rep := r.Report(true, nil)
		if rep.Kind != "dlms" || rep.Fields[tc.field] != tc.want || rep.Tree == nil || rep.APDUHex == "" {
			t.Errorf("%s: %s = %v, want %v (kind %s)", tc.file, tc.field, rep.Fields[tc.field], tc.want, rep.Kind)
		}
		if tc.ak != "" && rep.Security.Tag != "verified" {
			t.Errorf("%s: tag %s", tc.file, rep.Security.Tag)
		}
	}
}

func TestDLMSPushErrors(t *testing.T) {
	// Austrian Kaifa (SC 0x20, no tag) with a wrong key.
	d := Decoder{Key: key(t, "06C66639E48A8CA4D6BC8B282A793BBB")}
	if _, err := decodeAll(t, &d, "node-dsmr-parser__austria-example-1_mbus_2frames.bin", 2); err == nil {
		t.Fatal("wrong key accepted")
	}
	// The same without a key.
	d = Decoder{}
	if r, err := decodeAll(t, &d, "node-dsmr-parser__austria-example-1_mbus_2frames.bin", 2); !errors.Is(err, codec.ErrNoKey) || r.Security.Status != "no-key" {
		t.Fatalf("no key: %v", err)
	}
	// An AK configured and a frame without tag: refused.
	d = Decoder{Key: key(t, "36C66639E48A8CA4D6BC8B282A793BBB"), AK: key(t, "00112233445566778899AABBCCDDEEFF")}
	if _, err := decodeAll(t, &d, "node-dsmr-parser__austria-example-1_mbus_2frames.bin", 2); !errors.Is(err, codec.ErrAuth) {
		t.Fatalf("downgrade: %v", err)
	}
	// Kamstrup with a wrong AK: authentication error, no objects.
	d = Decoder{Key: key(t, "00112233445566778899AABBCCDDEEFF"), AK: key(t, "0FEEDDCCBBAA99887766554433221100")}
	if r, err := decodeAll(t, &d, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", 1); !errors.Is(err, codec.ErrAuth) || len(r.Objects) != 0 {
		t.Fatalf("wrong AK: %v", err)
	}
}

// A frame whose FCS does not match is not trusted.
func TestDLMSBadFCS(t *testing.T) {
	raw := read(t, "esphome-libs_dlms_parser__hdlc_landis_gyr_zmf100.bin")
	d := Decoder{}
	_, err := d.Decode(raw)
	if !errors.Is(err, codec.ErrCRC) {
		t.Fatalf("%v", err)
	}
}

// A keyed HDLC push (Kamstrup Omnipower, GCM with tag) from bytes to
// objects and fields through the same Decoder the CLI uses.
func BenchmarkDLMSPush(b *testing.B) {
	frame := read(b, "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin")
	d := Decoder{Key: key(b, "00112233445566778899AABBCCDDEEFF"), AK: key(b, "FFEEDDCCBBAA99887766554433221100")}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		d.own = dlms.Counters{} // the same frame each time would be a replay
		r, err := d.Decode(frame)
		if err != nil || len(r.Objects) == 0 {
			b.Fatal(err)
		}
	}
}
