package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gatepass/shared/client"
)

// The browser tests of the rows of docs/seed-operations.md that the first ones left:
// each does its rows by clicking and typing, then asserts the effect through the API.

// closed waits until the dialog titled title has closed.
func (tb *tab) closed(title string) {
	tb.t.Helper()
	tb.run("the dialog "+title+" closed", chromedp.WaitNotPresent(`//dialog[@open][.//h2[normalize-space(.)=`+xq(title)+`]]`))
}

// 001-01 (and 000-19, 004-04, 004-05, 004-21): Authorize several applications, of this
// workspace and another, in both runtime environments: one grant per (app, env), each
// the check names; one already granted refuses the whole request.
func consoleAuthorizeApps(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	a1, a2, a3 := w.newApp(t, "", ""), w.newApp(t, w.wsC, ""), w.newApp(t, "", "")
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.check("Applications")
	r.fill("Applications", a1+", "+a2)
	r.check("Development (DEV)")
	r.click("OK")
	r.see("Authorized: 4 grant(s) created on " + apiName(api))
	ids := map[string]bool{}
	for _, app := range []string{a1, a2} {
		for _, env := range bothEnvs {
			d := w.checkApp(t, api, app, env)
			wantReason(t, app+" "+string(env), d, client.CheckReasonGRANTED)
			ids[*d.GrantId] = true
		}
	}
	if len(ids) != 4 {
		t.Fatalf("the checks named %d grants, want one per app and env (4)", len(ids))
	}
	for _, g := range c.grantsOf(t, api) {
		if g.Subject.Type != client.SubjectTypeAPP || g.CreatorId != "u-apiowner" {
			t.Fatalf("grant %+v: want an APP grant made by the reviewer", g)
		}
	}
	// All or none: a1 is granted already, so a3 is not either.
	openAuthorize(r, c, api)
	r.check("Applications")
	r.fill("Applications", a3+" "+a1)
	r.click("OK")
	r.see("APP " + a1 + " PROD: Conflict.GrantExists")
	wantReason(t, "the app of the refused request", w.checkApp(t, api, a3, client.EnvPROD), client.CheckReasonNOGRANT)
	if v := value(r, "kept", chromedp.Value(field("Applications"))); v != a3+" "+a1 {
		t.Fatalf("the form lost its input: %q", v)
	}
	r.key("\x1b")
	r.closed("API Authorization")
}

// 004-07: one grant per environment, each with its own Permission Field List.
func consoleFieldsPerEnv(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	r := c.reviewer.in(t)
	for _, e := range []struct{ env, field string }{{"PROD", "total"}, {"DEV", "region"}} {
		openAuthorize(r, c, api)
		r.pick("Authorized workspace", w.wsB)
		if e.env == "DEV" {
			r.check("Production (PROD)") // off
			r.check("Development (DEV)")
		}
		r.check(e.field)
		r.click("OK")
		r.closed("API Authorization")
	}
	for env, want := range map[client.Env]string{client.EnvPROD: "total", client.EnvDEV: "region"} {
		d := w.checkApp(t, api, app, env)
		wantReason(t, string(env), d, client.CheckReasonGRANTED)
		if strings.Join(d.Fields, ",") != want {
			t.Fatalf("%s: fields %v, want [%s]", env, d.Fields, want)
		}
	}
}

// 004-08 (and 004-23, 004-13, 004-14): Proxy Permission on a row-level READ API, offered
// to applications only; then the tenant_admin revokes Proxy alone on one grant and Usage
// (which takes Proxy) on the other, at once.
func consoleProxy(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "") // row-level READ
	a1, a2 := w.newApp(t, "", ""), w.newApp(t, "", "")
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.see("Row-level Permission Active") // on the API's row behind the dialog
	r.see("Proxy Permission is for applications only.")
	r.check("Applications")
	r.fill("Applications", a1+" "+a2)
	r.check("Proxy Permission")
	r.click("OK")
	r.see("Authorized: 2 grant(s) created on " + apiName(api))
	proxy := func(app string, on bool) client.Decision {
		return w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Proxy: ptr(on)})
	}
	wantReason(t, "proxy mode", proxy(a1, true), client.CheckReasonGRANTED)

	a := c.admin.in(t)
	searchAPI(a, "Authorize Others to Use", w.wsA, api)
	a.clickIn(api, "Manage")
	a.clickIn(a1, "Revoke")
	a.check("Revoke Proxy Permission only (keep Usage)")
	a.check("Immediately (tenant_admin: no notice)")
	a.click("Revoke")
	a.closed("Revoke")
	wantReason(t, "proxy mode after revoking Proxy", proxy(a1, true), client.CheckReasonPROXYNOTGRANTED)
	wantReason(t, "usage after revoking Proxy", proxy(a1, false), client.CheckReasonGRANTED)
	a.clickIn(a2, "Revoke")
	a.check("Immediately (tenant_admin: no notice)")
	a.click("Revoke")
	a.closed("Revoke")
	wantReason(t, "proxy mode after revoking Usage", proxy(a2, true), client.CheckReasonCANCELLED)
	wantReason(t, "usage after revoking Usage", proxy(a2, false), client.CheckReasonCANCELLED)
	a.click("Close")
}

