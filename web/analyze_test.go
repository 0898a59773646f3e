package web

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/meterwire/meterwire/crc16"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

type example struct{ name, key, hex string }

// examples reads the bundled examples of `meterwire decode --examples`.
func examples(t *testing.T) []example {
	b, err := os.ReadFile("../cmd/meterwire/examples.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 3 {
			t.Fatalf("examples.txt: %q", line)
		}
		ex := example{strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), strings.TrimSpace(f[2])}
		if ex.key == "-" {
			ex.key = ""
		}
		out = append(out, ex)
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The analyzer gives, for one telegram, the report `meterwire decode
// --explain --json` prints (the decoders' Report with explain), decodes
// every bundled example, and places every layer of wM-Bus frames over the
// bytes it describes.
func TestAnalyzeExamples(t *testing.T) {
	exs := examples(t)
	if len(exs) < 8 {
		t.Fatalf("%d examples", len(exs))
	}
	compared := 0
	for _, ex := range exs {
		var key []byte
		if ex.key != "" {
			key, _ = hex.DecodeString(ex.key)
		}
		a, err := Analyze(ex.hex, key, nil)
		if err != nil {
			t.Errorf("%s: %v", ex.name, err)
			continue
		}
		if len(a.Results) == 0 {
			t.Errorf("%s: no result", ex.name)
			continue
		}
		last := a.Results[len(a.Results)-1]
		if strings.Contains(ex.name, "compact frame") && last.Problem != nil && last.Problem.Class == "unknown-signature" {
			continue // needs the full frame decoded before it (the CLI's --examples runs them in one decoder)
		}
		if last.Problem != nil || last.Report == nil {
			t.Errorf("%s: %+v", ex.name, last.Problem)
			continue
		}
		raw, _ := hex.DecodeString(ex.hex)
		var want any
		switch {
		case p1.IsUnit(raw) && len(a.Results) == 1:
			d := &p1.Decoder{Key: key}
			if raw[0] == '/' {
				raw = []byte(strings.TrimSpace(string(raw)) + "\r\n")
			}
			res, err := d.Decode(raw)
			want = res.Report(true, err)
		case !p1.IsUnit(raw):
			d := &telegram.Decoder{}
			if key != nil {
				d.WMBus.Keys = wmbus.StaticKey(key)
			}
			res, err := d.Decode(raw)
			want = driver.WithReport(res, res.Report(true, err), driver.Auto)
			for i, v := range last.LayerViews {
				if v < 0 {
					t.Errorf("%s: layer %d has no view", ex.name, i)
				}
			}
		default:
			continue
		}
		compared++
		if got, w := jsonOf(last.Report), jsonOf(want); got != w {
			t.Errorf("%s: analyzer report differs from the decoder's:\n got %s\nwant %s", ex.name, got, w)
		}
		if ex.key != "" && strings.Contains(strings.ToUpper(jsonOf(a)), ex.key) {
			t.Errorf("%s: the analysis contains the key", ex.name)
		}
	}
	if compared < 7 {
		t.Errorf("compared %d examples", compared)
	}
}

// The OMS Annex N mode 7 example: decrypted, MAC verified; the AFL layer's
// MAC field sits at the MAC bytes of the decoded frame.
func TestAnalyzeMode7Layers(t *testing.T) {
	key, _ := hex.DecodeString(omsMode7Key)
	a, err := Analyze(" "+omsMode7[:40]+"\n"+omsMode7[40:]+" ", key, nil)
	if err != nil || len(a.Results) != 1 {
		t.Fatal(err)
	}
	r := a.Results[0]
	rep := r.Report.(driver.Report).Report
	if rep.Security.Status != "decrypted" || rep.Security.MAC != "verified" || r.Problem != nil {
		t.Fatalf("%+v %+v", rep.Security, r.Problem)
	}
	found := false
	for li, l := range rep.Layers {
		if l.Name != "afl" {
			continue
		}
		for _, f := range l.Fields {
			if f.Name == "MAC" {
				view := r.Views[r.LayerViews[li]]
				if got := view.Hex[2*f.Offset : 2*(f.Offset+f.Len)]; got != "21924D4F2FB66E01" {
					t.Errorf("MAC bytes in view %s: %s", view.Name, got)
				}
				found = true
			}
		}
	}
	if !found {
		t.Fatal("no AFL MAC field")
	}
}

// p1Telegram returns a DSMR 5 telegram carrying msg as its text message,
// with a valid CRC.
func p1Telegram(msg string) string {
	body := "/ISk5\\2MT382-1000\r\n\r\n" +
		"1-3:0.2.8(50)\r\n" +
		"0-0:1.0.0(170102192002W)\r\n" +
		"0-0:96.1.1(4B384547303034303436333935353037)\r\n" +
		"1-0:1.8.1(000004.426*kWh)\r\n" +
		"1-0:1.8.2(000002.399*kWh)\r\n" +
		"1-0:1.7.0(00.244*kW)\r\n" +
		"0-0:96.13.0(" + strings.ToUpper(hex.EncodeToString([]byte(msg))) + ")\r\n" +
		"!"
	crc := crc16.Checksum([]byte(body), crc16.ARC)
	return body + strings.ToUpper(hex.EncodeToString([]byte{byte(crc >> 8), byte(crc)})) + "\r\n"
}

func TestAnalyzeP1Text(t *testing.T) {
	msg := "<script>alert(1)</script>"
	tel := p1Telegram(msg)
	for _, in := range []string{tel, strings.ReplaceAll(tel, "\r\n", "\n")} {
		a, err := Analyze(in, nil, nil)
		if err != nil || a.Input != "p1-text" || len(a.Results) != 1 {
			t.Fatalf("%v %+v", err, a)
		}
		r := a.Results[0]
		rep := r.Report.(p1.Report)
		if r.Problem != nil || rep.Fields["text_message"] != msg || rep.CRC == nil || !rep.CRC.OK {
			t.Fatalf("%+v %v %+v", r.Problem, rep.Fields["text_message"], rep.CRC)
		}
		if len(r.Views) != 1 || !r.Views[0].Text {
			t.Errorf("views %+v", r.Views)
		}
		for i, v := range r.LayerViews {
			if v < 0 {
				t.Errorf("layer %d has no view", i)
			}
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, in := range []string{"", "  \n", "zz", "ABC"} {
		if _, err := Analyze(in, nil, nil); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	key, _ := hex.DecodeString(wrongKey)
	a, err := Analyze(omsMode7, key, nil)
	if err != nil || a.Results[0].Problem == nil || a.Results[0].Problem.Class != "wrong-key" || strings.Contains(strings.ToUpper(jsonOf(a)), wrongKey) {
		t.Fatalf("wrong key: %v %+v", err, a)
	}
	if _, err := parseKey(strings.Repeat("A", 30)); err == nil || strings.Contains(err.Error(), "AAAA") {
		t.Errorf("parseKey: %v", err)
	}
}
