package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"gatepass/shared/client"
)

// TestConsole drives the console in a real headless browser against the development
// server: each row of docs/seed-operations.md that has a screen is done by clicking and
// typing as a user of that product would, and its effect is asserted through the API
// afterwards (the check's decision, the grant's state, the audit). One browser, one
// server; the subtests run in order, each person in their own tab.
func TestConsole(t *testing.T) {
	t.Setenv("CANCEL_NOTICE", "48h") // the products' two days: a revocation stays pending
	st := devServer(t)
	b := newBrowser(t, st)
	w := newSeedWorld(t, st)
	c := &consoleWorld{w: w, b: b}
	c.reviewer = b.signIn(t, "u-apiowner", w.tenant, "ws:"+w.wsA+":owner", "checker")
	c.admin = b.signIn(t, "u-admin", w.tenant, "tenant_admin")
	c.bOwner = b.signIn(t, "u-bowner", w.tenant, "ws:"+w.wsB+":owner")
	c.member = b.signIn(t, "u-member", w.tenant, "ws:"+w.wsB+":developer")
	for _, r := range consoleRows {
		t.Run(r.name, func(t *testing.T) { r.run(t, c) })
	}
}

// consoleWorld is the seed world with a signed-in tab per person.
type consoleWorld struct {
	w                               *seedWorld
	b                               *browser
	reviewer, admin, bOwner, member *tab // owner of wsA (API side), tenant_admin, owner of wsB, developer of wsB
}

// in is tb acting within subtest t (failures belong to it). The console is loaded again
// (still signed in: the token is in the tab's sessionStorage) only when a dialog a
// failed subtest left open would be in the way: each subtest starts by opening a
// workspace (goTo), which draws its screen afresh.
func (tb *tab) in(t *testing.T) *tab {
	t.Helper()
	n := &tab{b: tb.b, t: t, ctx: tb.ctx}
	if value(n, "left open", chromedp.Evaluate[bool](`!!document.querySelector("dialog[open]") || !document.body.textContent.includes("Signed in as")`)) {
		n.run("reload", chromedp.Navigate(tb.b.base+"/console"))
		n.see("Signed in as")
	}
	return n
}

// setDate sets a date input (its typing is locale-dependent) as its picker does.
func (tb *tab) setDate(name, date string) { tb.t.Helper(); tb.setField(name, date, "input") }

// key presses keys (chromedp/kb names) on whatever has the focus.
func (tb *tab) key(keys string) {
	tb.t.Helper()
	tb.run("press keys", chromedp.KeyEvent(keys))
}

// focused describes the focused element: its label's text, else its own text.
func (tb *tab) focused() string {
	tb.t.Helper()
	return value(tb, "focused", chromedp.Evaluate[string](`(() => { const e = document.activeElement; if (!e) return ""; const l = e.closest("label"); return ((l ? l.textContent : "") || e.getAttribute("aria-label") || e.textContent || "").replace(/\s+/g, " ").trim(); })()`))
}

// tabTo presses Tab until the focused element's label starts with want.
func (tb *tab) tabTo(want string) {
	tb.t.Helper()
	for range 40 {
		tb.key("\t")
		if strings.HasPrefix(tb.focused(), want) {
			return
		}
	}
	tb.t.Fatalf("Tab never reached %q (last: %q)", want, tb.focused())
}

type consoleRow struct {
	name string
	run  func(t *testing.T, c *consoleWorld)
}

