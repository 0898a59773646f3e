package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/meterwire/meterwire/config"
)

const chromium = "/usr/bin/chromium"

// browser starts Debian's chromium headless, or skips the test when it is
// not installed (unless MW_REQUIRE_CHROMIUM=1).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("MW_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("%s is missing and MW_REQUIRE_CHROMIUM=1: install it with apt-get install -y chromium (.ci/run does)", chromium)
		}
		t.Skipf("%s is missing: the browser tests need Debian's chromium, which .ci/run installs (apt-get install -y chromium)", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })

	start, cancelStart := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStart()
	// The first call starts the browser; it must not carry the timeout.
	go func() {
		<-start.Done()
		if errors.Is(start.Err(), context.DeadlineExceeded) {
			cancel()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}

	// Script errors and CSP violations fail the test.
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError && strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		p := problems
		problems = nil
		return p
	}
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("MW_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowser drives the UI in chromium against a demo gateway (the gas
// meter left out of the configuration, to be added through the UI), one
// browser for all subtests, and saves a screenshot of each step.
func TestBrowser(t *testing.T) {
	bctx, problems := browser(t)
	shots := artifacts(t)
	var gasKey string
	tg := startGateway(t, func(c *config.Config) {
		for i, m := range c.Meters {
			if m.Name == "gas" {
				gasKey = strings.ToUpper(hex.EncodeToString(m.Key))
				c.Meters = append(c.Meters[:i], c.Meters[i+1:]...)
				break
			}
		}
	})
	waitFor(t, "the gas meter heard as unknown", func() bool {
		_, body := tg.get(t, "/api/unknown")
		return strings.Contains(body, `"needs_key":true`)
	})

	// run runs one step of the tour with a timeout and saves a
	// screenshot of the page after it (also when it failed).
	run := func(t *testing.T, name string, f func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		err := f(ctx)
		sctx, cancelShot := context.WithTimeout(bctx, 10*time.Second)
		defer cancelShot()
		file := name + ".png"
		if err != nil {
			file = name + "-failed.png"
		}
		if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr != nil {
			t.Errorf("%s: screenshot: %v", name, serr)
		} else if !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("%s: the screenshot is not a PNG", name)
		} else if werr := os.WriteFile(filepath.Join(shots, file), png, 0o644); werr != nil {
			t.Error(werr)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range problems() {
			t.Errorf("%s: %s", name, p)
		}
	}
	visits := 0
	page := func(route string) chromedp.Action[chromedp.Void] {
		// A new query string makes every visit a fresh page load.
		visits++
		return chromedp.Navigate(fmt.Sprintf("%s/?visit=%d%s", tg.base, visits, route))
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))
	}

	t.Run("dashboard", func(t *testing.T) {
		var counts map[string]int
		run(t, "dashboard", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/"),
				chromedp.WaitVisible(css(`article.meter[data-meter="smarty"] ul.values li[data-field]`)),
				chromedp.WaitVisible(css(`#unknown tr[data-identity] button`)),
				// The add flow, by keyboard: focus the button, Enter,
				// type the key, Enter.
				chromedp.Focus(css(`#unknown tr[data-identity] button`)),
				chromedp.KeyEvent("\r"),
				chromedp.WaitVisible(css(`#add-key`)),
				chromedp.SetValue(css(`#add-name`), "gas"),
				chromedp.SendKeys(css(`#add-key`), gasKey),
				chromedp.SendKeys(css(`#add-key`), "\r"),
				chromedp.WaitVisible(css(`#addform .okmsg`)),
				poll(`(() => { const a = document.querySelector('article.meter[data-meter="gas"]');
					return !!a && a.querySelectorAll('ul.values li[data-field]').length > 0 && !a.querySelector('.problems'); })()`),
			)
			if err != nil {
				return err
			}
			counts, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`Object.fromEntries([...document.querySelectorAll('article.meter')].map(a =>
				[a.dataset.meter, [...a.querySelectorAll('ul.values li[data-field] .v')].filter(v => /\d/.test(v.textContent)).length]))`))
			return err
		})
		for _, m := range fleet {
			if counts[m] == 0 {
				t.Errorf("the dashboard shows no values for %s (%v)", m, counts)
			}
		}
		code, body := tg.get(t, "/api/meters/gas")
		if code != 200 || !strings.Contains(body, `"has_key":true`) {
			t.Errorf("gas after adding: %d %s", code, body)
		}
	})

	t.Run("meter", func(t *testing.T) {
		const fig = `figure[data-field="total_energy_kwh"]`
		var n, coords, rows int
		var csv string
		run(t, "meter-heat", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/meter/heat"),
				chromedp.WaitVisible(css(fig+` svg.chart polyline`)),
				chromedp.WaitVisible(css(`#readings tbody tr`)),
			)
			if err != nil {
				return err
			}
			if n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`+document.querySelector('`+fig+` svg.chart').getAttribute('data-points')`)); err != nil {
				return err
			}
			if coords, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('`+fig+` polyline').getAttribute('points').trim().split(/\s+/).length`)); err != nil {
				return err
			}
			if rows, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#readings tbody tr').length`)); err != nil {
				return err
			}
			csv, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('export-csv').getAttribute('href')`))
			return err
		})
		if n < 10 || coords != n || rows == 0 {
			t.Errorf("a chart of %d points, a polyline of %d, %d table rows", n, coords, rows)
		}
		if !strings.HasPrefix(csv, "/api/meters/heat/export?format=csv") {
			t.Errorf("CSV link %q", csv)
		}
		// The range buttons redraw from the store.
		var n7 int
		run(t, "meter-heat-7d", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				chromedp.Click(css(`button[data-range="7d"]`)),
				chromedp.WaitVisible(css(`button[data-range="7d"][aria-pressed="true"]`)),
				chromedp.WaitVisible(css(fig+` svg.chart polyline`)),
			)
			if err != nil {
				return err
			}
			n7, err = chromedp.Run(ctx, chromedp.Evaluate[int](`+document.querySelector('`+fig+` svg.chart').getAttribute('data-points')`))
			return err
		})
		if n7 == 0 {
			t.Error("no points over 7 days")
		}
	})

	t.Run("analyzer", func(t *testing.T) {
		const mac = `button.fld[data-layer="afl"][data-field="MAC"]`
		var hl, alerts string
		run(t, "analyzer-oms-mode7", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/analyzer"),
				chromedp.WaitVisible(css(`#a-input`)),
				chromedp.SetValue(css(`#a-input`), omsMode7),
				chromedp.SetValue(css(`#a-key`), omsMode7Key),
				chromedp.Click(css(`#a-decode`)),
				chromedp.WaitVisible(css(mac)),
				chromedp.Click(css(mac)),
				chromedp.WaitVisible(css(`.hexview .b.hl`)),
			)
			if err != nil {
				return err
			}
			if hl, err = chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.hexview .b.hl')].map(b => b.textContent).join('')`)); err != nil {
				return err
			}
			alerts, err = chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#a-out .alert')].map(a => a.textContent).join('|')`))
			return err
		})
		if hl != "21924D4F2FB66E01" {
			t.Errorf("highlighted %q, want the AFL MAC 21924D4F2FB66E01", hl)
		}
		if alerts != "" {
			t.Errorf("alerts with the right key: %s", alerts)
		}
	})

	t.Run("wrong-key", func(t *testing.T) {
		const alert = `.alert[data-problem="wrong-key"]`
		var title, help string
		run(t, "analyzer-wrong-key", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/analyzer"),
				chromedp.WaitVisible(css(`#a-input`)),
				chromedp.SetValue(css(`#a-input`), omsMode7),
				chromedp.SendKeys(css(`#a-key`), wrongKey+"\r"), // Enter submits the form
				chromedp.WaitVisible(css(alert)),
			)
			if err != nil {
				return err
			}
			if title, err = chromedp.Run(ctx, chromedp.Text(css(alert+` h3`))); err != nil {
				return err
			}
			help, err = chromedp.Run(ctx, chromedp.Text(css(alert+` .help`)))
			return err
		})
		if title != "Wrong key" || !strings.Contains(help, "does not decrypt") {
			t.Errorf("the wrong key explained as %q: %q", title, help)
		}
	})

	t.Run("p1-script", func(t *testing.T) {
		msg := `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`
		const cell = `#fields tr[data-field="text_message"] .value`
		var shown, objects string
		var pwned bool
		var injected int
		run(t, "analyzer-p1-script", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/analyzer"),
				chromedp.WaitVisible(css(`#a-input`)),
				// The textarea turns CR LF into LF (as a paste does); the
				// analyzer restores the line endings DSMR's CRC covers.
				chromedp.Poll[chromedp.Void](`(document.getElementById('a-input').value = `+jsString(p1Telegram(msg))+`) !== ''`),
				chromedp.Click(css(`#a-decode`)),
				chromedp.WaitVisible(css(cell)),
				chromedp.Sleep(200*time.Millisecond),
			)
			if err != nil {
				return err
			}
			if shown, err = chromedp.Run(ctx, chromedp.Text(css(cell))); err != nil {
				return err
			}
			if objects, err = chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#objects td.value')].map(c => c.textContent).join('\n')`)); err != nil {
				return err
			}
			if pwned, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__pwned !== undefined`)); err != nil {
				return err
			}
			injected, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#a-out script, #a-out img').length + document.scripts.length - 1`))
			return err
		})
		if shown != msg || !strings.Contains(objects, msg) {
			t.Errorf("the text message shows as %q (objects %q), want it literally", shown, objects)
		}
		if pwned || injected != 0 {
			t.Errorf("meter text became markup: pwned %v, %d injected elements", pwned, injected)
		}
	})

	t.Run("live", func(t *testing.T) {
		var meters []string
		run(t, "live-log", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				page("#/live"),
				chromedp.WaitVisible(css(`#log tr[data-outcome="decoded"]`)),
				// Live rows arrive over SSE.
				chromedp.Poll[chromedp.Void](`(window.__rows = document.querySelectorAll('#log tr').length) > 0`),
				poll(`document.querySelectorAll('#log tr').length > window.__rows`),
				poll(`!!document.querySelector('#f-meter option[value="heat"]')`),
				chromedp.SetValue(css(`#f-meter`), "heat"),
				chromedp.Poll[chromedp.Void](`document.getElementById('f-meter').dispatchEvent(new Event('change'))`),
				poll(`(() => { const r = [...document.querySelectorAll('#log tr')]; return r.length > 2 && r.every(x => x.dataset.meter === 'heat'); })()`),
			)
			if err != nil {
				return err
			}
			meters, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll('#log tr')].map(x => x.dataset.meter))]`))
			return err
		})
		if len(meters) != 1 || meters[0] != "heat" {
			t.Errorf("the filtered log shows %v", meters)
		}
	})

	t.Run("sources", func(t *testing.T) {
		var state string
		run(t, "sources", func(ctx context.Context) error {
			err := chromedp.Do(ctx, page("#/sources"), chromedp.WaitVisible(css(`#inputs tr[data-input="demo"]`)))
			if err != nil {
				return err
			}
			state, err = chromedp.Run(ctx, chromedp.Text(css(`#inputs tr[data-input="demo"] .badge`)))
			return err
		})
		if state != "connected" {
			t.Errorf("the demo input is %q", state)
		}
	})

	t.Run("phone", func(t *testing.T) {
		var overflow bool
		run(t, "dashboard-phone", func(ctx context.Context) error {
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
				page("#/"),
				chromedp.WaitVisible(css(`article.meter[data-meter="heat"] ul.values li`)),
			)
			if err != nil {
				return err
			}
			overflow, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			return err
		})
		if overflow {
			t.Error("the dashboard is wider than a phone screen")
		}
	})
	t.Logf("screenshots in %s", shots)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserToken drives the UI of a gateway with a token: the page asks
