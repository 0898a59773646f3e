package dlms

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

// leafString renders a leaf for spot checks: OBIS codes as FormatOBIS,
// date-times as DateTime.String, text as text, numbers in decimal,
// attribute descriptors as "class/obis/attribute".
func leafString(d *Data) string {
	switch d.Type {
	case TypeAttributeDescriptor:
		c, o, a, _ := d.AttributeDescriptor()
		return strconv.Itoa(int(c)) + "/" + FormatOBIS(o) + "/" + strconv.Itoa(int(a))
	case TypeOctetString, TypeVisibleString, TypeUTF8String:
		if s, ok := d.Text(); ok {
			return s
		}
		if o, ok := d.OBIS(); ok {
			return FormatOBIS(o)
		}
		if t, ok := d.DateTime(); ok {
			return t.String()
		}
		return hex.EncodeToString(d.Bytes)
	case TypeDateTime:
		t, _ := d.DateTime()
		return t.String()
	case TypeNullData:
		return "null"
	case TypeBoolean:
		b, _ := d.Bool()
		return strconv.FormatBool(b)
	}
	if d.Type == TypeLong64Unsigned {
		u, _ := d.Uint()
		return strconv.FormatUint(u, 10)
	}
	if i, ok := d.Int(); ok {
		return strconv.FormatInt(i, 10)
	}
	return hex.EncodeToString(d.Bytes)
}

func leaves(d *Data, out []string) []string {
	if d.IsContainer() {
		for i := range d.Items {
			out = leaves(&d.Items[i], out)
		}
		return out
	}
	return append(out, leafString(d))
}

// checkValues checks that want appears in order in the leaves: "X=Y"
// means leaf X immediately followed by leaf Y, anything else one leaf.
func checkValues(ls []string, want []string) error {
	cur := 0
	for _, w := range want {
		k, v, pair := strings.Cut(w, "=")
		found := false
		for i := cur; i < len(ls); i++ {
			if pair && ls[i] == k && i+1 < len(ls) && ls[i+1] == v {
				cur, found = i+2, true
				break
			}
			if !pair && ls[i] == w {
				cur, found = i+1, true
				break
			}
		}
		if !found {
			return errors.New("value " + strconv.Quote(w) + " not found in order after leaf " + strconv.Itoa(cur))
		}
	}
	return nil
}

type corpusSample struct {
	file      string
	transport string // hdlc, mbus, raw
	frames    int
	fcsBad    int // frames whose FCS the MANIFEST states BAD
	ek, ak    string
	decrypted string // expected plain APDU file
	auth      Auth
	blocks    int
	quirks    Quirks
	wantErr   error // the unwrap outcome when not a decoded message
	values    []string
}