// 004-09: a CREATE API offers no field list and no Proxy: Usage alone.
func consoleUsageOnly(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "", func(in *client.ApiInput) { in.Operation = client.OperationCREATE; in.RowLevel = ptr(false) })
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.see("Proxy Permission needs a READ API with row-level permissions.")
	if strings.Contains(value(r, "dialog", chromedp.Text(chromedp.CSS("dialog[open]"))), "Permission Field List") {
		t.Fatal("a CREATE API offers a field list")
	}
	r.pick("Authorized workspace", w.wsB)
	r.click("OK")
	r.see("Authorized: 1 grant(s) created on " + apiName(api))
	if g := c.onlyGrant(t, api); len(g.Fields) != 0 || len(g.Permissions) != 1 || g.Permissions[0] != client.PermissionUSAGE {
		t.Fatalf("grant %+v: want Usage alone, no fields", g)
	}
}

// 000-08: republishing keeps no grant; the workspace is authorized again.
func consoleRepublish(t *testing.T, c *consoleWorld) {
	w := c.w
	var in client.ApiInput
	api := w.newAPI(t, "", func(i *client.ApiInput) { in = *i })
	app := w.newApp(t, "", "")
	w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(30)})
	in.Status = ptr(client.ApiStatusUNPUBLISHED)
	res, err := w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
	expect(t, "Unpublish", res, err, 200)
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api)
	r.clickIn(api, "Publish")
	r.see("workspaces that were authorized before must be authorized again")
	r.click("Publish")
	r.see(apiName(api) + " is published.")
	wantReason(t, "after republishing", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonNOGRANT)
	r.clickIn(api, "Authorize")
	r.dialog("API Authorization")
	r.pick("Authorized workspace", w.wsB)
	r.click("OK")
	r.see("Authorized: 1 grant(s) created on " + apiName(api))
	wantReason(t, "authorized again", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
}

// 001-07 and 001-03: the app's owner asks for a renewal (a reviewer approves it), then
// deletes the app's grant from Authorized to Use, at once.
func consoleAppOwnerRenewAndDelete(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "") // u-member's
	w.grantApp(t, api, app, prodOnly)
	m := c.member.in(t)
	searchAPI(m, "Authorized to Use", w.wsB, api)
	m.clickIn(api, "Renew")
	m.pick("Period", "180")
	reason := "renew " + api
	m.fill("Reason", reason)
	m.click("Renew")
	m.see("Renewal requested: a reviewer of the API decides.")
	if g := c.onlyGrant(t, api); g.EndTime == nil || g.EndTime.After(time.Now().AddDate(0, 0, 31)) {
		t.Fatalf("a requested renewal changed the grant: %+v", g)
	}
	r := c.reviewer.in(t)
	r.goTo("Requests", w.wsA)
	r.clickIn(reason, "Approve")
	r.dialog("Approve request")
	r.click("Approve")
	r.see("Approved: the grant is in force.")
	if g := c.onlyGrant(t, api); g.EndTime == nil || g.EndTime.Before(time.Now().AddDate(0, 0, 179)) {
		t.Fatalf("after the approved renewal: end %v, want 180 days on", g.EndTime)
	}
	m.clickIn(api, "Delete")
	m.fill("Reason For Revocation", "moved to v2")
	m.click("Delete")
	m.see("Deleted: access ends at once.")
	wantReason(t, "after the app side's Delete", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonCANCELLED)
}

// 001-05: a reviewer of the API applies: approved at once.
func consoleReviewerApplies(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "u-apiowner")
	r := c.reviewer.in(t)
	r.goTo("Requests", w.wsA)
	r.click("Apply")
	r.fill("API ID", api)
	r.fill("App ID", app)
	r.click("Apply")
	r.see("Approved at once (you review this API): the grant is in force.")
	wantReason(t, "at once", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
}

// 004-01: the tenant_admin's protected grant: Manage offers no Revoke, and the API
// refuses one.
func consoleProtected(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	a := c.admin.in(t)
	openAuthorize(a, c, api)
	a.pick("Authorized workspace", w.wsB)
	a.check("Protected (the super administrator's: cannot be revoked)")
	a.click("OK")
	a.see("Authorized: 1 grant(s) created on " + apiName(api))
	g := c.onlyGrant(t, api)
	if !g.Protected {
		t.Fatalf("grant %+v: want protected", g)
	}
	searchAPI(a, "Authorize Others to Use", w.wsA, api)
	a.clickIn(api, "Manage")
	a.see("protected: cannot be revoked")
	if a.hasControl("Revoke " + w.wsB + " PROD") {
		t.Fatal("Manage offers Revoke on a protected grant")
	}
	a.click("Close")
	res, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, g.GrantId, &client.CancelGrantParams{}, client.CancelGrantInput{})
	expectError(t, "cancel a protected grant", res, err, 403, "Forbidden.GrantProtected")
}

