package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meterwire/meterwire/config"
	"github.com/meterwire/meterwire/pipeline"
	"github.com/meterwire/meterwire/store"
)

// writeJSON answers v as JSON with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

// MeterProblem is something wrong with a meter, for the dashboard.
type MeterProblem struct {
	// Code is no-key, wrong-key, mac-failed, silent, never-heard or error.
	Code string `json:"code"`
	Text string `json:"text"`
}

// Meter is a meter as the API shows it. It never contains keys, only
// whether one is configured.
type Meter struct {
	Name           string            `json:"name"`
	ID             string            `json:"id"`
	Manufacturer   string            `json:"manufacturer,omitempty"`
	Kind           string            `json:"kind"`
	DeviceType     string            `json:"device_type,omitempty"`
	Configured     bool              `json:"configured"`
	HasKey         bool              `json:"has_key"`
	HasAK          bool              `json:"has_ak,omitempty"`
	LastSeen       *time.Time        `json:"last_seen,omitempty"`
	LastReading    *time.Time        `json:"last_reading,omitempty"`
	FirstReading   *time.Time        `json:"first_reading,omitempty"`
	Readings       int64             `json:"readings"`
	Values         map[string]any    `json:"values,omitempty"`
	NumericFields  []string          `json:"numeric_fields"`
	RSSI           *int              `json:"rssi_dbm,omitempty"`
	Mode           string            `json:"link_mode,omitempty"`
	Input          string            `json:"input,omitempty"`
	Security       string            `json:"security,omitempty"`
	SecurityStatus string            `json:"security_status,omitempty"`
	LastOutcome    string            `json:"last_outcome,omitempty"`
	LastError      string            `json:"last_error,omitempty"`
	Outcomes       map[string]uint64 `json:"outcomes,omitempty"`
	ExpectEvery    string            `json:"expect_every,omitempty"`
	Silent         bool              `json:"silent"`
	Problems       []MeterProblem    `json:"problems"`
}

// meterList builds the API view of every meter: the configured ones in
// configuration order, then meters that only have history.
func (s *Server) meterList(r *http.Request) ([]Meter, error) {
	summaries := map[string]store.MeterSummary{}
	var order []string
	if st := s.g.Store(); st != nil {
		ms, err := st.Meters(r.Context())
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			summaries[m.Meter] = m
			order = append(order, m.Meter)
		}
	}
	silent := map[string]bool{}
	for _, n := range s.g.Metrics().Silent() {
		silent[n] = true
	}
	out := []Meter{}
	seen := map[string]bool{}
	for _, c := range s.g.Pipeline().Meters() {
		sum, ok := summaries[c.Name]
		out = append(out, s.view(&c, c.Name, sum, ok, silent[c.Name]))
		seen[c.Name] = true
	}
	for _, name := range order {
		if !seen[name] {
			out = append(out, s.view(nil, name, summaries[name], true, silent[name]))
		}
	}
	return out, nil
}

