// Package mqtt is the gateway's MQTT sink: every decoded reading is
// published to an MQTT broker (MQTT v5, through autopaho), and with Home
// Assistant enabled the meters announce themselves through MQTT discovery.
//
// # Delivery
//
// Write only appends the messages to an on-disk outbox in
// config.MQTT.QueueDir and returns; it never waits for the broker. The
// outbox is an append-only log of segment files (outbox-*.seg, 16 MiB
// each by default): a Write is one write() of all its messages, each
// framed with its length and a CRC-32C, so that a record torn by a crash
// is recognised and cut off when the log is opened again. What Write
// accepted is in the kernel's page cache and survives the gateway being
// killed; with Options.SyncWrites every Write also fsyncs, so that it
// survives a power loss too (at a cost per Write: measure).
//
// Publishers read the outbox back in order (never more than a window of
// 8192 messages in memory) and publish at QoS 1 while the broker is
// reachable; while it is not, they wait and the connection is retried
// with backoff. The meters are spread over Options.Publishers publishers
// (16) by a hash of their topic level; a publisher sends one message at a
// time and waits for its PUBACK before the next, so a meter's readings
// reach the broker in the order they were taken and its retained state
// ends on its latest reading. Discovery messages go the same way, in
// order with their meter's states; the status message is published
// directly on every connection and by Close.
//
// A message leaves the outbox when the broker has acknowledged it: the
// outbox keeps the offset of the first message not yet acknowledged in
// outbox.ack (replaced atomically, once a second and on Close) and
// deletes a segment once all its messages are acknowledged. After a
// restart, or a crash, everything from that offset on is sent again, so
// readings taken during an outage, and across a restart of the gateway,
// are sent when the broker is back. QoS 1 is "at least once": a message
// whose acknowledgement was lost (a broken connection, or a crash within
// a second of the acknowledgement) is sent again, so a subscriber can,
// rarely, see a reading twice (the state carries the reading's time for
// consumers that need to tell). A message the broker refuses for good
// (PUBACK with an error other than "quota exceeded") is logged and
// dropped. Close waits, bounded, until the broker has acknowledged
// everything; an outbox left empty leaves no files behind. Messages left
// by the earlier file queue (msg-*.mqtt) are taken over when the outbox
// is opened.
//
// The outbox is bounded (config.MQTT.QueueMax, sinks.mqtt.queue_max,
// default DefaultQueueMax, 256 MiB), for it shares the disk with the
// store. The store is the record of every reading; MQTT carries each
// meter's state, retained. So when a Write would take the outbox beyond
// its bound, the outbox is compacted first: the messages not yet handed
// to a publisher are rewritten keeping, per topic, only the newest, in
// their order (so a meter's retained state still ends on its latest
// reading), into a temporary file that is fsynced and renamed before its
// sources are removed, so that a crash at any moment loses nothing and
// keeps every meter's messages in order. When the newest states alone do
// not fit, Write drops the batch's messages (counted as refused) rather
// than block: a sink that blocks stops the pipeline, and with it the
// store. Sink.Stats reports the outbox's size, bound and these counters;
// the first compaction and the first refusal of an outage are logged,
// and a summary when it is over.
//
// A queue directory must be used by one sink at a time.
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
