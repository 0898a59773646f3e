package config

import (
	"strings"
	"testing"
	"time"
)

// store.min_free and pipeline.replay_reset: defaults, sizes, off, errors
// with file and line; SetDataDir moves the derived paths only.
func TestStoreAndPipelineKeys(t *testing.T) {
	c, err := Parse("a.yaml", []byte("inputs: [hex:stdin]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.MinFree != DefaultMinFree || c.Pipeline.ReplayReset != 0 {
		t.Errorf("defaults: %d %v", c.Store.MinFree, c.Pipeline.ReplayReset)
	}
	for in, want := range map[string]int64{"1GiB": 1 << 30, "0": -1, "500 MB": 500e6} {
		c, err := Parse("a.yaml", []byte("store: {min_free: \""+in+"\"}\npipeline: {replay_reset: 6h}\n"))
		if err != nil || c.Store.MinFree != want || c.Pipeline.ReplayReset != 6*time.Hour {
			t.Errorf("%s: %v %d %v", in, err, c.Store.MinFree, c.Pipeline.ReplayReset)
		}
	}
	_, err = Parse("a.yaml", []byte("store:\n  min_free: lots\n"))
	if err == nil || !strings.Contains(err.Error(), "a.yaml:2: store.min_free \"lots\"") {
		t.Errorf("bad size: %v", err)
	}

	c, err = Parse("/etc/mw/b.yaml", []byte("data_dir: /var/mw\nstore: {path: /srv/db/mw.db}\nsinks: {mqtt: {url: \"mqtt://127.0.0.1:1883\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDataDir("/tmp/other")
	if c.DataDir != "/tmp/other" || c.Store.Path != "/srv/db/mw.db" || c.Sinks.MQTT.QueueDir != "/tmp/other/mqtt-queue" {
		t.Errorf("SetDataDir: %q %q %q", c.DataDir, c.Store.Path, c.Sinks.MQTT.QueueDir)
	}
}

// A driver this build lacks is a warning, not an error: the meter is
// decoded with generic names (configurations from wmbusmeters still start).
func TestUnknownDriverWarns(t *testing.T) {
	c, err := Parse("a.yaml", []byte("meters:\n  - {name: w, id: \"12345678\", driver: nosuchdriver}\n  - {name: v, id: \"12345679\", driver: nosuchdriver}\n  - {name: s, id: \"12345670\", driver: supercom587}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `meter w: this meterwire has no driver "nosuchdriver" yet`) {
		t.Fatalf("warnings %q", c.Warnings)
	}
}