// for the token on 401, takes it from #token= (and drops it from the
// address), sends it as a header to the API and fetches exports with it,
// and puts it in a URL for the live stream only.
func TestBrowserToken(t *testing.T) {
	const token = "browser-t0ken"
	bctx, problems := browser(t)
	tg := startGateway(t, func(c *config.Config) { c.HTTP.Token = config.Secret(token) })
	tg.secrets = append(tg.secrets, token)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range problems() {
			// The 401 before the token is given is expected.
			if !strings.Contains(p, "401") {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
	eval := func(expr string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))
	}
	values := chromedp.WaitVisible(chromedp.CSS(`article.meter[data-meter="heat"] ul.values li[data-field]`))

	step("asked for the token",
		chromedp.Navigate(tg.base+"/?visit=1#/"),
		chromedp.WaitVisible(chromedp.CSS(`#token-form #token-input`)),
		chromedp.SendKeys(chromedp.CSS(`#token-input`), token+"\r"),
		values)

	step("token in the address",
		chromedp.Poll[chromedp.Void](`(sessionStorage.clear(), true)`),
		chromedp.Navigate(tg.base+"/?visit=2#token="+token),
		values)
	if href := eval(`location.href`); strings.Contains(href, token) {
		t.Errorf("the token stays in the address: %s", href)
	}

	// No URL but the live stream's carries the token.
	noTokenURLs := func(page string) string {
		t.Helper()
		urls := eval(`performance.getEntriesByType('resource').map(e => e.name).join('\n')`)
		for _, u := range strings.Split(urls, "\n") {
			if strings.Contains(u, "token=") && !strings.Contains(u, "/api/events") {
				t.Errorf("%s: the token in a URL: %s", page, u)
			}
		}
		return urls
	}
	step("export",
		chromedp.Navigate(tg.base+"/?visit=3#/meter/heat"),
		chromedp.WaitVisible(chromedp.CSS(`#export-csv`)),
		poll(`(() => { const orig = URL.createObjectURL;
			URL.createObjectURL = b => { b.text().then(s => { window.__export = s; }); return orig.call(URL, b); };
			return true; })()`),
		chromedp.Click(chromedp.CSS(`#export-csv`)),
		poll(`typeof window.__export === 'string' && window.__export.startsWith('time,meter,')`))
	if urls := noTokenURLs("meter page"); !strings.Contains(urls, "/export?format=csv") {
		t.Errorf("no export fetched: %s", urls)
	}
	step("live stream",
		chromedp.Navigate(tg.base+"/?visit=4#/live"),
		chromedp.WaitVisible(chromedp.CSS(`#log tr[data-outcome="decoded"]`)),
		// Rows arrive over the stream, which took ?token=.
		chromedp.Poll[chromedp.Void](`(window.__rows = document.querySelectorAll('#log tr').length) > 0`),
		poll(`document.querySelectorAll('#log tr').length > window.__rows && document.getElementById('conn').textContent === 'live: connected'`))
	noTokenURLs("live log")
}