// view combines configuration, live state and history of one meter.
func (s *Server) view(c *config.Meter, name string, sum store.MeterSummary, stored bool, silent bool) Meter {
	m := Meter{Name: name, Problems: []MeterProblem{}, NumericFields: []string{}, Silent: silent}
	st, heard := s.state.get(name)
	if c != nil {
		m.ID, m.Manufacturer, m.Configured = c.ID, c.Manufacturer, true
		m.HasKey, m.HasAK = len(c.Key) > 0, len(c.AK) > 0
		if c.ExpectEvery > 0 {
			m.ExpectEvery = c.ExpectEvery.String()
		}
		m.Kind = "wmbus"
		if c.IsP1() {
			m.Kind = "p1"
		}
	}
	if stored && sum.Count > 0 {
		first, last := sum.First, sum.Last
		m.FirstReading, m.LastReading, m.Readings, m.Values = &first, &last, sum.Count, sum.Fields
	}
	if heard {
		if st.Kind != "" {
			m.Kind = st.Kind
		}
		if m.ID == "" {
			m.ID = st.ID
		}
		if m.Manufacturer == "" {
			m.Manufacturer = st.Manufacturer
		}
		m.DeviceType, m.Mode, m.Input, m.RSSI = st.DeviceType, st.Mode, st.Input, st.RSSI
		m.Security, m.SecurityStatus = st.Security, st.SecurityStatus
		seenAt := st.LastSeen
		m.LastSeen = &seenAt
		m.LastOutcome, m.LastError, m.Outcomes = st.LastOutcome.String(), st.LastErr, st.Outcomes
		if st.Fields != nil && (m.LastReading == nil || !st.LastReading.Before(*m.LastReading)) {
			lr := st.LastReading
			m.LastReading, m.Values = &lr, st.Fields
		}
	}
	if m.LastSeen == nil && m.LastReading != nil {
		ls := *m.LastReading
		m.LastSeen = &ls
	}
	for k, v := range m.Values {
		if _, ok := pipeline.Number(v); ok {
			m.NumericFields = append(m.NumericFields, k)
		}
	}
	sort.Strings(m.NumericFields)
	if heard {
		switch st.LastOutcome {
		case pipeline.NoKey:
			m.Problems = append(m.Problems, MeterProblem{"no-key", "its telegrams are encrypted and no key is configured"})
		case pipeline.WrongKey:
			m.Problems = append(m.Problems, MeterProblem{"wrong-key", "the configured key does not decrypt its telegrams"})
		case pipeline.MACFailed:
			m.Problems = append(m.Problems, MeterProblem{"mac-failed", "its telegrams fail authentication (MAC or tag)"})
		case pipeline.Replay:
			m.Problems = append(m.Problems, MeterProblem{"replay", "its telegrams are refused as replays (the counter went backwards)"})
		case pipeline.Decoded, pipeline.Duplicate, pipeline.CRC:
		default:
			m.Problems = append(m.Problems, MeterProblem{"error", "last telegram: " + st.LastOutcome.String()})
		}
	}
	if silent {
		text := "silent for longer than expected"
		if m.ExpectEvery != "" {
			text += " (expected every " + m.ExpectEvery + ")"
		}
		m.Problems = append(m.Problems, MeterProblem{"silent", text})
	} else if m.Configured && m.LastSeen == nil {
		m.Problems = append(m.Problems, MeterProblem{"never-heard", "not heard yet"})
	}
	return m
}

func (s *Server) meters(w http.ResponseWriter, r *http.Request) {
	ms, err := s.meterList(r)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ms)
}

// findMeter returns the API view of meter name.
func (s *Server) findMeter(w http.ResponseWriter, r *http.Request) (Meter, bool) {
	name := r.PathValue("name")
	ms, err := s.meterList(r)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return Meter{}, false
	}
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	writeErr(w, http.StatusNotFound, fmt.Sprintf("no meter %q", name))
	return Meter{}, false
}

func (s *Server) meter(w http.ResponseWriter, r *http.Request) {
	if m, ok := s.findMeter(w, r); ok {
		writeJSON(w, http.StatusOK, m)
	}
}

func (s *Server) unknown(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.g.Pipeline().Unknown())
}

// needStore answers 503 when history is disabled.
// storedMeter is the store and the meter a history request names, or false
// after answering with the error.
func (s *Server) storedMeter(w http.ResponseWriter, r *http.Request) (*store.Store, Meter, bool) {
	st := s.needStore(w)
	if st == nil {
		return nil, Meter{}, false
	}
	m, ok := s.findMeter(w, r)
	return st, m, ok
}

func (s *Server) needStore(w http.ResponseWriter) *store.Store {
	st := s.g.Store()
	if st == nil {
		writeErr(w, http.StatusServiceUnavailable, "the history store is disabled in the configuration")
	}
	return st
}

// timeRange reads from, to (RFC 3339 or Unix seconds) and range (a
// duration such as 90m, 24h, 7d, 1y: from = to - range) from q. The
// defaults are the last 24 hours.
func timeRange(q url.Values, now time.Time) (from, to time.Time, err error) {
	to = now.Add(time.Minute)
	if v := q.Get("to"); v != "" {
		if to, err = parseTime(v); err != nil {
			return from, to, fmt.Errorf("to: %v", err)
		}
	}
	from = to.Add(-24 * time.Hour)
	if v := q.Get("range"); v != "" {
		d, err := parseRange(v)
		if err != nil {
			return from, to, fmt.Errorf("range: %v", err)
		}
		from = to.Add(-d)
	}
	if v := q.Get("from"); v != "" {
		if from, err = parseTime(v); err != nil {
			return from, to, fmt.Errorf("from: %v", err)
		}
	}
	if !from.Before(to) {
		return from, to, errors.New("from must be before to")
	}
	return from, to, nil
}

func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, errors.New("use RFC 3339 (2024-05-01T00:00:00Z) or Unix seconds")
	}
	return t, nil
}

var rangeRE = regexp.MustCompile(`^(\d{1,6})([dwy])$`)

func parseRange(s string) (time.Duration, error) {
	if m := rangeRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		day := 24 * time.Hour
		unit := map[string]time.Duration{"d": day, "w": 7 * day, "y": 365 * day}[m[2]]
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("use a duration such as 90m, 24h, 7d, 4w or 1y")
	}
	return d, nil
}

