package wmbus

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// vector is one [section] of a corpus file: "name = value" lines, and the
// "VERIFIED name = value" lines computed by an independent implementation.
type vector struct {
	file, title string
	fields      map[string]string
	verified    map[string]string
	order       []string
	frames      []string // every "frame" line (a section may list several)
}

func loadVectors(t testing.TB, file string) []*vector {
	t.Helper()
	fh, err := os.Open("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []*vector
	var cur *vector
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			cur = &vector{file: file, title: strings.Trim(line, "[]"), fields: map[string]string{}, verified: map[string]string{}}
			out = append(out, cur)
			continue
		}
		if cur == nil || line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if name, ok := strings.CutPrefix(k, "VERIFIED "); ok {
			cur.verified[name] = v
			continue
		}
		if k == "frame" {
			cur.frames = append(cur.frames, v)
		}
		if _, dup := cur.fields[k]; !dup {
			cur.fields[k] = v
			cur.order = append(cur.order, k)
		}
	}
	return out
}

// hexField returns the leading hex of a field value ("2E44... (comment)").
func hexField(s string) []byte {
	s, _, _ = strings.Cut(s, " ")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// frameOf returns the frame bytes and key of a vector (nil frame if none).
func (v *vector) frameAndKey() (frame, key []byte) {
	if f, ok := v.fields["frame"]; ok {
		frame = hexField(f)
	} else if f, ok := v.fields["telegram"]; ok {
		frame = hexField(f)
	} else if f, ok := v.fields["frame_without_L"]; ok {
		b := hexField(f)
		frame = append([]byte{byte(len(b))}, b...)
	}
	if k, ok := v.fields["key"]; ok && k != "NONE" {
		key = hexField(k)
	} else if _, args, ok := strings.Cut(v.title, "|"); ok {
		// wmbusmeters_keyed_vectors: "source | name driver id KEY".
		a := strings.Fields(args)
		key = hexField(a[len(a)-1])
	}
	return
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// checkVerified compares every VERIFIED field a decoded telegram can answer.
func checkVerified(t *testing.T, d *Decoder, tel *Telegram, v *vector) {
	t.Helper()
	got := map[string]string{
		"C": hx([]byte{tel.C}),
		"M": hx([]byte{byte(tel.Link.Manufacturer), byte(tel.Link.Manufacturer >> 8)}),
		"A": hx(tel.Frame[4:10]),
	}
	if tel.Format == FormatA || tel.Format == FormatB {
		got["dll_crc"] = tel.Format.String()
	}
	got["trailing"] = hx(tel.Trailing)
	if e := tel.ELL; e.Present {
		got["ell_ci"] = hx([]byte{e.CI})
		got["ell_cc"] = hx([]byte{e.CC})
		got["ell_acc"] = hx([]byte{e.ACC})
		if e.HasAddr {
			got["ell_M2A2"] = hx(tel.Frame[e.Offset+3 : e.Offset+11])
		}
		if e.HasSN {
			o := e.Offset + e.Len() - 6
			got["ell_sn"] = hx(tel.Frame[o : o+4])
			got["ell_enc"] = strconv.Itoa(int(e.Encryption()))
			got["ell_time"] = strconv.Itoa(int(e.Minutes()))
			got["ell_session"] = strconv.Itoa(int(e.Session()))
			got["ell_payload_crc"] = fmt.Sprintf("%04x", e.PayloadCRC)
			got["ell_payload_crc_ok"] = "True"
			var icb [16]byte
			ellICB(&icb, &tel.Link, &tel.ELL)
			if tel.Security.ELLAddress == "m2a2" {
				ellICB(&icb, &tel.ELL.Addr, &tel.ELL)
			}
			got["ell_iv"] = hx(icb[:])
			if tel.Security.Status == StatusAlreadyPlain {
				got["ell_already_plain"] = "True"
			}
		}
	}
	if a := tel.AFL; a.Present {
		got["afl_fc"] = fmt.Sprintf("%04x", a.FCL)
		got["afl_mcl"] = hx([]byte{a.MCL})
		got["afl_mcr"] = hx(tel.Frame[a.mcrOff : a.mcrOff+4])
		got["afl_mac"] = hx(a.MAC)
		got["mac_ok"] = map[bool]string{true: "True", false: "False"}[tel.Security.MAC == MACVerified]
	}
	if p := tel.TPL; p.Present {
		got["tpl_ci"] = hx([]byte{p.CI})
		if p.Header == HeaderLong {
			got["tpl_long"] = hx(tel.Frame[p.Offset+1 : p.Offset+9])
		}
		if p.Header != HeaderNone {
			got["tpl_acc"] = hx([]byte{p.ACC})
			got["tpl_sts"] = hx([]byte{p.STS})
			got["tpl_cfg"] = fmt.Sprintf("%04x", p.CFG)
			got["sec_mode"] = strconv.Itoa(p.SecurityMode())
			got["nblocks"] = strconv.Itoa(p.EncryptedBlocks())
		}
		if p.HasExt {
			got["tpl_cfg_ext"] = hx([]byte{p.CFGExt})
			got["kenc"] = hx(d.kenc[:])
			got["kmac"] = hx(d.kmac[:])
		}
		if p.SecurityMode() == 5 {
			iv := make([]byte, 16)
			tel.Meter().put(iv)
			for i := 8; i < 16; i++ {
				iv[i] = p.ACC
			}
			got["tpl_iv"] = hx(iv)
		}
		if p.SecurityMode() == 5 || p.SecurityMode() == 7 {
			got["check_2f2f"] = "True"
		}
		if tel.APLOffset >= 0 {
			got["apl_offset"] = strconv.Itoa(tel.APLOffset)
		}
	}
	got["plaintext_no_dll_crc"] = hx(tel.Frame)
	got["plaintext_frame"] = hx(tel.Frame)
	for name, want := range v.verified {
		g, ok := got[name]
		if !ok {
			continue
		}
		if !strings.EqualFold(g, want) {
			t.Errorf("%s: got %s, want %s", name, g, want)
		}
	}
	// The keyed-vector file gives the layers as JSON and the plaintext separately.
	if l, ok := v.fields["layers"]; ok {
		var layers map[string]any
		if err := json.Unmarshal([]byte(l), &layers); err != nil {
			t.Fatal(err)
		}
		for name, want := range layers {
			g, ok := got[name]
			if !ok {
				continue
			}
			ws := fmt.Sprint(want)
			if f, isNum := want.(float64); isNum {
				ws = strconv.FormatFloat(f, 'f', -1, 64)
			}
			if b, isBool := want.(bool); isBool {
				ws = map[bool]string{true: "True", false: "False"}[b]
			}
			if !strings.EqualFold(g, ws) {
				t.Errorf("layers.%s: got %s, want %s", name, g, ws)
			}
		}
	}
	if p, ok := v.fields["plain"]; ok {
		// The source keeps trailing bytes after the frame in its plaintext.
		if want := strings.ToLower(p); !strings.HasPrefix(want, hx(tel.Frame)) || len(want) != 2*(len(tel.Frame)+len(tel.Trailing)) {
			t.Errorf("plain: got %s (+%d trailing), want %s", hx(tel.Frame), len(tel.Trailing), want)
		}
	}
}

// decodeVector decodes a vector's frame with its key and the given options.
func decodeVector(d *Decoder, frame, key []byte) (*Telegram, error) {
	d.Keys = nil
	if key != nil {
		d.Keys = StaticKey(key)
	}
	if len(frame) > 0 && frame[0] == 0x68 {
		return d.DecodeWired(frame)
	}
	return d.Decode(frame)
}

// macMismatchVectors are vectors whose MAC does not verify with the
// standard rule (the source says so): decoded with MACIgnore, and the
// default policy must report ErrMAC.
var macMismatchVectors = map[string]bool{
	"VariableDataStructureTest.testExampleLongTPL_ell8c_afl_mode7_long_tpl": true,
}

func TestCorpusVectors(t *testing.T) {
	total, decoded := 0, 0
	for _, file := range []string{"oms_examples.txt", "jmbus_cases.txt", "wmbusmeters_keyed_vectors.txt"} {
		for _, v := range loadVectors(t, file) {
			frame, key := v.frameAndKey()
			if frame == nil {
				continue
			}
			total++
			t.Run(file+"/"+v.title, func(t *testing.T) {
				var d Decoder
				if macMismatchVectors[v.title] {
					if _, err := decodeVector(&d, frame, key); !errors.Is(err, ErrMAC) {
						t.Fatalf("default MAC policy: err = %v, want ErrMAC", err)
					}
					d.MAC = MACIgnore
				}
				tel, err := decodeVector(&d, frame, key)
				if err != nil {
					t.Fatalf("decode % X: %v", frame, err)
				}
				decoded++
				checkVerified(t, &d, tel, v)
			})
		}
	}
	t.Logf("corpus: %d of %d frames decoded", decoded, total)
}

// Sections listing several frames without VERIFIED values (the DIF 0x07
// examples): every one decodes.
func TestCorpusExtraFrames(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t, "oms_examples.txt") {
		for _, f := range v.frames[min(1, len(v.frames)):] {
			var d Decoder
			if _, err := d.Decode(hexField(f)); err != nil {
				t.Errorf("%s: %s: %v", v.title, f, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no extra frames found")
	}
}

// oms_examples.txt section 4 (m-bus-parser decryption.rs) gives a mode 5
// frame as header, ciphertext and plaintext.
func TestMBusParserMode5(t *testing.T) {
	vs := loadVectors(t, "oms_examples.txt")
	var v *vector
	for _, x := range vs {
		if _, ok := x.fields["frame_prefix"]; ok {
			v = x
		}
	}
	if v == nil {
		t.Fatal("section 4 not found")
	}
	ph, _, _ := strings.Cut(v.fields["frame_prefix"], "...")
	prefix := hexField(ph)[:23] // L..CFG
	cipher := hexField(v.fields["cipher(80)"])
	frame := append(append([]byte{}, prefix...), cipher...)
	if int(frame[0]) != len(frame)-1 {
		t.Fatalf("L %d, frame %d bytes", frame[0], len(frame))
	}
	d := Decoder{Keys: StaticKey(hexField(v.fields["key"]))}
	tel, err := d.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hx(tel.APL()), strings.ToLower(v.verified["plain(80)"]); got != want {
		t.Fatalf("plain\n got  %s\n want %s", got, want)
	}
	iv := make([]byte, 16)
	tel.Meter().put(iv)
	for i := 8; i < 16; i++ {
		iv[i] = tel.TPL.ACC
	}
	if want, _, _ := strings.Cut(v.fields["iv"], " "); hx(iv) != strings.ToLower(want) || tel.TPL.Addr.ID != 0x14639203 {
		t.Fatalf("iv %x, long header id %08X", iv, tel.TPL.Addr.ID)
	}
}
