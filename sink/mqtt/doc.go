// Package mqtt is the gateway's MQTT sink: every decoded reading is
// published to an MQTT broker (MQTT v5, through autopaho), and with Home
// Assistant enabled the meters announce themselves through MQTT discovery.
//
// # Delivery
//
// Write only appends the messages to an on-disk queue (autopaho's file
// queue in config.MQTT.QueueDir, one file per message) and returns; it
// never waits for the broker. A background loop sends the queue at QoS 1
// while the broker is reachable and reconnects with backoff while it is
// not, so readings taken during an outage, and across a restart of the
// gateway, are sent when the broker is back. QoS 1 is "at least once": a
// message whose acknowledgement was lost on a broken connection is sent
// again, so a subscriber can, rarely, see a reading twice (the state
// carries the reading's time for consumers that need to tell). A message
// taken from the queue and sent, but not yet acknowledged, lives in
// memory only: a crash of the gateway, or a broker restart that loses the
// sink's session (a broker without persistence), can lose those few
// messages. Close waits, bounded, until the queue is empty and the broker
// has acknowledged everything sent.
//
// The file queue orders messages by the files' modification times, which
// the kernel takes from a coarse clock: messages queued within the same
// clock tick (a few milliseconds) can be sent in any order among
// themselves.
//
// # Topics
//
// <prefix> is config.MQTT.TopicPrefix ("meterwire"). <meter> is the meter's
// name made safe for a topic level: lower case, every character other than
// a-z, 0-9, "_" and "-" replaced by "_" (names differing only there share
// a topic). Meter-supplied strings never become topic levels.
//
//	<prefix>/status         "online" (retained) while connected; the will,
//	                        and Close, set "offline" (retained)
//	<prefix>/<meter>/state  the meter's latest reading (retained, QoS 1)
//
// Only decoded events with fields are published. The state is one JSON
// object: the reading's fields with their flat names and values
// ("total_m3": 123.456, "energy_import_kwh": 1234.5, text fields as
// strings; values that are not finite numbers become null) and these keys,
// which take precedence over fields of the same name:
//
//	"time"          string  when the frame was received, RFC 3339 (UTC)
//	"meter"         string  the meter's name (as configured, not sanitized)
//	"kind"          string  "wmbus", "mbus", "p1" or "dlms"
//	"manufacturer"  string  three-letter manufacturer code, when known
//	"id"            string  the meter's identification, when known
//	"device_type"   string  water, heat, electricity, ..., when known
//	"input"         string  the receiver or port that heard it
//	"rssi_dbm"      number  the signal strength, when the receiver reports it
//
// Keys that are absent or empty are left out.
//
// # Home Assistant
//
// With config.MQTT.HomeAssistant, every numeric field of a meter is
// announced the first time it is seen, retained, at
//
//	<discovery_prefix>/sensor/<meter>/<field>/config
//
// with a unit, device class and state class derived from the field name's
// unit suffix (_kwh, _m3, _kw, _v, _a, _c, _m3h, ...): energy meters'
// kWh (device class energy), gas in m³ (gas) and water in m³ or L (water)
// are total_increasing, so that they can be picked in the Energy
// dashboard; power, voltage, current, temperature, volume flow, frequency
// and pressure are measurements. Fields whose unit has no fitting device
// class get the unit and no class. Historic values (storage, target-date,
// maximum and minimum values) get no state class, so Home Assistant keeps
// no statistics for them. The sink subscribes to
// <discovery_prefix>/status and announces everything again when Home
// Assistant says "online" (after its restart), and after a reconnection to
// a broker that lost the session (which may have lost the retained
// announcements too).
package mqtt