func intParam(q url.Values, name string, def, max int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("%s: a number from 1 to %d", name, max)
	}
	return n, nil
}

// Reading is one reading as the API shows it.
type Reading struct {
	Time   time.Time      `json:"time"`
	Fields map[string]any `json:"fields"`
}

func (s *Server) readings(w http.ResponseWriter, r *http.Request) {
	st, m, ok := s.storedMeter(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	from, to, err := timeRange(q, time.Now())
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := intParam(q, "limit", 1000, 10000)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	var rs []store.Reading
	switch q.Get("order") {
	case "", "asc":
		rs, err = st.Readings(r.Context(), m.Name, from, to, limit)
	case "desc":
		rs, err = newest(r, st, m.Name, from, to, limit)
	default:
		writeErr(w, http.StatusBadRequest, "order: asc or desc")
		return
	}
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]Reading, len(rs))
	for i, x := range rs {
		out[i] = Reading{Time: x.Time, Fields: x.Fields}
	}
	writeJSON(w, http.StatusOK, out)
}

// newest returns the newest n readings in [from, to), newest first,
// looking back in growing windows so that a long range stays cheap.
func newest(r *http.Request, st *store.Store, meter string, from, to time.Time, n int) ([]store.Reading, error) {
	win := time.Hour
	for {
		lo := to.Add(-win)
		if lo.Before(from) {
			lo = from
		}
		rs, err := st.Readings(r.Context(), meter, lo, to, 0)
		if err != nil {
			return nil, err
		}
		if len(rs) >= n || !lo.After(from) {
			if len(rs) > n {
				rs = rs[len(rs)-n:]
			}
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return rs, nil
		}
		win *= 4
	}
}

// Series is a numeric field's history: points as [Unix milliseconds,
// value].
type Series struct {
	Meter  string       `json:"meter"`
	Field  string       `json:"field"`
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Points [][2]float64 `json:"points"`
}

func (s *Server) series(w http.ResponseWriter, r *http.Request) {
	st, m, ok := s.storedMeter(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	field := q.Get("field")
	if field == "" || len(field) > 128 {
		writeErr(w, http.StatusBadRequest, "field: name a numeric field of the meter")
		return
	}
	from, to, err := timeRange(q, time.Now())
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	points, err := intParam(q, "points", 300, 5000)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	ps, err := st.Series(r.Context(), m.Name, field, from, to, points)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := Series{Meter: m.Name, Field: field, From: from, To: to, Points: make([][2]float64, len(ps))}
	for i, p := range ps {
		out.Points[i] = [2]float64{float64(p.Time.UnixMilli()), p.Value}
	}
	writeJSON(w, http.StatusOK, out)
}

var unsafeFile = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	st, m, ok := s.storedMeter(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = store.FormatCSV
	}
	ctype := map[string]string{store.FormatCSV: "text/csv; charset=utf-8", store.FormatJSON: "application/json", store.FormatJSONLines: "application/x-ndjson"}[format]
	if ctype == "" {
		writeErr(w, http.StatusBadRequest, "format: csv, json or jsonl")
		return
	}
	from, to, err := timeRange(q, time.Now())
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	name := unsafeFile.ReplaceAllString(m.Name, "_")
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "." + format}))
	// A year of readings may take longer than the server's write timeout:
	// the deadline moves on with every write instead, so only a client
	// that stops reading is cut off.
	out := progressWriter{w: w, rc: http.NewResponseController(w), d: s.writeTimeout}
	if err := st.Export(r.Context(), out, m.Name, from, to, format); err != nil {
		// Headers are sent; all that is left is to cut the answer short.
		panic(http.ErrAbortHandler)
	}
}

// progressWriter gives each write its own deadline of d.
type progressWriter struct {
	w  io.Writer
	rc *http.ResponseController
	d  time.Duration
}

func (p progressWriter) Write(b []byte) (int, error) {
	if p.d > 0 {
		p.rc.SetWriteDeadline(time.Now().Add(p.d))
	}
	return p.w.Write(b)
}

// Telegram is a telegram log entry as the API shows it.
type Telegram struct {
	Time    time.Time `json:"time"`
	Meter   string    `json:"meter"`
	Input   string    `json:"input"`
	Outcome string    `json:"outcome"`
	RSSI    *int      `json:"rssi_dbm,omitempty"`
	Hex     string    `json:"hex"`
}

