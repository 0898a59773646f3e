package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `# a whole configuration
data_dir: data
inputs:
  - name: attic
    device: im871a:/dev/ttyUSB0?mode=c1
  - p1:/dev/ttyUSB1
meters:
  - name: water
    id: "12345678"
    manufacturer: kam
    key: 000102030405060708090A0B0C0D0E0F
    expect_every: 30m
  - name: smarty
    id: p1
    key_env: SMARTY_KEY
sinks:
  stdout: true
  mqtt:
    url: mqtt://127.0.0.1:1883
    homeassistant: true
store:
  retention: 400d
http:
  listen: 127.0.0.1:9090
  token_env: MW_TOKEN
pipeline:
  dedup_window: 5s
`

func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	old := Env
	Env = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	t.Cleanup(func() { Env = old })
}

func TestParseGood(t *testing.T) {
	setEnv(t, map[string]string{"SMARTY_KEY": "AEBD21B769A6D13C0DF064E383682EFF", "MW_TOKEN": "s3cret"})
	c, err := Parse("/etc/meterwire/meterwire.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/etc/meterwire/data" || c.Store.Path != "/etc/meterwire/data/meterwire.db" {
		t.Errorf("paths: %q %q", c.DataDir, c.Store.Path)
	}
	if len(c.Inputs) != 2 || c.Inputs[0].Name != "attic" || c.Inputs[1].Device.Kind != "p1" || c.Inputs[1].Line != 6 {
		t.Errorf("inputs: %+v", c.Inputs)
	}
	w := c.Meters[0]
	if w.ID != "12345678" || w.Manufacturer != "KAM" || len(w.Key) != 16 || w.ExpectEvery != 30*time.Minute || w.Driver != "auto" {
		t.Errorf("water: %+v", w)
	}
	if s := c.Meters[1]; !s.IsP1() || len(s.Key) != 16 || s.Key[0] != 0xAE {
		t.Errorf("smarty: %+v", s)
	}
	if m := c.Sinks.MQTT; m == nil || !m.HomeAssistant || m.TopicPrefix != "meterwire" || m.DiscoveryPrefix != "homeassistant" || m.QueueDir != "/etc/meterwire/data/mqtt-queue" {
		t.Errorf("mqtt: %+v", c.Sinks.MQTT)
	}
	if c.Store.Retention != 400*24*time.Hour || c.HTTP.Listen != "127.0.0.1:9090" || string(c.HTTP.Token) != "s3cret" || c.Pipeline.DedupWindow != 5*time.Second || c.Pipeline.QueueSize != DefaultQueueSize {
		t.Errorf("rest: %+v %+v %+v", c.Store, c.HTTP, c.Pipeline)
	}
	// Keys never print, whatever the verb or encoding.
	b, _ := json.Marshal(c)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s %x", c, *c, c.Meters, w.Key, w.Key), string(b)} {
		for _, secret := range []string{"000102030405", "0001020304", "AEBD21B7", "aebd21b7", "s3cret", "[0 1 2 3"} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q printed in %s", secret, s)
			}
		}
	}
}