// consoleRows are the browser tests, each named in docs/seed-operations.md's Console
// column for the rows it does.
var consoleRows = []consoleRow{
	{"budget_and_headers", consoleBudget},
	{"000-02_authorize_workspace_limited", consoleAuthorizeWorkspace},
	{"000-03_authorize_keyboard_only_unlimited", consoleAuthorizeKeyboard},
	{"000-09_test_an_api", consoleTest},
	{"000-10_change_protocol", consoleChangeProtocol},
	{"000-11_authorized_to_use_delete", consoleAuthorizedToUseDelete},
	{"000-14_manage_revoke_withdraw_change", consoleManage},
	{"004-12_bulk_revoke", consoleBulkRevoke},
	{"000-06_unpublish", consoleUnpublish},
	{"000-07_delete", consoleDelete},
	{"000-17_appcode_shown_once", consoleAppCode},
	{"000-16_default_application", consoleDefaultApp},
	{"001-04_apply_and_review", consoleApplyAndReview},
	{"004-02_application_permissions", consoleAppPermissions},
	{"004-18_service_unit_development", consoleServiceUnit},
	{"004-22_audit", consoleAudit},
	{"005-01_scheduled_start", consoleScheduledStart},
	{"005-02_policy_refusal_in_words", consolePolicyRefusal},
	{"001-01_authorize_applications", consoleAuthorizeApps},
	{"004-07_field_list_per_environment", consoleFieldsPerEnv},
	{"004-08_proxy_permission", consoleProxy},
	{"004-09_create_api_usage_only", consoleUsageOnly},
	{"000-08_republish_authorize_again", consoleRepublish},
	{"001-07_app_owner_renewal_and_delete", consoleAppOwnerRenewAndDelete},
	{"001-05_reviewer_applies_approved_at_once", consoleReviewerApplies},
	{"004-01_protected_grant", consoleProtected},
	{"004-16_user_account_my_access", consoleUserGrant},
	{"004-20_service_unit_revocation", consoleUnitRevoke},
	{"000-05_test_shows_expired", consoleExpired},
	{"002-05_authorization_records", consoleRecords},
	{"roles_developer_and_other_reviewer", consoleRoles},
	{"sign_out_forgets_the_token", consoleSignOut},
}

// grantsOf lists api's grants as the reviewer.
func (c *consoleWorld) grantsOf(t *testing.T, api string) []client.Grant {
	t.Helper()
	res, err := c.w.reviewer.ListApiGrantsWithResponse(c.w.ctx, api, &client.ListApiGrantsParams{PageSize: ptr(100)})
	return expect(t, "ListApiGrants", res, err, 200).JSON200.Items
}

// onlyGrant is api's one grant.
func (c *consoleWorld) onlyGrant(t *testing.T, api string) client.Grant {
	t.Helper()
	gs := c.grantsOf(t, api)
	if len(gs) != 1 {
		t.Fatalf("%s has %d grants, want 1: %+v", api, len(gs), gs)
	}
	return gs[0]
}

// apiName is the name newAPI gives api.
func apiName(api string) string { return "Orders " + api }

// searchAPI opens screen of ws and searches it for api.
func searchAPI(tb *tab, screen, ws, api string) {
	tb.t.Helper()
	tb.goTo(screen, ws)
	tb.fill("API name", api)
	tb.clickAndLoad("Search")
}

// openAuthorize opens Published APIs of wsA and the Authorize dialog of api.
func openAuthorize(tb *tab, c *consoleWorld, api string) {
	tb.t.Helper()
	searchAPI(tb, "Published APIs", c.w.wsA, api)
	tb.clickIn(api, "Authorize")
	tb.dialog("API Authorization")
}

func consoleBudget(t *testing.T, c *consoleWorld) {
	sizes := consoleAssets(t, c.b.base)
	total := 0
	for _, n := range sizes {
		total += n
	}
	t.Logf("console assets, compressed: %d bytes in all %v (budget %d)", total, sizes, assetBudget)
	if total > assetBudget {
		t.Fatalf("the console sends %d bytes compressed, over the budget of %d: %v", total, assetBudget, sizes)
	}
	res, err := httpClient.Get(c.b.base + "/console")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline or eval", csp)
	}
	// First screen: how long the sign-in form took to be usable in a fresh tab (measured,
	// logged, not asserted: timings belong to benchmarks).
	tb, cancel := c.b.freshTab(t)
	defer cancel()
	tb.run("open", chromedp.Navigate(c.b.base+"/console"))
	tb.see("Development sign-in")
	ms := value(tb, "timing", chromedp.Evaluate[float64](`performance.now()`))
	t.Logf("first screen usable %.0f ms after navigation", ms)
	// The token lives in sessionStorage only: never localStorage or a cookie.
	r := c.reviewer.in(t)
	if got := value(r, "storage", chromedp.Evaluate[string](`JSON.stringify([localStorage.length, document.cookie, !!sessionStorage.getItem("gatepass.token")])`)); got != `[0,"",true]` {
		t.Fatalf("localStorage length, cookies, session token = %s, want [0,\"\",true]", got)
	}
}