func (s *Server) telegrams(w http.ResponseWriter, r *http.Request) {
	st := s.needStore(w)
	if st == nil {
		return
	}
	q := r.URL.Query()
	outcome := q.Get("outcome")
	if outcome != "" {
		if _, ok := pipeline.ParseOutcome(outcome); !ok {
			writeErr(w, http.StatusBadRequest, "outcome: one of "+outcomeNames())
			return
		}
	}
	limit, err := intParam(q, "limit", 100, 1000)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	log, err := st.RecentTelegrams(r.Context(), store.TelegramFilter{Meter: q.Get("meter"), Outcome: outcome, Limit: limit})
	if err != nil {
		writeErr(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]Telegram, len(log))
	for i, e := range log {
		out[i] = Telegram{Time: e.Time, Meter: e.Meter, Input: e.Input, Outcome: e.Outcome, RSSI: e.RSSI, Hex: e.Hex}
	}
	writeJSON(w, http.StatusOK, out)
}

func outcomeNames() string {
	var n []string
	for _, o := range pipeline.Outcomes() {
		n = append(n, o.String())
	}
	return strings.Join(n, ", ")
}

// readBody decodes a JSON request body of at most MaxBody bytes into v,
// answering the error itself (415, 413, 400) when it fails. The body must
// be one JSON object (example shows one in the error) and nothing after
// it. It also refuses cross-site requests: a browser sends an Origin that
// does not match the host.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			writeErr(w, http.StatusForbidden, "cross-origin request refused")
			return false
		}
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeErr(w, http.StatusUnsupportedMediaType, "send the body as JSON (Content-Type: application/json)")
		return false
	}
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, s.opt.MaxBody))
	fail := func(err error) bool {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			writeErr(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", s.opt.MaxBody))
		case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
			off := int64(0)
			if syntax != nil {
				off = syntax.Offset
			}
			writeErr(w, http.StatusBadRequest, fmt.Sprintf("body is not valid JSON (at byte %d)", off))
		case errors.As(err, &typ) && typ.Field != "":
			writeErr(w, http.StatusBadRequest, fmt.Sprintf("body: %s must be %s, got %s", typ.Field, jsonKind(typ.Type), typ.Value))
		default:
			writeErr(w, http.StatusBadRequest, "expected a JSON object like "+example)
		}
		return false
	}
	// What the body holds, told in JSON's words: decoding an array or a
	// string into a struct would name Go types.
	first, err := skipSpace(body)
	if err != nil {
		if err == io.EOF {
			writeErr(w, http.StatusBadRequest, "the body is empty: expected a JSON object like "+example)
			return false
		}
		return fail(err)
	}
	if first != '{' {
		what := map[byte]string{'[': "an array", '"': "a string", 't': "true", 'f': "false", 'n': "null"}[first]
		if what == "" && (first == '-' || first >= '0' && first <= '9') {
			what = "a number"
		}
		if what == "" {
			writeErr(w, http.StatusBadRequest, "body is not valid JSON: expected an object like "+example)
			return false
		}
		writeErr(w, http.StatusBadRequest, "expected a JSON object like "+example+", got "+what)
		return false
	}
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		return fail(err)
	}
	// One object, and only white space after it.
	if _, err := skipSpace(bufio.NewReader(io.MultiReader(dec.Buffered(), body))); err != io.EOF {
		if err != nil {
			return fail(err)
		}
		writeErr(w, http.StatusBadRequest, "unexpected data after the JSON object: send one object per request")
		return false
	}
	return true
}

// skipSpace skips JSON white space and returns the next byte, left
// unread.
func skipSpace(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, r.UnreadByte()
	}
}

// jsonKind names a Go type as the JSON value it takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// DecodeRequest is the body of POST /api/decode.
type DecodeRequest struct {
	// Telegram is hex (wM-Bus, wired M-Bus, P1 frames) or a P1 text
	// telegram.
	Telegram string `json:"telegram"`
	// Key is the AES key (wM-Bus, P1 EK) and AK the P1 authentication
	// key, 32 hex digits each; both optional and used for this call only.
	Key string `json:"key"`
	AK  string `json:"ak"`
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request) {
	var req DecodeRequest
	if !s.readBody(w, r, &req, `{"telegram": "...", "key": "..."}`) {
		return
	}
	key, err := parseKey(req.Key)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "key: "+err.Error())
		return
	}
	defer clear(key)
	ak, err := parseKey(req.AK)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "ak: "+err.Error())
		return
	}
	defer clear(ak)
	a, err := Analyze(req.Telegram, key, ak)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// AddMeterRequest is the body of POST /api/meters.
