package web

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/meterwire/meterwire/codec"
	"github.com/meterwire/meterwire/driver"
	"github.com/meterwire/meterwire/p1"
	"github.com/meterwire/meterwire/telegram"
	"github.com/meterwire/meterwire/wmbus"
)

// Analysis is the answer of the analyzer (POST /api/decode): one Result
// per telegram or frame found in the input.
type Analysis struct {
	// Input is how the input was read: "hex" or "p1-text".
	Input string `json:"input"`
	// Notes say what was done to the input before decoding (line endings).
	Notes   []string `json:"notes,omitempty"`
	Results []Result `json:"results"`
}

// Result is one decoded telegram or frame.
type Result struct {
	// Report is exactly the object `meterwire decode --explain --json`
	// prints for this telegram (a driver.Report, telegram.Report or
	// p1.Report); nil for
	// a part of a longer DLMS message, or when nothing could be decoded.
	Report any `json:"report"`
	// Explanation is the text `meterwire decode --explain` prints.
	Explanation string `json:"explanation,omitempty"`
	// Pending marks a segment of a longer DLMS message (decoded with its
	// last part).
	Pending bool `json:"pending,omitempty"`
	// Problem is why decoding failed, in words; nil when it succeeded.
	Problem *Problem `json:"problem,omitempty"`
	// Views are the byte strings the layers' offsets count in (the frame
	// as received, the decoded frame, the telegram text, ...), and
	// LayerViews gives for each layer of the report the index of its view
	// (-1: none fits).
	Views      []View `json:"views"`
	LayerViews []int  `json:"layer_views"`
}

// View is a byte string shown in the analyzer with layers highlighted.
type View struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Hex   string `json:"hex"`
	// Text: the bytes are text (a P1 telegram) and are shown as such.
	Text bool `json:"text,omitempty"`
}

// Problem explains a decoding error for people.
type Problem struct {
	// Class is one of no-key, wrong-key, mac-failed, auth-failed, crc,
	// truncated, unknown-signature, replay, unsupported, malformed,
	// not-hex.
	Class string `json:"class"`
	Title string `json:"title"`
	// Help says what the error means and what to do.
	Help string `json:"help"`
	// Message is the decoder's error message (never contains keys).
	Message string `json:"message"`
}

// Errors the analyzer reports for its input (not decoding errors).
var (
	errEmpty = errors.New("no telegram given: paste hex (wM-Bus, wired M-Bus, P1 frame) or a P1 text telegram")
)