var corpus = []corpusSample{
	{file: "Noschvie_shrdzm__im350_wels_1.bin", transport: "hdlc", frames: 1, ek: "5A9AFEB2A17E6CF0CBAF98C8300ED9D7",
		decrypted: "Noschvie_shrdzm__im350_wels_1.decrypted_apdu.bin", auth: AuthNone,
		values: []string{"0-6:25.9.0", "18037098", "3531997", "0", "392120", "282666", "146"}},
	{file: "Noschvie_shrdzm__im350_wienernetze_1.bin", transport: "hdlc", frames: 1, ek: "612888F59306A7855AC5C08CB3A96B39",
		decrypted: "Noschvie_shrdzm__im350_wienernetze_1.decrypted_apdu.bin",
		values:    []string{"0-6:25.9.0", "2221202033801", "2946830", "0", "887", "2116972", "73"}},
	{file: "Noschvie_shrdzm__im350_wienernetze_2.bin", transport: "hdlc", frames: 1, ek: "612888F59306A7855AC5C08CB3A96B39",
		decrypted: "Noschvie_shrdzm__im350_wienernetze_2.decrypted_apdu.bin",
		values:    []string{"0-6:25.9.0", "2221202033801", "2946830", "0", "887", "2116972", "79"}},
	{file: "esphome-libs_dlms_parser__hdlc_iskra550.bin", transport: "hdlc", frames: 3,
		values: []string{"0-0:96.1.0=84895126", "0-0:96.1.1=160456", "1-0:1.7.0=182", "0", "27", "1-0:1.8.0=261927"}},
	{file: "esphome-libs_dlms_parser__hdlc_kaifa_ma304h3e.bin", transport: "hdlc", frames: 1,
		values: []string{"KFM_001", "6970631401753985", "MA304H3E", "948", "0", "0", "64", "1416", "3241", "3119", "2385", "0", "2389"}},
	{file: "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.bin", transport: "hdlc", frames: 1,
		ek: "00112233445566778899AABBCCDDEEFF", ak: "FFEEDDCCBBAA99887766554433221100", auth: AuthVerified,
		decrypted: "esphome-libs_dlms_parser__hdlc_kamstrup_omnipower.decrypted_apdu.bin",
		values:    []string{"Kamstrup_V0001", "1-1:1.8.0=6307498", "1-1:2.8.0=0", "1-1:3.8.0=326360", "1-1:4.8.0=2124057", "1-1:0.0.1=12343400", "1-1:1.7.0=1083"}},
	{file: "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.bin", transport: "hdlc", frames: 3, blocks: 3,
		ek: "5C316162209EBB790B52EB0E7FC5B11C", ak: "92705C5C97286064EABAE38D190F87A4", auth: AuthVerified,
		decrypted: "esphome-libs_dlms_parser__hdlc_landis_gyr_e450.decrypted_apdu.bin",
		values:    []string{"2022-02-21 17:37:30", "1-0:1.8.0=4408736", "1-0:1.8.1=3593919", "1-0:1.8.2=814817", "1-0:1.7.0=2893"}},
	{file: "esphome-libs_dlms_parser__hdlc_landis_gyr_zmf100.bin", transport: "hdlc", frames: 1, fcsBad: 1},
	{file: "esphome-libs_dlms_parser__hdlc_norway_han_1phase.bin", transport: "hdlc", frames: 1,
		values: []string{"1-1:0.2.129=AIDON_V0001", "0-0:96.1.0=7359992890941742", "0-0:96.1.7=6515", "1-0:1.7.0=1362", "0", "27", "1-0:3.7.0=996"}},
	{file: "esphome-libs_dlms_parser__mbus_kmswest.bin", transport: "mbus", frames: 1, wantErr: codec.ErrNoKey},
	{file: "esphome-libs_dlms_parser__mbus_netz_noe_p1.bin", transport: "mbus", frames: 2, ek: "36C66639E48A8CA4D6BC8B282A793BBB",
		decrypted: "esphome-libs_dlms_parser__mbus_netz_noe_p1.decrypted_apdu.bin",
		values:    []string{"2021-09-27 09:47:15 +02:00", "1-0:1.8.0=12937", "0", "30", "1-0:32.7.0=2337", "-1", "35", "1-0:13.7.0=1000", "181220000009"}},
	{file: "esphome-libs_dlms_parser__raw_egd_example.bin", transport: "raw", quirks: QuirkAttributeDescriptors,
		values: []string{"1", "1/0-0:42.0.0/2=EGD012345", "40/0-2:25.9.0/1=0-2:25.9.0", "1/0-0:96.1.0/2=0123456789", "70/0-0:96.3.10/3=1"}},
	{file: "esphome-libs_dlms_parser__raw_energomera.bin", transport: "raw",
		values: []string{"40", "0-0:25.9.0", "2", "0", "0", "null", "1", "0-0:96.5.134", "EMR0222173608710"}},
	{file: "esphome-libs_dlms_parser__raw_sagecom_xt211.bin", transport: "raw", quirks: QuirkAttributeDescriptors,
		values: []string{"1", "1/0-0:96.1.1/2=5100005149", "70/0-0:96.3.10/3=1", "71/0-0:17.0.0/3=0", "3/1-0:1.7.0/2=1956"}},
	{file: "esphome-libs_dlms_parser__raw_salzburg_netz.bin", transport: "raw",
		values: []string{"0-0:1.0.0=2022-11-12 16:54:00 +01:00", "0-0:96.1.0=1KFM0200234804", "0-0:42.0.0=KFM1200200234804", "1-0:32.7.0=2292", "-1", "35", "1-0:52.7.0=2316"}},
	{file: "fneur_smart-meter-tirol__tinetz_kaifa_example_mbus_2frames.bin", transport: "mbus", frames: 2, ek: "101112131415161718191A1B1C1D1E1F",
		decrypted: "fneur_smart-meter-tirol__tinetz_kaifa_example.decrypted_apdu.bin",
		values:    []string{"0-0:1.0.0=2021-07-19 15:46:35 +02:00", "0-0:96.1.0=1KFM0100000035", "0-0:42.0.0=KFM1100100000035", "1-0:32.7.0=2308", "1-0:1.8.0=9108", "1-0:3.8.0=96", "1-0:4.8.0=9"}},
	{file: "node-dsmr-parser__aidon-example-1.bin", transport: "hdlc", frames: 1,
		values: []string{"1-1:0.2.129=AIDON_V0001", "0-0:96.1.0=7359992890941742", "1-0:1.7.0=1362", "1-0:31.7.0=93", "-1", "33", "1-0:32.7.0=2500"}},
	{file: "node-dsmr-parser__aidon-example-2-segmented.bin", transport: "hdlc", frames: 3,
		values: []string{"0-0:1.0.0=2019-12-16 07:59:40", "1-0:1.7.0=1122", "1-0:51.7.0=75", "1-0:32.7.0=2307", "1-0:52.7.0=2499", "1-0:3.8.0=6614347"}},
	{file: "node-dsmr-parser__aidon-example-2-with-aad.bin", transport: "hdlc", frames: 1,
		ek: "0123456789abcdef0123456789abcdef", ak: "ffeeddccbbaa99887766554433221100", auth: AuthVerified,
		decrypted: "node-dsmr-parser__aidon-example-2-with-aad.decrypted_apdu.bin",
		values:    []string{"0-0:1.0.0=2019-12-16 07:59:40", "1-0:1.7.0=1122", "1-0:51.7.0=75", "1-0:32.7.0=2307"}},
	{file: "node-dsmr-parser__aidon-example-2-without-aad.bin", transport: "hdlc", frames: 1,
		ek: "0123456789abcdef0123456789abcdef", auth: AuthVerifiedEmpty,
		decrypted: "node-dsmr-parser__aidon-example-2-without-aad.decrypted_apdu.bin",
		values:    []string{"0-0:1.0.0=2019-12-16 07:59:40", "1-0:1.7.0=1122"}},
	{file: "node-dsmr-parser__aidon-example-2.bin", transport: "hdlc", frames: 1,
		values: []string{"0-0:1.0.0=2019-12-16 07:59:40", "1-0:1.7.0=1122", "1-0:2.7.0=0", "1-0:31.7.0=0", "1-0:51.7.0=75", "1-0:32.7.0=2307", "1-0:3.8.0=6614347"}},
	{file: "node-dsmr-parser__austria-example-1_mbus_2frames.bin", transport: "mbus", frames: 2, ek: "36C66639E48A8CA4D6BC8B282A793BBB",
		decrypted: "esphome-libs_dlms_parser__mbus_netz_noe_p1.decrypted_apdu.bin",
		values:    []string{"2021-09-27 09:47:15 +02:00", "1-0:1.8.0=12937"}},
	{file: "node-dsmr-parser__described-list.bin", transport: "hdlc", frames: 1, fcsBad: 1},
	{file: "node-dsmr-parser__iskra-1.bin", transport: "hdlc", frames: 1, wantErr: codec.ErrTruncated},
	{file: "node-dsmr-parser__kamstrup-example-1.bin", transport: "hdlc", frames: 1,
		values: []string{"Kamstrup_V0001", "1-1:0.0.5=5706567000000000", "1-1:96.1.1=000000000000000000", "1-1:1.7.0=0", "1-1:32.7.0=0"}},
	{file: "node-dsmr-parser__kamstrup-example-2.bin", transport: "hdlc", frames: 1,
		values: []string{"Kamstrup_V0001", "1-1:0.0.5=5706567000000000", "1-1:1.7.0=0", "0-1:1.0.0=2017-08-16 16:00:05", "1-1:1.8.0=0"}},
	{file: "node-dsmr-parser__slovenia-list-1.bin", transport: "hdlc", frames: 1,
		values: []string{"ISK1030783826316", "ISK83826316", "0", "0", "0", "0", "2346"}},
	{file: "node-dsmr-parser__slovenia-list-2.bin", transport: "hdlc", frames: 1,
		values: []string{"ISK1030783826316", "true", "3810", "0", "3810", "0", "0", "0", "4531"}},
	{file: "pwitab_dlms-cosem__general_glo_cipher_1byte_len.bin", transport: "raw",
		ek: hex.EncodeToString([]byte("MYDUMMYGLOBALKEY")), ak: hex.EncodeToString([]byte("MYDUMMYGLOBALKEY")), auth: AuthVerified},
	{file: "wienernetze_am550_pocki.bin", transport: "hdlc", frames: 1, ek: "8F67AFBA0409A4497A364C9F1A6F0EC1",
		decrypted: "wienernetze_am550_pocki.decrypted_apdu.bin",
		values:    []string{"2021-04-25 21:05:42 +02:00", "3448196", "0", "120454", "1421979", "125"}},
}

