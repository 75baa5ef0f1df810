package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tier: the console in headless Chromium (Debian's chromium package, or any
// Chrome or Chromium installed), driven by chromedp against the development server.

// browserWait is how long one step may wait for words on the screen
// (GATEPASS_BROWSER_WAIT, default 20s): a step ends as soon as they appear, so the
// setting is a ceiling for a loaded machine, never a sleep.
func browserWait(t *testing.T) time.Duration {
	if v := os.Getenv("GATEPASS_BROWSER_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("GATEPASS_BROWSER_WAIT %q: want a positive duration", v)
		}
		return d
	}
	return 20 * time.Second
}

// browserNames are the executables tried in order (GATEPASS_BROWSER first).
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// findBrowser returns the browser's path. Missing, it fails under CI=true (make test
// installs Debian's chromium first) and skips elsewhere, saying how to get one.
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GATEPASS_BROWSER"); p != "" {
		return p
	}
	for _, n := range browserNames {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := "no Chrome or Chromium found (" + strings.Join(browserNames, ", ") + "; or set GATEPASS_BROWSER): on Debian `apt-get install -y chromium` (make test does it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless browser for a whole test; each person gets a tab of it
// (a tab's sessionStorage is its own, so each signs in alone).
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string // http://127.0.0.1:<port>
	wait time.Duration
}

func newBrowser(t *testing.T, st stack) *browser {
	t.Helper()
	path := findBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	b := &browser{t: t, ctx: bctx, base: st.APIEndpoint, wait: browserWait(t)}
	start := time.Now()
	// The first run starts the browser, which lives as long as that run's context: no
	// timeout here (the test's own -timeout bounds a browser that never answers).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Logf("browser %s started in %s", path, time.Since(start).Round(time.Millisecond))
	return b
}

// tab is one person's tab.
type tab struct {
	b   *browser
	t   *testing.T
	ctx context.Context
}

// freshTab opens a tab that has not signed in.
func (b *browser) freshTab(t *testing.T) (*tab, context.CancelFunc) {
	ctx, cancel := chromedp.NewContext(b.ctx)
	tb := &tab{b: b, t: t, ctx: ctx}
	tb.open()
	tb.run("viewport", chromedp.EmulateViewport(1280, 800))
	return tb, cancel
}

// signIn opens a tab at 1280×800 and signs in through the development sign-in page as sub
// of tenant with roles.
func (b *browser) signIn(t *testing.T, sub, tenant string, roles ...string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	tb := &tab{b: b, t: t, ctx: ctx}
	tb.open()
	tb.run("open the console", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.base+"/console"))
	tb.see("Development sign-in")
	tb.fill("User (sub)", sub)
	tb.fill("Tenant Account ID", tenant)
	tb.fill("Roles", strings.Join(roles, " "))
	tb.click("Sign in")
	tb.see("Signed in as " + sub)
	return tb
}

// open makes the tab: the first run on its context, which must carry no timeout (the
// tab lives as long as the context of that run).
func (tb *tab) open() {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx); err != nil {
		tb.t.Fatalf("open a tab: %v", err)
	}
}

// run does the actions within the step's wait; on failure it says what the screen said.
func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, tb.b.wait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.failShot()
		tb.t.Fatalf("%s: %v\nthe screen says:\n%s", what, err, tb.screenText())
	}
}

// value runs one action that returns a value, within the step's wait.
func value[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, tb.b.wait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v\nthe screen says:\n%s", what, err, tb.screenText())
	}
	return v
}

// failShot saves what the screen showed at a failure under GATEPASS_BROWSER_FAILURES
// (a folder), when set.
func (tb *tab) failShot() {
	dir := os.Getenv("GATEPASS_BROWSER_FAILURES")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(tb.t.Name(), "/", "_")+".png"), png, 0o644)
	}
}

func (tb *tab) screenText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	return s
}

// xq quotes s for an XPath literal.
func xq(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return "concat('" + strings.ReplaceAll(s, "'", "', \"'\", '") + "')"
}

// scope is the topmost open dialog, else the page.
func scope() string { return "(//dialog[@open])[last()]|//body[not(.//dialog[@open])]" }