// 000-02 (and 000-04, 004-10): Authorize a workspace of this or another tenant account
// until a date.
func consoleAuthorizeWorkspace(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.pick("Authorized workspace", w.wsB)
	// R29: the drop-down offers the tenant's registered workspaces, and no other tenant's.
	offered := value(r, "offered workspaces", chromedp.Evaluate[[]string](`[...`+node(field("Authorized workspace"))+`.options].map((o) => o.value)`))
	if got := strings.Join(offered, " "); !strings.Contains(got, w.wsA) || !strings.Contains(got, w.wsC) || strings.Contains(got, "ws-partner-"+w.sfx) {
		t.Fatalf("the drop-down offers %q: want the tenant's registered workspaces (%s, %s), not another tenant's", got, w.wsA, w.wsC)
	}
	r.pick("Period", "date")
	end := time.Now().UTC().AddDate(0, 0, 20)
	r.setDate("Expiration date", end.Format("2006-01-02"))
	r.check("total")
	r.fill("Reason For Grant", "quarterly report")
	r.see("16/128")
	r.click("OK")
	r.see("Authorized: 1 grant(s) created on " + apiName(api))
	g := c.onlyGrant(t, api)
	want := time.Date(end.Year(), end.Month(), end.Day(), 23, 59, 59, 0, time.UTC)
	if g.Subject.Type != client.SubjectTypeWORKSPACE || g.Subject.Id != w.wsB || g.EndTime == nil || !g.EndTime.Equal(want) || strings.Join(g.Fields, ",") != "total" || g.Reason != "quarterly report" {
		t.Fatalf("grant %+v: want wsB until %s with fields [total]", g, want)
	}
	wantReason(t, "an app of wsB", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)

	// Another tenant account: its workspace is named with its Tenant Account ID and id
	// (the drop-down lists only this tenant's).
	registerWorkspaces(w.ctx, t, w.otherAdmin, "ws-far-"+w.sfx) // R29: registered in its own tenant
	openAuthorize(r, c, api)
	r.fill("Tenant Account ID", w.other)
	r.fill("Authorized workspace", "ws-far-"+w.sfx)
	r.click("OK")
	r.gone("API Authorization") // the dialog closes on success (the first grant's notice is still on the page)
	r.see("Authorized: 1 grant(s) created")
	found := false
	for _, g := range c.grantsOf(t, api) {
		found = found || (g.Subject.TenantId == w.other && g.Subject.Id == "ws-far-"+w.sfx)
	}
	if !found {
		t.Fatalf("no grant to the other account's workspace: %+v", c.grantsOf(t, api))
	}

	// A refused grant keeps what was typed and shows the error code.
	openAuthorize(r, c, api)
	r.pick("Authorized workspace", w.wsB)
	r.click("OK")
	r.see("Conflict.GrantExists")
	if v := value(r, "kept", chromedp.Value(field("Authorized workspace"))); v != w.wsB {
		t.Fatalf("the form lost its input: %q", v)
	}
	r.key("\x1b") // Escape closes the dialog
	r.gone("API Authorization")
}

// 000-03: the Authorize dialog by keyboard alone, Unlimited.
func consoleAuthorizeKeyboard(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.see("Page 1 of 1 (1 in all)") // the list shows the search's answer, not the page before it
	r.run("focus Authorize", chromedp.Focus(rowControl(api, "Authorize")))
	r.key("\r")
	r.dialog("API Authorization")
	if f := r.focused(); !strings.HasPrefix(f, "Workspace") {
		t.Fatalf("the dialog opened with the focus on %q, want its first choice", f)
	}
	r.tabTo("Authorized workspace")
	// The drop-down by its arrow keys (typing its name would depend on the typing's pace).
	value(r, "the workspaces offered", chromedp.Poll[bool](node(field("Authorized workspace"))+`.options.length > 1`))
	for i := 0; value(r, "chosen", chromedp.Value(field("Authorized workspace"))) != w.wsB; i++ {
		if i == 50 {
			t.Fatalf("ArrowDown never reached %s", w.wsB)
		}
		r.key(kb.ArrowDown)
	}
	r.tabTo("Limited")
	r.key(kb.ArrowRight) // the radio group: Limited → Unlimited
	r.see("Never expires and must be revoked manually.")
	r.tabTo("Reason For Grant")
	r.key("keyboard only")
	r.tabTo("OK")
	r.key("\r")
	r.see("Authorized: 1 grant(s) created on " + apiName(api))
	g := c.onlyGrant(t, api)
	if g.EndTime != nil || g.Subject.Id != w.wsB || g.Reason != "keyboard only" {
		t.Fatalf("grant %+v: want wsB, Unlimited, the typed reason", g)
	}
	d := w.checkApp(t, api, app, client.EnvPROD)
	wantReason(t, "Unlimited", d, client.CheckReasonGRANTED)
	if d.ExpiresAt != nil {
		t.Fatalf("expires_at %v, want none", d.ExpiresAt)
	}
	// Focus stays in the dialog: Tab from its last control does not leave it.
	r.run("focus Authorize", chromedp.Focus(rowControl(api, "Authorize")))
	r.key("\r")
	r.dialog("API Authorization")
	for range 30 {
		r.key("\t")
		in := value(r, "in dialog", chromedp.Evaluate[bool](`!!document.activeElement.closest("dialog[open]") || document.activeElement === document.body`))
		if !in {
			t.Fatalf("Tab left the dialog for %q", r.focused())
		}
	}
	r.key("\x1b")
	r.gone("API Authorization")
}