// 004-16 and 004-15: a user's own API grant: granted from Authorize, deleted by the user
// from My access at once; the other env revoked by Bulk revoke, User Account.
func consoleUserGrant(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	user := "u-member"
	r := c.reviewer.in(t)
	openAuthorize(r, c, api)
	r.check("User")
	r.fill("User", user)
	r.check("Development (DEV)")
	r.click("OK")
	r.see("Authorized: 2 grant(s) created on " + apiName(api))
	byUser := func(env client.Env) client.Decision {
		return w.decide(t, client.CheckInput{ApiId: api, UserId: &user, Env: env})
	}
	wantReason(t, "the user", byUser(client.EnvPROD), client.CheckReasonGRANTED)
	m := c.member.in(t)
	m.goTo("My access", w.wsB)
	m.click("Delete " + apiName(api) + " PROD")
	m.fill("Reason For Revocation", "not needed")
	m.click("Delete")
	m.see("Deleted: access ends at once.")
	wantReason(t, "PROD after the user's Delete", byUser(client.EnvPROD), client.CheckReasonCANCELLED)
	wantReason(t, "DEV untouched", byUser(client.EnvDEV), client.CheckReasonGRANTED)

	searchAPI(r, "Authorize Others to Use", w.wsA, api)
	r.clickIn(api, "Manage")
	r.click("Bulk revoke")
	r.check("User Account")
	r.fill("Permission Account", user)
	r.check("Production (PROD)") // off
	r.check("Development (DEV)")
	r.fill("Reason For Revocation", "left the team")
	r.click("Submit")
	r.see("1 grant(s) revoked, effective")
	r.click("Close")
	for _, g := range c.grantsOf(t, api) {
		if *g.Env == client.GrantEnvDEV && (g.Status != client.GrantStatusCANCELLATIONPENDING || g.CancelAt == nil) {
			t.Fatalf("DEV grant %+v: want CANCELLATION_PENDING with cancel_at", g)
		}
	}
}

// 004-20: Service Unit Permission Revocation: with the notice.
func consoleUnitRevoke(t *testing.T, c *consoleWorld) {
	w := c.w
	unit := w.newUnit(t)
	res, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.userSubject("u-builder")), Envs: prodOnly, Validity: days(30)})
	expect(t, "CreateUnitGrants", res, err, 201)
	r := c.reviewer.in(t)
	r.goTo("Service units", w.wsA)
	r.clickIn(unit, "Grants")
	r.clickIn("u-builder", "Revoke")
	r.fill("Reason For Revocation", "project over")
	r.click("Revoke")
	r.see("Revocation scheduled: the grant stays usable until")
	lr, err := w.reviewer.ListUnitGrantsWithResponse(w.ctx, unit, nil)
	gs := expect(t, "ListUnitGrants", lr, err, 200).JSON200.Items
	if len(gs) != 1 || gs[0].Status != client.GrantStatusCANCELLATIONPENDING || gs[0].CancelAt == nil {
		t.Fatalf("unit grants %+v: want one CANCELLATION_PENDING with cancel_at", gs)
	}
	r.see(gs[0].CancelAt.UTC().Format("2006-01-02 15:04:05"))
	r.click("Close")
}

// 000-05: Test shows EXPIRED once a Limited grant's date has passed.
func consoleExpired(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: untilUnix(t, time.Now().Add(2*time.Second))})
	r := c.reviewer.in(t)
	searchAPI(r, "Published APIs", w.wsA, api) // meanwhile the date comes
	in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
	w.waitReason(t, "the grant to expire", in, client.CheckReasonEXPIRED)
	r.clickIn(api, "Test")
	r.fill("App ID", app)
	r.click("Test")
	r.see("EXPIRED")
	r.see("Denied")
	r.click("Close")
	if g := c.onlyGrant(t, api); g.Status != client.GrantStatusEXPIRED {
		t.Fatalf("grant %s, want EXPIRED", g.Status)
	}
}

// 002-05 and 002-04: Authorize Others to Use shows each API's authorization records and
// the total count.
func consoleRecords(t *testing.T, c *consoleWorld) {
	w := c.w
	api := w.newAPI(t, "")
	app := w.newApp(t, "", "")
	g := w.grantApp(t, api, app, prodOnly)[0]
	r := c.reviewer.in(t)
	searchAPI(r, "Authorize Others to Use", w.wsA, api)
	r.see("APP " + app + " · PROD · until " + g.EndTime.UTC().Format("2006-01-02 15:04:05") + " UTC · by u-apiowner")
	r.see("Page 1 of 1 (1 in all)")
	res, err := w.reviewer.ListGrantedApisWithResponse(w.ctx, w.wsA, &client.ListGrantedApisParams{ApiNameKeyword: ptr(api), PageNumber: ptr(2)})
	if p := expect(t, "ListGrantedApis page 2", res, err, 200).JSON200; p.TotalCount != 1 || len(p.Items) != 0 {
		t.Fatalf("page past the end: %d items, total %d; want none and 1", len(p.Items), p.TotalCount)
	}
	if !value(r, "Next page", chromedp.Evaluate[bool](node(control("Next page"))+`.disabled`)) {
		t.Fatal("Next page is offered past the last page")
	}
}
