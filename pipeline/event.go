// Package pipeline is the gateway's decode pipeline: frames from the
// inputs are de-duplicated (the same telegram heard by several receivers),
// decoded and decrypted with the keys of the configured meters, checked
// against replays, and handed as Events to the sinks (store, MQTT, stdout,
// metrics, the web UI's live stream), each through its own bounded queue.
// A full queue blocks the stage before it, down to the receivers, which
// then stop reading their devices: backpressure instead of loss.
package pipeline

import (
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/meterwire/meterwire/codec"
)

// Outcome is what became of one received frame.
type Outcome uint8

// Outcomes. Every received frame gets exactly one.
const (
	Decoded     Outcome = iota // decoded (and decrypted, if it was encrypted)
	NoKey                      // encrypted, and no key is configured for the meter
	WrongKey                   // the configured key does not decrypt it
	MACFailed                  // the MAC or GCM tag does not verify
	CRC                        // a CRC did not match (corrupted on the way)
	Truncated                  // shorter than its length fields say
	Malformed                  // not a telegram meterwire understands
	Unsupported                // a valid telegram using something not supported
	Replay                     // an old telegram sent again (counter went back or exact copy)
	Duplicate                  // the same telegram heard again within the dedup window
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"decoded", "no-key", "wrong-key", "mac-failed", "crc", "truncated", "malformed", "unsupported", "replay", "duplicate"}

func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// Outcomes lists every outcome in order (for metrics and filters).
func Outcomes() []Outcome {
	o := make([]Outcome, numOutcomes)
	for i := range o {
		o[i] = Outcome(i)
	}
	return o
}

// ParseOutcome parses an outcome name.
func ParseOutcome(s string) (Outcome, bool) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), true
		}
	}
	return 0, false
}

// outcomeOf classifies a decode error.
func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return Decoded
	case errors.Is(err, codec.ErrReplay):
		return Replay
	case errors.Is(err, codec.ErrNoKey):
		return NoKey
	case errors.Is(err, codec.ErrWrongKey):
		return WrongKey
	case errors.Is(err, codec.ErrMAC), errors.Is(err, codec.ErrAuth):
		return MACFailed
	case errors.Is(err, codec.ErrCRC):
		return CRC
	case errors.Is(err, codec.ErrTruncated):
		return Truncated
	case errors.Is(err, codec.ErrUnsupported):
		return Unsupported
	}
	return Malformed
}

// Event is one received frame after the pipeline: who sent it, what became
// of it and, when decoded, its readings. Sinks must not modify it.
type Event struct {
	Time  time.Time
	Input string // the input's name
	// Kind is "wmbus", "mbus" (wired), "p1" (DSMR text) or "dlms".
	Kind string
	// Meter is the configured meter's name, or for meters not configured
	// an identity such as "kam-12345678" or "p1-<system title>".
	Meter      string
	Configured bool
	// Manufacturer (three letters), ID (8 digits or a P1 system title or
	// equipment id) and DeviceType (water, heat, electricity, ...), as far
	// as the frame tells them.
	Manufacturer string
	ID           string
	DeviceType   string
	Mode         string // link mode
	RSSI         *int
	// Security is the security mode ("none", "mode 5", "ELL AES-CTR",
	// "GCM", ...) and SecurityStatus what came of it ("plain",
	// "decrypted", "already-plain", "no-key", ...).
	Security       string
	SecurityStatus string
	Outcome        Outcome
	// Err says what went wrong in words; it never contains key material.
	Err string
	// Fields are the readings (decoded events only): the meter driver's
	// fields (the names wmbusmeters prints) when Driver is set, else the
	// records' generic names.
	Fields map[string]any
	// Driver is the meter driver that named Fields ("" for none).
	Driver string
	// Hex is the frame as received, hex (P1 text telegrams: the text).
	Hex string
	// ReadingID is the reading's identity (decoded events): a hash of the
	// telegram's bytes, the same in every process, so a sink that stores
	// readings can store each one once (store.Reading.ID).
	ReadingID uint64
	// State is the meter's replay guard after this telegram (kind
	// StateGuard), to be stored in the same transaction as the reading;
	// nil when there is none to store.
	State []byte
}

// Number returns a field value as a float64 when it is a finite number
// (any integer or float type, or a json.Number); text, booleans, NaN and
// infinities are not numbers.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		f := float64(x)
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}