// 000-09: Test shows the check's decision, reason, fields and expiry.
func consoleTest(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grantApp(t, api, app, prodOnly)
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Test")
	r.fill("App ID", app)
	r.click("Test")
	r.see("Allowed")
	r.see("GRANTED")
	r.see("id, total, region")
	r.pick("Environment", "DEV")
	r.click("Test")
	r.see("NO_GRANT")
	r.click("Close")
}

// 000-10: Change Protocol with its immediate-effect warning.
func consoleChangeProtocol(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grantApp(t, api, app, prodOnly)
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Change Protocol")
	r.see("Removing a protocol takes effect immediately.")
	r.check("HTTP")
	r.see("(removing HTTP)")
	r.click("OK")
	r.see(apiName(api) + " now accepts HTTPS.")
	wantReason(t, "over HTTP", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Protocol: ptr(client.ProtocolHTTP)}), client.CheckReasonPROTOCOLNOTALLOWED)
	wantReason(t, "over HTTPS", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Protocol: ptr(client.ProtocolHTTPS)}), client.CheckReasonGRANTED)
}

// 000-11 and 000-12: the grantee's Authorized to Use tab and its Delete.
func consoleAuthorizedToUseDelete(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(30)})
	o := c.bOwner.in(t)
	searchAPI(o, "Authorized to Use", w.wsB, api)
	o.see(apiName(api))
	o.clickIn(api, "Delete")
	o.see("loses access to " + apiName(api) + " at once")
	o.fill("Reason For Revocation", "no longer needed")
	o.click("Delete")
	o.see("Deleted: access ends at once.")
	wantReason(t, "after Delete", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonCANCELLED)
	if g := c.onlyGrant(t, api); g.Status != client.GrantStatusREVOKED {
		t.Fatalf("grant %s, want REVOKED", g.Status)
	}
}