// see waits until the words are on the screen (in the topmost dialog or the page).
func (tb *tab) see(words string) {
	tb.t.Helper()
	tb.run("see "+words, chromedp.WaitVisible(`//body[contains(normalize-space(.), `+xq(words)+`)]`))
}

// dialog waits until the dialog titled title is open (a closed one's words are in the
// page too).
func (tb *tab) dialog(title string) {
	tb.t.Helper()
	tb.run("the dialog "+title, chromedp.WaitVisible(`//dialog[@open][.//h2[normalize-space(.)=`+xq(title)+`]]`))
}

// gone waits until no element holds the words.
func (tb *tab) gone(words string) {
	tb.t.Helper()
	tb.run("no more "+words, chromedp.WaitNotPresent(`//body[contains(normalize-space(.), `+xq(words)+`)]`))
}

// control is a button or link named name (its text or aria-label) in the topmost
// dialog or the page.
func control(name string) string {
	n := xq(name)
	return `(` + scope() + `)//*[self::button or self::a][normalize-space(.)=` + n + ` or @aria-label=` + n + `]`
}

// field is the input, select or textarea labelled name, in the topmost dialog or page.
func field(name string) string {
	n := xq(name)
	return `(` + scope() + `)//label[span[normalize-space(.)=` + n + `]]//*[self::input or self::select or self::textarea]`
}

// choice is the checkbox or radio labelled name.
func choice(name string) string {
	return `(` + scope() + `)//label[contains(@class,'check')][normalize-space(.)=` + xq(name) + `]/input`
}

func (tb *tab) click(name string) {
	tb.t.Helper()
	tb.clickAt("click "+name, control(name))
}

// clickAt clicks the element sel finds. A node the app replaced between finding it and
// clicking it (a list that was still rendering) is looked up again: such a click never
// reached the page, so trying again does nothing twice.
func (tb *tab) clickAt(what, sel string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, tb.b.wait)
	defer cancel()
	for {
		err := chromedp.Do(ctx, chromedp.Click(sel))
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "Could not find node with given id") || ctx.Err() != nil {
			tb.failShot()
			tb.t.Fatalf("%s: %v\nthe screen says:\n%s", what, err, tb.screenText())
		}
	}
}

// clickAndLoad clicks name (a Search, say) and waits until the loads it starts have
// settled and been drawn: the console counts them on <body> (data-loads, data-loading),
// so that the next step acts on the new answer, not on the list it replaces.
func (tb *tab) clickAndLoad(name string) {
	tb.t.Helper()
	tb.andLoad(name, func() { tb.click(name) })
}

// clickInAndLoad is clickIn that waits, as clickAndLoad, for what it opens to be drawn
// (a dialog whose list moves its buttons once it has loaded).
func (tb *tab) clickInAndLoad(words, name string) {
	tb.t.Helper()
	tb.andLoad(name, func() { tb.clickIn(words, name) })
}

func (tb *tab) andLoad(name string, act func()) {
	tb.t.Helper()
	before := value(tb, "loads", chromedp.Evaluate[float64](`Number(document.body.dataset.loads || 0)`))
	act()
	value(tb, "the answer to "+name, chromedp.Poll[bool](fmt.Sprintf(`Number(document.body.dataset.loads || 0) > %v && document.body.dataset.loading === "0"`, before)))
}

func (tb *tab) check(name string) {
	tb.t.Helper()
	tb.run("choose "+name, chromedp.Click(choice(name)))
}

// fill types text into the field labelled name, replacing what it held (selected
// first, so the typing replaces it, as a user's Ctrl+A would).
func (tb *tab) fill(name, text string) {
	tb.t.Helper()
	sel := field(name)
	tb.run("find "+name, chromedp.WaitVisible(sel))
	tb.js("select "+name, `(() => { const e = `+node(sel)+`; e.focus(); e.select(); return true })()`)
	tb.run("type into "+name, chromedp.SendKeys(sel, text))
}

// setField sets a select's or date input's value and tells the app with the event the
// browser's own picker sends (event "change" or "input").
func (tb *tab) setField(name, v, event string) {
	tb.t.Helper()
	sel := field(name)
	tb.run("find "+name, chromedp.WaitVisible(sel))
	tb.js("set "+name, `(() => { const e = `+node(sel)+`; e.value = `+jsq(v)+`; e.dispatchEvent(new Event(`+jsq(event)+`, {bubbles: true})); return e.value === `+jsq(v)+` })()`)
}