// corpusResult is what TestCorpus found for one sample: a row of the
// report.
type corpusResult struct {
	frames     int
	crc        []string // per frame: "ok" or "HCS BAD"/"FCS BAD"/"CS BAD"
	decrypted  string   // "==", "!=", "-" (not ciphered)
	complete   bool
	quirks     Quirks
	checked    int
	notTrusted bool
}

// unwrapTransport runs a sample's bytes through its transport and the
// Unwrapper.
func unwrapTransport(t *testing.T, s corpusSample, u *Unwrapper, b []byte, r *corpusResult) (*Message, error) {
	t.Helper()
	switch s.transport {
	case "raw":
		return u.Feed(b)
	case "hdlc":
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Split(SplitHDLC)
		var a HDLCAssembler
		var msg *Message
		var lastErr error
		for sc.Scan() {
			f, n, err := ParseHDLC(sc.Bytes())
			r.frames++
			if n != len(sc.Bytes()) {
				t.Errorf("%s: token of %d bytes, frame %d", s.file, len(sc.Bytes()), n)
			}
			status := "ok"
			switch {
			case err == nil:
			case errors.Is(err, codec.ErrCRC) && !f.HCSOK:
				status = "HCS BAD"
			case errors.Is(err, codec.ErrCRC) && !f.FCSOK:
				status = "FCS BAD"
			default:
				t.Fatalf("%s: frame %d: %v", s.file, r.frames, err)
			}
			r.crc = append(r.crc, status)
			apdu, done, err := a.Add(&f)
			if err != nil {
				if errors.Is(err, codec.ErrCRC) {
					r.notTrusted = true
				}
				lastErr = err
				continue
			}
			if !done {
				continue
			}
			if msg, err = u.Feed(apdu); err != nil {
				lastErr = err
			}
		}
		if msg == nil && lastErr == nil {
			lastErr = errors.New("no message")
		}
		return msg, lastErr
	case "mbus":
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Split(SplitMBus)
		var a MBusAssembler
		var msg *Message
		var lastErr error
		for sc.Scan() {
			seg, _, err := ParseMBusSegment(sc.Bytes())
			r.frames++
			if err != nil {
				r.crc = append(r.crc, "CS BAD")
				lastErr = err
				continue
			}
			r.crc = append(r.crc, "ok")
			apdu, done, err := a.Add(&seg)
			if err != nil {
				lastErr = err
				continue
			}
			if done {
				if msg, err = u.Feed(apdu); err != nil {
					lastErr = err
				}
			}
		}
		return msg, lastErr
	}
	t.Fatalf("transport %q", s.transport)
	return nil, nil
}

