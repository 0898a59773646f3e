package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"net/http"
)

//go:embed ui
var uiFiles embed.FS

// page is the UI: ui/index.html with ui/app.css and ui/app.js inlined, so
// that one request brings everything; csp allows exactly those inline
// blocks. It holds no data, so the gateway serves it without the token;
// its script sends the token with every API call.
var page, csp = buildPage()

func buildPage() ([]byte, string) {
	read := func(name string) []byte {
		b, err := uiFiles.ReadFile("ui/" + name)
		if err != nil {
			panic(err)
		}
		return b
	}
	html, css, js := read("index.html"), read("app.css"), read("app.js")
	hash := func(b []byte) string {
		h := sha256.Sum256(b)
		return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
	}
	out := bytes.Replace(html, []byte("<!--CSS-->"), append(append([]byte("<style>"), css...), "</style>"...), 1)
	out = bytes.Replace(out, []byte("<!--JS-->"), append(append([]byte("<script>"), js...), "</script>"...), 1)
	policy := "default-src 'none'; script-src " + hash(js) + "; style-src " + hash(css) +
		"; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return out, policy
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	w.Write(page)
}