// pick chooses the option of the select labelled name by its value, once the select
// offers it (a select whose choices load, the registered workspaces, offers it later).
func (tb *tab) pick(name, v string) {
	tb.t.Helper()
	value(tb, "the choice "+v+" of "+name, chromedp.Poll[bool](`(() => { const e = `+node(field(name))+`; return !!e && (e.tagName !== "SELECT" || [...e.options].some((o) => o.value === `+jsq(v)+`)) })()`))
	tb.setField(name, v, "change")
}

// node is the JavaScript expression of the first element an XPath finds.
func node(xpath string) string {
	return `document.evaluate(` + jsq(xpath) + `, document, null, 9, null).singleNodeValue`
}

// js evaluates a script that must answer true.
func (tb *tab) js(what, script string) {
	tb.t.Helper()
	if ok := value(tb, what, chromedp.Evaluate[bool](script)); !ok {
		tb.t.Fatalf("%s: the script answered false", what)
	}
}

func jsq(s string) string { return fmt.Sprintf("%q", s) }

// hasControl reports whether a control named name is on the screen now.
func (tb *tab) hasControl(name string) bool {
	tb.t.Helper()
	n := value(tb, "count "+name, chromedp.Evaluate[float64](`document.evaluate(`+jsq("count("+control(name)+")")+`, document, null, 1, null).numberValue`))
	return n > 0
}

// text is everything the screen says.
func (tb *tab) text() string {
	tb.t.Helper()
	return value(tb, "read the screen", chromedp.Text(chromedp.CSS("body")))
}

// goTo opens a screen of workspace ws by its tab.
func (tb *tab) goTo(screen, ws string) {
	tb.t.Helper()
	tb.fill("Workspace", ws)
	tb.click("Open workspace")
	tb.click(screen)
	tb.run("screen "+screen, chromedp.WaitVisible(`//a[@role='tab'][@aria-selected='true'][normalize-space(.)=`+xq(screen)+`]`))
}

// row is the table row that mentions words; within it, control names a button.
func rowControl(words, name string) string {
	n := xq(name)
	return `(` + scope() + `)//tr[contains(normalize-space(.), ` + xq(words) + `)]//button[normalize-space(.)=` + n + ` or @aria-label=` + n + `]`
}

func (tb *tab) clickIn(words, name string) {
	tb.t.Helper()
	tb.clickAt("click "+name+" in the row of "+words, rowControl(words, name))
}

// assetBudget is the most the console may send, compressed (the 200 KB).
const assetBudget = 200 << 10

// consoleAssets fetches the console and every asset it loads, gzip-compressed as a
// browser asks; it returns their compressed sizes by path.
func consoleAssets(t *testing.T, base string) map[string]int {
	t.Helper()
	get := func(path string) []byte {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s: %d, Content-Encoding %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		return b
	}
	sizes := map[string]int{}
	page := get("/console")
	sizes["/console"] = len(page)
	zr, err := gzip.NewReader(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(zr)
	refs := regexp.MustCompile(`(?:src|href)="(/console/[^"]+)"`).FindAllSubmatch(html, -1)
	if len(refs) < 2 {
		t.Fatalf("the console page loads %d assets: was it built (make console)?\n%s", len(refs), html)
	}
	for _, m := range refs {
		sizes[string(m[1])] = len(get(string(m[1])))
	}
	return sizes
}

func emulate(w, h int64) chromedp.Action[chromedp.Void] { return chromedp.EmulateViewport(w, h) }

func navigate(url string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(url) }

// screenshotDir is where TestConsole_Screenshots writes (make screenshots sets it).
func screenshotDir() string { return os.Getenv("GATEPASS_SCREENSHOTS") }

func (tb *tab) screenshot(dir, name string, w, h int64) {
	tb.t.Helper()
	tb.run("size "+name, chromedp.EmulateViewport(w, h))
	png := value(tb, "screenshot "+name, chromedp.CaptureScreenshot())
	file := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, w, h))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}
