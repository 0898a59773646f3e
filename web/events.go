package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/sink/live"
)

// LiveTelegram is the data of a "telegram" event on GET /api/events: one
// received frame and what became of it.
type LiveTelegram struct {
	Time           time.Time      `json:"time"`
	Meter          string         `json:"meter"`
	Configured     bool           `json:"configured"`
	Input          string         `json:"input"`
	Kind           string         `json:"kind"`
	Manufacturer   string         `json:"manufacturer,omitempty"`
	ID             string         `json:"id,omitempty"`
	DeviceType     string         `json:"device_type,omitempty"`
	Mode           string         `json:"link_mode,omitempty"`
	RSSI           *int           `json:"rssi_dbm,omitempty"`
	Security       string         `json:"security,omitempty"`
	SecurityStatus string         `json:"security_status,omitempty"`
	Outcome        string         `json:"outcome"`
	Error          string         `json:"error,omitempty"`
	Fields         map[string]any `json:"fields,omitempty"`
	Hex            string         `json:"hex"`
}

// LiveReading is the data of a "reading" event: a decoded reading.
type LiveReading struct {
	Time   time.Time      `json:"time"`
	Meter  string         `json:"meter"`
	Fields map[string]any `json:"fields"`
}

// events streams telegrams and readings as Server-Sent Events: event
// "telegram" for every frame (LiveTelegram), "reading" for every decoded
// reading (LiveReading), "dropped" when this stream could not keep up and
// missed events. Query parameters meter and outcome filter the stream.
// At most MaxStreams streams are open at once; more get 503.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	meter := q.Get("meter")
	var outcome *pipeline.Outcome
	if v := q.Get("outcome"); v != "" {
		o, ok := pipeline.ParseOutcome(v)
		if !ok {
			writeErr(w, http.StatusBadRequest, "outcome: one of "+outcomeNames())
			return
		}
		outcome = &o
	}
	if n := s.streams.Add(1); n > int64(s.opt.MaxStreams) {
		s.streams.Add(-1)
		w.Header().Set("Retry-After", "30")
		writeErr(w, http.StatusServiceUnavailable, fmt.Sprintf("too many live streams open (the limit is %d, http.max_live_streams in the configuration): close a page showing live data, or raise the limit", s.opt.MaxStreams))
		return
	}
	defer s.streams.Add(-1)
	rc := http.NewResponseController(w)
	// The server's write timeout bounds a whole answer, and a stream does
	// not end: clear it, and give each write a deadline of its own
	// instead, so that a client that stops reading is still let go.
	rc.SetWriteDeadline(time.Time{})
	sub := s.live.Subscribe(func(ev *pipeline.Event) bool {
		return (meter == "" || ev.Meter == meter) && (outcome == nil || ev.Outcome == *outcome)
	})
	defer sub.Close()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	buf := []byte("retry: 3000\n: meterwire live stream\n\n")
	write := func() bool {
		rc.SetWriteDeadline(time.Now().Add(s.writeTimeout))
		_, err := w.Write(buf)
		if err == nil {
			err = rc.Flush()
		}
		buf = buf[:0]
		return err == nil
	}
	if !write() {
		return
	}
	event := func(name string, id uint64, v any) {
		data, _ := json.Marshal(v)
		if id > 0 {
			buf = append(buf, "id: "...)
			buf = strconv.AppendUint(buf, id, 10)
			buf = append(buf, '\n')
		}
		buf = append(buf, "event: "...)
		buf = append(buf, name...)
		buf = append(buf, "\ndata: "...)
		buf = append(buf, data...)
		buf = append(buf, "\n\n"...)
	}
	emit := func(m live.Message) {
		ev := &m.Event
		event("telegram", m.Seq, LiveTelegram{Time: ev.Time, Meter: ev.Meter, Configured: ev.Configured, Input: ev.Input, Kind: ev.Kind,
			Manufacturer: ev.Manufacturer, ID: ev.ID, DeviceType: ev.DeviceType, Mode: ev.Mode, RSSI: ev.RSSI, Security: ev.Security,
			SecurityStatus: ev.SecurityStatus, Outcome: ev.Outcome.String(), Error: ev.Err, Fields: ev.Fields, Hex: ev.Hex})
		if ev.Outcome == pipeline.Decoded && ev.Fields != nil {
			event("reading", 0, LiveReading{Time: ev.Time, Meter: ev.Meter, Fields: ev.Fields})
		}
	}
	heartbeat := time.NewTicker(s.opt.Heartbeat)
	defer heartbeat.Stop()
	var dropped uint64
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			buf = append(buf, ": ping\n\n"...)
		case m, ok := <-sub.Events():
			if !ok {
				return // the gateway is shutting down
			}
			emit(m)
			// Send what else is queued in the same write.
		more:
			for len(buf) < 32<<10 {
				select {
				case m, ok := <-sub.Events():
					if !ok {
						write()
						return
					}
					emit(m)
				default:
					break more
				}
			}
		}
		if d := sub.Dropped(); d != dropped {
			event("dropped", 0, map[string]uint64{"dropped": d})
			dropped = d
		}
		if !write() {
			return
		}
	}
}