// Each class of error names the file and line and says what is wrong.
func TestParseErrors(t *testing.T) {
	setEnv(t, nil)
	cases := []struct{ name, yaml, want string }{
		{"unknown top key", "inputs: []\nmeter:\n  - id: \"12345678\"\n", `cfg.yaml:2: unknown key "meter" in the configuration (did you mean "meters"?)`},
		{"unknown meter key", "meters:\n  - id: \"12345678\"\n    keyy: 00\n", `cfg.yaml:3: unknown key "keyy" in meters[0] (did you mean "key"?)`},
		{"bad url", "inputs:\n  - device: im871:/dev/ttyUSB0\n", `cfg.yaml:2: inputs[0]: "im871:/dev/ttyUSB0": unknown device kind "im871"`},
		{"bad url option", "inputs:\n  - device: im871a:/dev/ttyUSB0?mode=x9\n", `cfg.yaml:2: inputs[0]:`},
		{"bad key length", "meters:\n  - id: \"12345678\"\n    key: 000102030405060708090A0B0C0D0E\n", `cfg.yaml:3: meters[0].key: key has 30 hex digits, want 32 (an AES-128 key is 32 hex digits (16 bytes))`},
		{"key not hex", "meters:\n  - id: \"12345678\"\n    key: 000102030405060708090A0B0C0D0EZZ\n", `cfg.yaml:3: meters[0].key: key has characters that are not hex digits`},
		{"duplicate meter id", "meters:\n  - id: \"12345678\"\n  - name: other\n    id: \"12345678\"\n", `cfg.yaml:3: meters[1]: meter id 12345678 configured twice (the other is on line 2)`},
		{"duplicate meter name", "meters:\n  - name: a\n    id: \"12345678\"\n  - name: a\n    id: \"87654321\"\n", `cfg.yaml:4: meters[1]: meter name "a" used twice (the other is on line 2)`},
		{"duplicate key", "http:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n", `cfg.yaml:3: http: key "listen" given twice`},
		{"bad id", "meters:\n  - id: water\n", `cfg.yaml:2: meters[0]: id "water"`},
		{"no id", "meters:\n  - name: water\n", `cfg.yaml:2: meters[0] has no id`},
		{"bad duration", "store:\n  retention: forever\n", `cfg.yaml:2: store.retention: "forever" is not a duration`},
		{"bad bool", "sinks:\n  stdout: yes please\n", `cfg.yaml:2: sinks.stdout: "yes please" is not a boolean`},
		{"bad broker", "sinks:\n  mqtt:\n    url: 127.0.0.1:1883\n", `cfg.yaml:3: sinks.mqtt.url "127.0.0.1:1883" is not a broker URL`},
		{"env missing", "meters:\n  - id: p1\n    key_env: NOPE\n", `cfg.yaml:3: meters[0]: environment variable NOPE is not set`},
		{"bad yaml", "meters:\n  - id: [\n", `cfg.yaml:2: not valid YAML`},
		{"not a list", "inputs: im871a:/dev/ttyUSB0\n", `cfg.yaml:1: inputs must be a list`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error\n got %s\nwant %s...", err, c.want)
			}
			if strings.Contains(err.Error(), "000102030405") {
				t.Fatalf("key material in error: %s", err)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.yaml")
	os.WriteFile(keys, []byte("water: 000102030405060708090A0B0C0D0E0F\n\"87654321\":\n  key: 0102030405060708090A0B0C0D0E0F10\n  ak: 00112233445566778899AABBCCDDEEFF\n"), 0o644)
	cfg := filepath.Join(dir, "meterwire.yaml")
	os.WriteFile(cfg, []byte("keys_file: keys.yaml\nmeters:\n  - name: water\n    id: \"12345678\"\n  - id: \"87654321\"\n"), 0o600)
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Meters[0].Key[15] != 0x0F || c.Meters[1].Key[0] != 0x01 || c.Meters[1].AK[1] != 0x11 {
		t.Errorf("keys not read: %d %d", len(c.Meters[0].Key), len(c.Meters[1].Key))
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "readable by group or others") || !strings.Contains(c.Warnings[0], "chmod 600") {
		t.Errorf("warnings: %q", c.Warnings)
	}
	os.Chmod(keys, 0o600)
	if c, err = Load(cfg); err != nil || len(c.Warnings) != 0 {
		t.Errorf("0600 key file: %v %q", err, c.Warnings)
	}
	os.WriteFile(keys, []byte("gas: 000102030405060708090A0B0C0D0E0F\n"), 0o600)
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), `keys.yaml:1: no meter "gas"`) {
		t.Errorf("unknown meter in key file: %v", err)
	}
	os.WriteFile(keys, []byte("water: 0001\n"), 0o600)
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), `keys.yaml:1: key file entry "water".key: key has 4 hex digits`) {
		t.Errorf("bad key in key file: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	c := Default("/var/lib/meterwire")
	if c.Store.Path != "/var/lib/meterwire/meterwire.db" || c.HTTP.Listen != "127.0.0.1:8080" || c.Pipeline.DedupWindow != DefaultDedupWindow {
		t.Errorf("%+v", c)
	}
	c, err := Parse("empty.yaml", nil)
	if err != nil || c.HTTP.Listen != DefaultListen {
		t.Errorf("empty config: %v %+v", err, c)
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "90s": 90 * time.Second, "1h30m": 90 * time.Minute} {
		if d, err := ParseDuration(s); err != nil || d != want {
			t.Errorf("%s: %v %v", s, d, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("meters:\n  - id: \"12345678\"\n    key: 00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestMetersFile(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "fleet.csv")
	os.WriteFile(csvPath, []byte("name,id,manufacturer,key,ak,driver,expect_every\n# a comment\nw1,00000001,KAM,000102030405060708090A0B0C0D0E0F,,,30m\nw2, 00000002\n"), 0o600)
	cfg := filepath.Join(dir, "meterwire.yaml")
	os.WriteFile(cfg, []byte("meters_file: fleet.csv\nmeters:\n  - name: smarty\n    id: p1\n"), 0o600)
	c, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Meters) != 3 || c.Meters[1].Name != "w1" || c.Meters[1].Manufacturer != "KAM" || len(c.Meters[1].Key) != 16 || c.Meters[1].ExpectEvery != 30*time.Minute || c.Meters[2].ID != "00000002" || c.Meters[1].Line != 3 {
		t.Fatalf("%+v", c.Meters)
	}
	for _, bad := range []struct{ csv, want string }{
		{"w1,00000001\nw1,00000003\n", "fleet.csv:2: meter name \"w1\" used twice (the other is on line 1)"},
		{"w1,00000001\nw3,00000001\n", "fleet.csv:2: meter id 00000001 configured twice"},
		{"w1,00000001,KAM,0001\n", "fleet.csv:1: key: key has 4 hex digits, want 32"},
		{"w1\n", "fleet.csv:1: 1 columns"},
		{"w1,water\n", "fleet.csv:1: id: \"water\""},
		{"smarty,00000009\n", "fleet.csv:1: meter name \"smarty\" used twice"},
	} {
		os.WriteFile(csvPath, []byte(bad.csv), 0o600)
		if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "0001\"") {
			t.Errorf("%q: %v, want %s", bad.csv, err, bad.want)
		}
	}
}

func TestBroker(t *testing.T) {
	c, err := Parse("b.yaml", []byte("broker: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Broker == nil || c.Broker.Listen != DefaultBrokerListen || c.Sinks.MQTT == nil || c.Sinks.MQTT.URL != "mqtt://127.0.0.1:1883" || !c.Sinks.MQTT.HomeAssistant {
		t.Fatalf("%+v %+v", c.Broker, c.Sinks.MQTT)
	}
	c, err = Parse("b.yaml", []byte("broker: {listen: \"0.0.0.0:1884\"}\nsinks:\n  mqtt: {url: \"mqtt://10.0.0.2:1883\"}\n"))
	if err != nil || c.Sinks.MQTT.URL != "mqtt://10.0.0.2:1883" || c.Broker.Listen != "0.0.0.0:1884" {
		t.Fatalf("%v %+v", err, c.Sinks.MQTT)
	}
	if _, err := Parse("b.yaml", []byte("broker:\n  listen: 1883\n")); err == nil || !strings.Contains(err.Error(), "b.yaml:2: broker.listen \"1883\"") {
		t.Fatalf("%v", err)
	}
}