type AddMeterRequest struct {
	Name string `json:"name"`
	// ID is the 8-digit wM-Bus identification number, or a P1 meter's
	// 16-hex-digit system title (or "p1").
	ID           string `json:"id"`
	Manufacturer string `json:"manufacturer"`
	// Key and AK are 32 hex digits; the answer never repeats them.
	Key string `json:"key"`
	AK  string `json:"ak"`
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	idRE   = regexp.MustCompile(`^([0-9]{8}|[0-9A-Fa-f]{16}|p1)$`)
	mfctRE = regexp.MustCompile(`^[A-Za-z]{3}$`)
)

func (s *Server) addMeter(w http.ResponseWriter, r *http.Request) {
	var req AddMeterRequest
	if !s.readBody(w, r, &req, `{"name": "...", "id": "12345678", "key": "..."}`) {
		return
	}
	req.Name, req.ID, req.Manufacturer = strings.TrimSpace(req.Name), strings.TrimSpace(req.ID), strings.ToUpper(strings.TrimSpace(req.Manufacturer))
	if !idRE.MatchString(req.ID) {
		writeErr(w, http.StatusBadRequest, "id: the meter's 8-digit identification number, or a P1 meter's 16-hex-digit system title")
		return
	}
	if req.Name == "" {
		req.Name = req.ID
	}
	if !nameRE.MatchString(req.Name) {
		writeErr(w, http.StatusBadRequest, "name: up to 64 letters, digits, '.', '_' or '-'")
		return
	}
	if req.Manufacturer != "" && !mfctRE.MatchString(req.Manufacturer) {
		writeErr(w, http.StatusBadRequest, "manufacturer: the three-letter code (e.g. KAM)")
		return
	}
	key, err := parseKey(req.Key)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "key: "+err.Error())
		return
	}
	if key == nil {
		writeErr(w, http.StatusBadRequest, "key: the meter's AES key is required (32 hex digits)")
		return
	}
	ak, err := parseKey(req.AK)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "ak: "+err.Error())
		return
	}
	if len(req.ID) == 16 {
		req.ID = strings.ToUpper(req.ID)
	}
	for _, c := range s.g.Pipeline().Meters() {
		if c.Name == req.Name && c.ID != req.ID {
			writeErr(w, http.StatusConflict, fmt.Sprintf("a meter named %q with another id is configured; choose another name", req.Name))
			return
		}
	}
	m := config.Meter{Name: req.Name, ID: req.ID, Manufacturer: req.Manufacturer, Driver: "auto", Key: config.Secret(key), AK: config.Secret(ak)}
	if err := s.g.Pipeline().AddMeter(m); err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"name": req.Name, "id": req.ID, "manufacturer": req.Manufacturer, "has_key": true, "has_ak": ak != nil,
		"note": "added for this run: telegrams from now on are decrypted with the key; add the meter to the configuration file to keep it",
	})
}

// Inputs is the answer of GET /api/inputs: where the data comes from.
type Inputs struct {
	Demo     bool              `json:"demo"`
	Health   any               `json:"health"`
	Received uint64            `json:"telegrams"`
	Outcomes map[string]uint64 `json:"outcomes"`
	Unknown  int               `json:"unknown_meters"`
	Store    bool              `json:"store"`
	Sinks    []string          `json:"sinks"`
	Token    bool              `json:"token_required"`
	Live     int               `json:"live_streams"`
	LiveMax  int               `json:"live_streams_max"`
	// Dashboard says how many meters the dashboard tracks, and how many
	// telegrams of meters beyond its limit it dropped.
	Dashboard TrackerStats `json:"dashboard"`
}

func (s *Server) inputs(w http.ResponseWriter, r *http.Request) {
	cfg := s.g.Config()
	st := s.g.Pipeline().Stats()
	out := Inputs{Health: s.g.Health(), Received: st.Received, Outcomes: map[string]uint64{}, Unknown: len(s.g.Pipeline().Unknown()),
		Store: s.g.Store() != nil, Token: cfg.HTTP.Token.Set(), Live: s.live.Subscribers(), LiveMax: s.opt.MaxStreams,
		Dashboard: s.state.stats(), Sinks: []string{}}
	out.Demo = len(cfg.Inputs) == 0
	for _, o := range pipeline.Outcomes() {
		out.Outcomes[o.String()] = st.Count(o)
	}
	if out.Store {
		out.Sinks = append(out.Sinks, "store")
	}
	if cfg.Sinks.MQTT != nil {
		out.Sinks = append(out.Sinks, "mqtt")
	}
	if cfg.Sinks.Stdout {
		out.Sinks = append(out.Sinks, "stdout")
	}
	out.Sinks = append(out.Sinks, "metrics", "web")
	writeJSON(w, http.StatusOK, out)
}