// 000-13, 000-14 and 000-15: Authorize Others to Use → Manage → Revoke (with the
// notice and cancel_at), withdraw, and Change (earliest_end_time when refused).
func consoleManage(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grantApp(t, api, app, prodOnly)
	r := c.reviewer.in(t)
	searchAPI(r, "Authorize Others to Use", w.wsA, api)
	r.clickIn(api, "Manage")
	r.see("Manage " + apiName(api))
	r.clickIn(app, "Revoke")
	r.see("The grantee keeps access during the notice period")
	r.fill("Reason For Revocation", "moving to v2")
	r.click("Revoke")
	r.see("Revocation scheduled: the grant stays usable until")
	g := c.onlyGrant(t, api)
	if g.Status != client.GrantStatusCANCELLATIONPENDING || g.CancelAt == nil {
		t.Fatalf("grant %+v: want CANCELLATION_PENDING with cancel_at", g)
	}
	r.see(g.CancelAt.UTC().Format("2006-01-02 15:04:05")) // cancel_at shown
	wantReason(t, "during the notice", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	r.clickIn(app, "Withdraw revocation")
	r.see("Revocation withdrawn: the grant is active again.")
	if g := c.onlyGrant(t, api); g.Status != client.GrantStatusACTIVE {
		t.Fatalf("after withdraw: %s", g.Status)
	}
	// Change: shortening to tomorrow breaks the two days' notice.
	r.clickIn(app, "Change")
	r.setDate("Expiration date", time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02"))
	r.click("Change")
	r.see("InvalidParameter.Validity")
	r.see("Earliest end time:")
	r.setDate("Expiration date", time.Now().UTC().AddDate(0, 0, 60).Format("2006-01-02"))
	r.click("Change")
	r.see("Changed: the grant now ends")
	if g := c.onlyGrant(t, api); g.EndTime == nil || g.EndTime.Before(time.Now().AddDate(0, 0, 59)) {
		t.Fatalf("after Change: end %v, want 60 days on", g.EndTime)
	}
	// Renew (the reviewer's, at once).
	r.clickIn(app, "Renew")
	r.pick("Period", "180")
	r.click("Renew")
	r.see("Renewed.")
	if g := c.onlyGrant(t, api); g.EndTime == nil || g.EndTime.Before(time.Now().AddDate(0, 0, 179)) {
		t.Fatalf("after Renew: end %v, want 180 days on", g.EndTime)
	}
	r.click("Close")
}

// 004-12: Bulk revoke by apps, env and permission.
func consoleBulkRevoke(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	a1, a2 := w.newApp(t, "", ""), w.newApp(t, "", "")
	w.grantApp(t, api, a1, bothEnvs)
	w.grantApp(t, api, a2, bothEnvs)
	r := c.reviewer.in(t)
	searchAPI(r, "Authorize Others to Use", w.wsA, api)
	r.clickIn(api, "Manage")
	r.click("Bulk revoke")
	r.fill("Applications", a1+", "+a2)
	r.fill("Reason For Revocation", "retired")
	r.click("Submit")
	r.see("2 grant(s) revoked, effective")
	r.click("Close")
	for _, g := range c.grantsOf(t, api) {
		want := client.GrantStatusACTIVE
		if *g.Env == client.GrantEnvPROD {
			want = client.GrantStatusCANCELLATIONPENDING
		}
		if g.Status != want {
			t.Errorf("%s %s: %s, want %s", g.Subject.Id, *g.Env, g.Status, want)
		}
	}
}

// 000-06: Unpublish says every authorized workspace loses access, and they do.
func consoleUnpublish(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grantApp(t, api, app, prodOnly)
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Unpublish")
	r.see("Unpublishing the API revokes call access for all authorized workspaces.")
	r.click("Unpublish")
	r.see(apiName(api) + " is unpublished")
	wantReason(t, "after Unpublish", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonAPIUNPUBLISHED)
	// An unpublished API offers no Authorize: it is disabled with the reason (once the
	// list, loaded again after the notice, shows the API unpublished).
	value(r, "Authorize disabled on an unpublished API", chromedp.Poll[bool](`(() => { const e = `+node(rowControl(api, "Authorize"))+`; return !!e && e.disabled })()`))
}

// 000-07: Delete with its confirmation.
func consoleDelete(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grantApp(t, api, app, prodOnly)
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Delete")
	r.see("Deleting the API revokes call access for all authorized workspaces")
	r.click("Delete")
	r.see(apiName(api) + " is deleted.")
	wantReason(t, "after Delete", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonAPINOTFOUND)
}

var appCodeRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// 000-17: register an app: its AppCode is shown once, with Copy and the warning; rotate.
func consoleAppCode(t *testing.T, c *consoleWorld) {
	w := c.w
	ws := w.id("ws-apps")                     // a workspace of its own: one page of apps
	registerWorkspaces(w.ctx, t, w.admin, ws) // R29
	o := c.admin.in(t)
	o.goTo("Apps", ws)
	o.click("Register app")
	id := w.id("app")
	o.fill("App ID", id)
	o.fill("App name", "Reports "+id)
	o.click("Register")
	o.see("Copy the AppCode now: it cannot be shown again.")
	code := value(o, "AppCode", chromedp.Value(field("AppCode")))
	if !appCodeRE.MatchString(code) {
		t.Fatalf("AppCode %q: want 64 hex characters", code)
	}
	if !o.hasControl("Copy") {
		t.Fatal("no Copy button")
	}
	o.click("I have copied it")
	o.see("Reports " + id)
	if strings.Contains(o.text(), code) || strings.Contains(value(o, "html", chromedp.OuterHTML(chromedp.CSS("html"))), code) {
		t.Fatal("the AppCode is still on the page after its dialog closed")
	}
	res, err := w.admin.GetAppWithResponse(w.ctx, id)
	if strings.Contains(string(expect(t, "GetApp", res, err, 200).Body), code) {
		t.Fatal("GET /v1/apps shows the AppCode")
	}
	o.clickIn(id, "Rotate AppCode")
	o.see("Copy the AppCode now")
	rotated := value(o, "AppCode", chromedp.Value(field("AppCode")))
	if !appCodeRE.MatchString(rotated) || rotated == code {
		t.Fatalf("rotated AppCode %q (was %q)", rotated, code)
	}
	o.click("I have copied it")

	consoleCredentials(t, c, o, id)
}

// consoleCredentials drives the one credentials dialog for both kinds of app
// credential: Create shows the secret once (Copy, the warning), the list never shows a
// secret, Revoke revokes one, and a sixth live one is the server's 409 in words.
func consoleCredentials(t *testing.T, c *consoleWorld, o *tab, app string) {
	w := c.w
	type live struct{ names, body string } // the listed names, the listing's whole answer
	kinds := []struct {
		plural, noun, secret string
		list                 func() live
		create               func(key string) (int, []byte, error)
	}{
		{"AppCodes", "AppCode", "AppCode", func() live {
			res, err := w.admin.ListAppCodesWithResponse(w.ctx, app)
			var ns []string
			for _, c := range expect(t, "ListAppCodes", res, err, 200).JSON200.Items {
				ns = append(ns, c.Prefix)
			}
			return live{strings.Join(ns, ","), string(res.Body)}
		}, func(key string) (int, []byte, error) {
			res, err := w.admin.CreateAppCodeWithResponse(w.ctx, app, &client.CreateAppCodeParams{IdempotencyKey: &key})
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
		{"AppKeys", "AppKey", "AppSecret", func() live {
			res, err := w.admin.ListAppKeysWithResponse(w.ctx, app)
			var ns []string
			for _, k := range expect(t, "ListAppKeys", res, err, 200).JSON200.Items {
				ns = append(ns, k.AppKey)
			}
			return live{strings.Join(ns, ","), string(res.Body)}
		}, func(key string) (int, []byte, error) {
			res, err := w.admin.CreateAppKeyWithResponse(w.ctx, app, &client.CreateAppKeyParams{IdempotencyKey: &key})
			if err != nil {
				return 0, nil, err
			}
			return res.StatusCode(), res.Body, nil
		}},
	}
	for _, k := range kinds {
		before := k.list()
		n := len(strings.Split(before.names, ","))
		if before.names == "" {
			n = 0
		}
		o.clickInAndLoad(app, k.plural)
		o.dialog(k.plural + " of Reports " + app)
		o.click("Create " + k.noun)
		o.see("Copy the " + k.secret + " now: it cannot be shown again.")
		secret := value(o, k.secret, chromedp.Value(field(k.secret)))
		if len(secret) < 16 || !o.hasControl("Copy") {
			t.Fatalf("%s: the secret %q, or no Copy button", k.plural, secret)
		}
		name := secret[:6] // an AppCode is listed by its first 6 characters
		if k.noun == "AppKey" {
			name = value(o, "AppKey", chromedp.Value(field("AppKey")))
		}
		after := k.list()
		if strings.Contains(after.body, secret) || !strings.Contains(after.names, name) || len(strings.Split(after.names, ",")) != n+1 {
			t.Fatalf("%s listed %s after Create (want %d, with %s, never the secret)", k.plural, after.body, n+1, name)
		}
		o.click("I have copied it")
		o.gone("Copy the " + k.secret + " now")
		o.see(name) // the list has the new one, by its name alone
		if strings.Contains(value(o, "html", chromedp.OuterHTML(chromedp.CSS("html"))), secret) {
			t.Fatalf("the %s is still on the page", k.secret)
		}
		o.click("Revoke " + k.noun + " " + name)
		o.see(k.noun + " " + name + " revoked")
		if l := k.list(); strings.Contains(l.names, name) {
			t.Fatalf("%s after Revoke: %s", k.plural, l.names)
		}
		// Five live ones made elsewhere while the dialog shows fewer: the sixth is the
		// server's refusal, in words.
		for range 5 - n {
			if status, body, err := k.create(w.id("idem")); err != nil || status != 201 {
				t.Fatalf("create %s: %d %s %v, want 201", k.noun, status, body, err)
			}
		}
		o.click("Create " + k.noun)
		o.see("Conflict.CredentialLimit")
		o.see("at most 5 live credentials")
		o.click("Close")
		o.closed(k.plural + " of Reports " + app)
		// Opened again, the list has five: Create is not offered, and says why.
		o.clickInAndLoad(app, k.plural)
		o.see("At most 5 live " + k.plural + ": revoke one first.")
		if !value(o, "Create disabled", chromedp.Evaluate[bool](node(control("Create "+k.noun))+`.disabled`)) {
			t.Fatalf("Create %s is offered with five live ones", k.noun)
		}
		o.click("Close")
		o.closed(k.plural + " of Reports " + app)
	}
}

// 000-16: the workspace's default application.
func consoleDefaultApp(t *testing.T, c *consoleWorld) {
	w := c.w
	ws := w.id("ws-default")
	app := w.newApp(t, ws, "")
	api := w.newAPI(t, ws)
	a := c.admin.in(t)
	a.goTo("Apps", ws)
	a.clickIn(app, "Set as default")
	a.see("is now the default application of " + ws)
	d := w.checkApp(t, api, app, client.EnvPROD)
	wantBasis(t, "default app", d, client.DecisionBasisWORKSPACEDEFAULT)
}

// 001-04 (and 004-17): the app owner applies; the reviewer approves from the inbox.
func consoleApplyAndReview(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "u-member")
	m := c.member.in(t)
	m.goTo("Requests", w.wsB)
	m.click("Apply")
	m.fill("API ID", api)
	m.fill("App ID", app)
	m.fill("Reason For Grant", "dashboards")
	m.click("Apply")
	m.see("waits for a reviewer")
	r := c.reviewer.in(t)
	r.goTo("Requests", w.wsA)
	r.see("dashboards")
	r.clickIn("dashboards", "Approve")
	r.see("Approve request")
	r.click("Approve")
	r.see("Approved: the grant is in force.")
	wantReason(t, "after approval", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	// The user applies for themself and withdraws.
	m.goTo("Requests", w.wsB)
	m.click("Apply")
	m.fill("API ID", api)
	m.check("Myself (u-member)")
	m.fill("Reason For Grant", "ad hoc analysis")
	m.click("Apply")
	m.see("waits for a reviewer")
	m.see("ad hoc analysis")
	m.clickIn("ad hoc analysis", "Withdraw")
	m.see("Request withdrawn.")
	res, err := w.member.ListRequestsWithResponse(w.ctx, &client.ListRequestsParams{Requester: ptr(client.ListRequestsParamsRequesterMe), Status: ptr(client.RequestStatusWITHDRAWN)})
	if n := len(expect(t, "ListRequests", res, err, 200).JSON200.Items); n != 1 {
		t.Fatalf("%d withdrawn requests, want 1", n)
	}
}

// 004-02 and 004-03: Application Grant and Application Grant Revocation.
func consoleAppPermissions(t *testing.T, c *consoleWorld) {
	w := c.w
	ws := w.id("ws-group") // a workspace of its own: one page of apps
	api := w.newAPI(t, "")
	app := w.newApp(t, ws, "")
	w.grantApp(t, api, app, prodOnly)
	o := c.admin.in(t)
	o.goTo("Apps", ws)
	o.clickIn(app, "Application permissions")
	o.see("Application Grant")
	o.fill("Permission Account", "u-analyst")
	o.fill("Reason For Grant", "team member")
	o.click("Submit")
	o.see("u-analyst may now call through")
	user := "u-analyst"
	in := client.CheckInput{ApiId: api, AppId: &app, UserId: &user, Env: client.EnvPROD}
	wantReason(t, "user through app", w.decide(t, in), client.CheckReasonGRANTED)
	o.clickIn("u-analyst", "Revoke")
	o.see("Application Grant Revocation")
	o.click("Delete")
	o.see("Deleted: access ends at once.")
	wantReason(t, "after revocation", w.decide(t, in), client.CheckReasonUSERNOTPERMITTED)
	o.click("Close")
}

// 004-18 and 004-19: a service unit and its grant with Development Permission.
func consoleServiceUnit(t *testing.T, c *consoleWorld) {
	w := c.w
	r := c.reviewer.in(t)
	r.goTo("Service units", w.wsA)
	r.click("Create service unit")
	unit := w.id("unit")
	r.fill("Service unit ID", unit)
	r.fill("Service unit name", "Sales "+unit)
	r.click("Create")
	r.see("Service unit Sales " + unit + " created.")
	r.clickIn(unit, "Grants")
	r.fill("Permission Account", "u-builder")
	r.check("Development Permission")
	r.click("Submit")
	r.see("Service unit granted: 1 grant(s).")
	res, err := w.reviewer.ListUnitGrantsWithResponse(w.ctx, unit, nil)
	gs := expect(t, "ListUnitGrants", res, err, 200).JSON200.Items
	if len(gs) != 1 || len(gs[0].Permissions) != 2 || gs[0].Subject.Id != "u-builder" {
		t.Fatalf("unit grants %+v: want one to u-builder with USAGE and DEVELOPMENT", gs)
	}
	r.click("Close")
}

// 004-22: the audit of an API, newest first.
func consoleAudit(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	g := w.grantApp(t, api, app, prodOnly)[0]
	res, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, g.GrantId, &client.CancelGrantParams{}, client.CancelGrantInput{Reason: ptr("audit me")})
	expect(t, "CancelGrant", res, err, 202)
	r := c.reviewer.in(t)
	r.goTo("Audit", w.wsA)
	r.fill("API ID", api)
	r.clickAndLoad("Show audit")
	r.see("Grant Cancellation Scheduled")
	text := r.text()
	if i, j := strings.Index(text, "Grant Cancellation Scheduled"), strings.Index(text, "Grant Created"); i < 0 || j < 0 || i > j {
		t.Fatalf("want the cancellation above the creation (newest first):\n%s", text)
	}
}

// 005-01: Authorize with a start time: the grant is SCHEDULED, and Test says why the
// call is not yet let through and from when it will be.
func consoleScheduledStart(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.pick("Authorized workspace", w.wsB)
	r.setDate("Start time (UTC, optional)", start.Format("2006-01-02T15:04"))
	r.pick("Period", "30")
	r.click("OK")
	r.see("scheduled to start " + start.Format("2006-01-02 15:04:05"))
	g := c.onlyGrant(t, api)
	if g.Status != client.GrantStatusSCHEDULED || g.StartTime == nil || !g.StartTime.Equal(start) || g.EndTime == nil || !g.EndTime.Equal(start.Add(30*24*time.Hour)) {
		t.Fatalf("grant %+v: want SCHEDULED from %s for 30 days", g, start)
	}
	r.clickIn(api, "Test")
	r.fill("App ID", app)
	r.click("Test")
	r.see("NOT_YET_VALID")
	r.see("not in force before its start time")
	r.see("Starts at " + start.Format("2006-01-02 15:04:05"))
	r.click("Close")
	wantReason(t, "before the start", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonNOTYETVALID)
}

// 005-02: a reviewer sets the API's policy (Policy); a grant beyond it is refused, and
// the console says which cap in words, keeping the form.
func consolePolicyRefusal(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Policy")
	r.dialog("Policy of " + apiName(api))
	r.fill("Maximum validity (days)", "90")
	r.fill("Reason", "sensitive data")
	r.click("Save policy")
	r.see("Policy of " + apiName(api) + " saved")
	res, err := w.reviewer.GetApiPolicyWithResponse(w.ctx, api)
	if p := expect(t, "GetApiPolicy", res, err, 200).JSON200; p.MaxValidityDays == nil || *p.MaxValidityDays != 90 || p.MaxRenewalDays != nil || p.Version != 1 {
		t.Fatalf("policy %+v: want max_validity_days 90 alone, version 1", p)
	}
	openAuthorize(r, c, api)
	r.pick("Authorized workspace", w.wsB)
	r.check("Unlimited")
	r.click("OK")
	r.see("InvalidParameter.Policy")
	r.see("The policy allows a validity period of at most 90 days")
	if v := value(r, "kept", chromedp.Value(field("Authorized workspace"))); v != w.wsB {
		t.Fatalf("the form lost its input: %q", v)
	}
	if gs := c.grantsOf(t, api); len(gs) != 0 {
		t.Fatalf("a refused grant was written: %+v", gs)
	}
	r.check("Limited")
	r.pick("Period", "90")
	r.click("OK")
	r.see("Authorized: 1 grant(s) created on " + apiName(api))
}

// Roles: a developer is offered no Authorize; a reviewer of another workspace gets the
// server's 403 in words.
func consoleRoles(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	dev := c.b.signIn(t, "u-dev", w.tenant, "ws:"+w.wsA+":developer")
	searchAPI(dev, "Published APIs", w.wsA, api)
	dev.see(apiName(api))
	if dev.hasControl("Authorize "+apiName(api)) || dev.hasControl("Authorize") {
		t.Fatal("a developer is offered Authorize")
	}
	other := c.b.signIn(t, "u-creviewer", w.tenant, "ws:"+w.wsC+":reviewer")
	other.goTo("Authorize Others to Use", w.wsA)
	other.see("Forbidden.Access")
	other.see("You may not do this: your roles do not allow it here.")
}

// Signing out forgets the token.
func consoleSignOut(t *testing.T, c *consoleWorld) {
	tb := c.b.signIn(t, "u-leaving", c.w.tenant, "checker")
	tb.click("Sign out")
	tb.see("Development sign-in")
	if got := value(tb, "token", chromedp.Evaluate[bool](`sessionStorage.getItem("gatepass.token") === null && localStorage.length === 0`)); !got {
		t.Fatal("the token survived signing out")
	}
}