// TestCorpus runs every sample of the DLMS corpus through its transport,
// the decrypter and the A-XDR decoder, and checks what the MANIFEST and
// the publishers' decoded output state.
func TestCorpus(t *testing.T) {
	for _, s := range corpus {
		t.Run(strings.TrimSuffix(s.file, ".bin"), func(t *testing.T) {
			var r corpusResult
			u := sampleUnwrapper(t, s)
			m, err := unwrapTransport(t, s, &u, read(t, s.file), &r)
			if s.frames > 0 && r.frames != s.frames {
				t.Errorf("frames %d, want %d", r.frames, s.frames)
			}
			bad := 0
			for _, c := range r.crc {
				if c != "ok" {
					bad++
				}
			}
			if bad != s.fcsBad {
				t.Errorf("check sequences %v, want %d FCS BAD", r.crc, s.fcsBad)
			}
			switch {
			case s.fcsBad > 0:
				if !r.notTrusted || m != nil || !errors.Is(err, codec.ErrCRC) {
					t.Errorf("untrusted frame used: msg %v err %v", m != nil, err)
				}
			case s.wantErr != nil:
				if !errors.Is(err, s.wantErr) {
					t.Errorf("err %v, want %v", err, s.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				r.complete = m.Notification.Body != nil // DataNotification requires every byte
				r.quirks = m.Notification.Quirks
				if m.Notification.Quirks != s.quirks {
					t.Errorf("quirks %v, want %v", m.Notification.Quirks, s.quirks)
				}
				r.decrypted = "-"
				if m.Ciphered {
					if m.Auth != s.auth {
						t.Errorf("auth %v, want %v", m.Auth, s.auth)
					}
					if m.Plain[0] != DataNotificationTag {
						t.Errorf("plaintext starts %x", m.Plain[:1])
					}
				}
				if s.decrypted != "" {
					r.decrypted = "!="
					if bytes.Equal(m.Plain, read(t, s.decrypted)) {
						r.decrypted = "=="
					} else {
						t.Errorf("plaintext differs from %s", s.decrypted)
					}
				}
				if m.Blocks != s.blocks {
					t.Errorf("blocks %d, want %d", m.Blocks, s.blocks)
				}
				if err := checkValues(leaves(m.Notification.Body, nil), s.values); err != nil {
					t.Errorf("%v\n%s", err, m.Notification.Body)
				}
				r.checked = len(s.values)
			}
			t.Logf("REPORT | %s | %s | %d | %s | %s | %v | %v | %d", s.file, s.transport, r.frames, strings.Join(r.crc, ","), r.decrypted, r.complete, r.quirks, r.checked)
		})
	}
}

// The two samples with a bad FCS: reported as such, frame not trusted;
// their information field, decoded anyway for the record, shows why the
// publishers' tools struggled (a Landis+Gyr tag swap, a cut body).
func TestCorpusUntrusted(t *testing.T) {
	for _, tc := range []struct {
		file   string
		quirks Quirks
		err    error
	}{
		{"esphome-libs_dlms_parser__hdlc_landis_gyr_zmf100.bin", QuirkSwappedOBISTag, nil},
		{"node-dsmr-parser__described-list.bin", 0, codec.ErrTruncated},
	} {
		f, n, err := ParseHDLC(read(t, tc.file))
		var ce *codec.Error
		if !errors.Is(err, codec.ErrCRC) || !errors.As(err, &ce) || !strings.Contains(ce.Detail, "FCS") || f.FCSOK || !f.HCSOK || n != len(read(t, tc.file)) {
			t.Fatalf("%s: %v (HCS %v FCS %v, n %d)", tc.file, err, f.HCSOK, f.FCSOK, n)
		}
		if f.Trusted() {
			t.Fatalf("%s: trusted", tc.file)
		}
		dn, err := ParseDataNotification(f.APDU)
		if !errors.Is(err, tc.err) || (err == nil && dn.Quirks != tc.quirks) {
			t.Errorf("%s: untrusted body: %v quirks %v", tc.file, err, dn.Quirks)
		}
		if err == nil {
			if err := checkValues(leaves(dn.Body, nil), []string{"1-1:0.2.129=EMBRIQ_V1_1", "1-0:1.7.0=560", "1-0:31.7.0=244", "-2", "33"}); err != nil {
				t.Errorf("%s: %v", tc.file, err)
			}
		}
	}
}

// iskra-1 is a synthetic frame with valid CRCs whose structure claims 12
// elements and holds 9: the A-XDR decoder says truncated, where exactly.
func TestIskra1Truncated(t *testing.T) {
	f, _, err := ParseHDLC(read(t, "node-dsmr-parser__iskra-1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseDataNotification(f.APDU)
	var ce *codec.Error
	if !errors.Is(err, codec.ErrTruncated) || !errors.As(err, &ce) || ce.Layer != "axdr" || ce.Offset != len(f.APDU) {
		t.Fatalf("%v", err)
	}
}

// sampleUnwrapper returns an Unwrapper with the sample's keys.
func sampleUnwrapper(t testing.TB, s corpusSample) Unwrapper {
	var u Unwrapper
	if s.ek != "" {
		u.Decrypter = &Decrypter{Key: unhex(t, s.ek)}
		if s.ak != "" {
			u.Decrypter.AK = unhex(t, s.ak)
		}
	}
	return u
}