// Analyze decodes one input as `meterwire decode --explain --json` does
// for one argument: a P1 text telegram (starting with '/'), or hex of a
// wireless or wired M-Bus frame, a DLMS/P1 frame (HDLC, wired M-Bus
// transport, general-glo-ciphering; several in a row are decoded in turn).
// key (the AES key for wM-Bus and the P1 EK) and ak (the P1 authentication
// key) may be nil; they are used for this call only. The returned error is
// for input that is neither hex nor a P1 telegram; decoding problems are
// reported per Result.
func Analyze(input string, key, ak []byte) (*Analysis, error) {
	a := &Analysis{Results: []Result{}}
	td := &telegram.Decoder{}
	if key != nil {
		td.WMBus.Keys = wmbus.StaticKey(key)
	}
	pd := &p1.Decoder{Key: key, AK: ak}

	unit := func(raw []byte) {
		if p1.IsUnit(raw) {
			res, err := pd.Decode(raw)
			switch {
			case res == nil:
				a.Results = append(a.Results, Result{Problem: explainErr(err), Views: []View{}, LayerViews: []int{}})
			case res.Pending && err == nil:
				var b strings.Builder
				res.WriteExplanation(&b)
				a.Results = append(a.Results, Result{Pending: true, Explanation: b.String(), Views: []View{received(raw)}, LayerViews: []int{}})
			default:
				rep := res.Report(true, err)
				var b strings.Builder
				res.WriteExplanation(&b)
				r := Result{Report: rep, Explanation: b.String(), Problem: explainErr(err)}
				first := received(raw)
				if res.Transport == p1.TransportText {
					first.Title, first.Text = "Telegram text", true
				}
				views := []View{first}
				if res.Plain != nil && !bytes.Equal(res.Plain, raw) {
					isText := bytes.HasPrefix(res.Plain, []byte("/"))
					title := "Decrypted data"
					if isText {
						title = "Telegram text"
					}
					views = append(views, View{Name: "text", Title: title, Hex: upperHex(res.Plain), Text: isText})
				}
				if res.Message != nil {
					views = append(views, View{Name: "apdu", Title: "DLMS APDU (decrypted)", Hex: upperHex(res.Message.Plain)})
				}
				r.Views, r.LayerViews = placeLayers(views, rep.Layers)
				a.Results = append(a.Results, r)
			}
			return
		}
		res, err := td.Decode(raw)
		if res == nil {
			a.Results = append(a.Results, Result{Problem: explainErr(err), Views: []View{received(raw)}, LayerViews: []int{}})
			return
		}
		rep := res.Report(true, err)
		var b strings.Builder
		res.WriteExplanation(&b)
		r := Result{Report: driver.WithReport(res, rep, driver.Auto), Explanation: b.String(), Problem: explainErr(err)}
		views := []View{}
		if rep.PlaintextHex != "" {
			title := "Decoded frame (link CRCs removed)"
			if rep.Security.Status == "decrypted" {
				title = "Decoded frame (link CRCs removed, decrypted)"
			}
			views = append(views, View{Name: "decoded", Title: title, Hex: rep.PlaintextHex})
		}
		views = append(views, received(raw))
		r.Views, r.LayerViews = placeLayers(views, rep.Layers)
		a.Results = append(a.Results, r)
	}

	if t := strings.TrimLeft(input, " \t\r\n"); strings.HasPrefix(t, "/") {
		a.Input = "p1-text"
		if !strings.Contains(t, "\r") && strings.Contains(t, "\n") {
			// A pasted telegram loses its CR LF line endings (browsers
			// hand textareas over with LF); DSMR specifies CR LF and
			// the CRC covers them.
			t = strings.ReplaceAll(t, "\n", "\r\n")
			a.Notes = append(a.Notes, "line endings converted to CR LF, as DSMR specifies (the CRC covers them)")
		}
		unit([]byte(t))
		return a, nil
	}
	a.Input = "hex"
	if strings.TrimSpace(input) == "" {
		return nil, errEmpty
	}
	raw, err := parseHex(input)
	if err != nil {
		return nil, err
	}
	if p1.IsFramed(raw) {
		n := 0
		for data := raw; len(data) > 0; {
			adv, tok, _ := p1.Split(data, true)
			if tok != nil {
				n++
				unit(tok)
			}
			if adv <= 0 {
				break
			}
			data = data[adv:]
		}
		if n > 0 {
			return a, nil
		}
	}
	unit(raw)
	return a, nil
}

func received(raw []byte) View {
	return View{Name: "received", Title: "Frame as received", Hex: upperHex(raw)}
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// placeLayers finds for each layer the view its offsets count in: the
// first one where every field's bytes are found at the field's offset.
// Views no layer refers to are dropped (the first one is always kept).
func placeLayers(views []View, layers []codec.Layer) ([]View, []int) {
	bufs := make([][]byte, len(views))
	for i, v := range views {
		bufs[i], _ = hex.DecodeString(v.Hex)
	}
	idx := make([]int, len(layers))
	used := make([]bool, len(views))
	for li, l := range layers {
		idx[li] = -1
		for vi, b := range bufs {
			if fits(b, l) {
				idx[li] = vi
				used[vi] = true
				break
			}
		}
	}
	keep := []View{}
	remap := make([]int, len(views))
	for i, v := range views {
		remap[i] = -1
		if used[i] || i == 0 {
			remap[i] = len(keep)
			keep = append(keep, v)
		}
	}
	for i, v := range idx {
		if v >= 0 {
			idx[i] = remap[v]
		}
	}
	return keep, idx
}

// fits reports whether layer l's fields are found in b at their offsets
// (at least one field with bytes must check out).
func fits(b []byte, l codec.Layer) bool {
	if l.Offset < 0 || l.Offset+l.Len > len(b) {
		return false
	}
	checked := 0
	for _, f := range l.Fields {
		if f.Hex == "" {
			continue
		}
		want, err := hex.DecodeString(f.Hex)
		if err != nil || len(want) != f.Len || f.Offset < 0 || f.Offset+f.Len > len(b) {
			return false
		}
		if !bytes.Equal(b[f.Offset:f.Offset+f.Len], want) {
			return false
		}
		checked++
	}
	return checked > 0
}

// parseHex accepts hex with spaces, line breaks, underscores, colons, '|',
// '-' and a 0x prefix, as telegrams are pasted from logs and documents.
func parseHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '_', ':', '|', '-':
			return -1
		}
		return r
	}, s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, fmt.Errorf("not hex: %q at digit %d is not a hex digit (paste hex, or a P1 telegram starting with '/')", rune(c), i+1)
		}
	}
	if len(s)%2 == 1 {
		return nil, fmt.Errorf("odd number of hex digits (%d): a digit is missing", len(s))
	}
	return hex.DecodeString(s)
}

