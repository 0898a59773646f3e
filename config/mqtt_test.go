package config

import (
	"strings"
	"testing"
)

// TestMQTTQueueMax reads sinks.mqtt.queue_max in its forms and refuses
// sizes that are not sizes or are too small.
func TestMQTTQueueMax(t *testing.T) {
	for in, want := range map[string]int64{
		"":          0, // the sink's default
		"268435456": 268435456,
		"256MiB":    256 << 20,
		"256 MiB":   256 << 20,
		"1GB":       1e9,
		"512mb":     512e6,
		"2GiB":      2 << 30,
		"1024KiB":   1 << 20,
	} {
		yaml := "sinks:\n  mqtt:\n    url: mqtt://127.0.0.1:1883\n"
		if in != "" {
			yaml += "    queue_max: " + in + "\n"
		}
		c, err := Parse("m.yaml", []byte(yaml))
		if err != nil {
			t.Errorf("queue_max %q: %v", in, err)
			continue
		}
		if c.Sinks.MQTT.QueueMax != want {
			t.Errorf("queue_max %q = %d, want %d", in, c.Sinks.MQTT.QueueMax, want)
		}
	}
	for _, in := range []string{"1000", "1KiB", "-5MiB", "lots", "256 MiBs", "1.5GB", "99999999999999999999"} {
		_, err := Parse("m.yaml", []byte("sinks:\n  mqtt:\n    url: mqtt://127.0.0.1:1883\n    queue_max: "+in+"\n"))
		if err == nil || !strings.Contains(err.Error(), "m.yaml:4") || !strings.Contains(err.Error(), "queue_max") {
			t.Errorf("queue_max %q: error %v", in, err)
		}
	}
}