// parseKey parses an optional 16-byte AES key. Its errors never repeat the
// key.
func parseKey(s string) ([]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	k, err := parseHex(s)
	if err != nil {
		return nil, errors.New("not hex (32 hex digits expected)")
	}
	if len(k) != 16 {
		return nil, fmt.Errorf("%d bytes, an AES-128 key has 16 (32 hex digits)", len(k))
	}
	return k, nil
}

// problems explains each class of decoding error, in the order they are
// tested (the first that matches wins).
var problems = []struct {
	err          error
	class, title string
	help         string
}{
	{codec.ErrNoKey, "no-key", "No key",
		"The frame is encrypted and no key was given. Enter the meter's 16-byte AES key (32 hex digits): it comes with the meter's documentation or from the utility that operates it."},
	{codec.ErrWrongKey, "wrong-key", "Wrong key",
		"A key was given, but it does not decrypt this frame: the decrypted data fails its check (the 2F2F marker, payload CRC or MAC). Check that the key belongs to this meter (compare the ID) and that no digit is mistyped."},
	{codec.ErrMAC, "mac-failed", "MAC does not verify",
		"The key decrypts the data, but the message authentication code does not match: the telegram was altered on the way, or the meter computes its MAC differently."},
	{codec.ErrAuth, "auth-failed", "Authentication tag does not verify",
		"The AES-GCM authentication tag does not match: the authentication key (AK) or the encryption key is wrong, or the frame was altered."},
	{codec.ErrCRC, "crc", "CRC error",
		"A checksum does not match: bytes were corrupted on the way (radio noise, a bad cable) or changed when copying. This is not a key problem; the next telegram usually arrives intact."},
	{codec.ErrTruncated, "truncated", "Truncated",
		"The input ends before its length fields say it should: part of the frame is missing (copied incompletely, or cut off by the receiver)."},
	{codec.ErrUnknownSignature, "unknown-signature", "Compact frame without its format",
		"This is a compact frame: it leaves out the record headers, which the meter sends only in its full frames. The gateway decodes it once it has heard a full frame of the same meter."},
	{codec.ErrReplay, "replay", "Replayed frame",
		"The frame counter went backwards: an old telegram was sent again."},
	{codec.ErrUnsupported, "unsupported", "Not supported",
		"The frame is valid but uses something meterwire does not decode (yet)."},
}

// explainErr turns a decoding error into words; nil for nil.
func explainErr(err error) *Problem {
	if err == nil {
		return nil
	}
	p := &Problem{Message: err.Error(), Class: "malformed", Title: "Not a telegram meterwire understands",
		Help: "The bytes break the protocol's rules (a field has an impossible value, or lengths disagree). Check that the whole frame was copied, starting with its length byte."}
	for _, c := range problems {
		if errors.Is(err, c.err) {
			p.Class, p.Title, p.Help = c.class, c.title, c.help
			break
		}
	}
	return p
}
