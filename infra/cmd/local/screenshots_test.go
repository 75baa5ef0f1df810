package main

import (
	"os"
	"testing"

	"gatepass/shared/client"
)

// TestConsole_Screenshots is `make screenshots`: with GATEPASS_SCREENSHOTS=<folder> it
// fills the development server with a small world and writes a PNG of each screen of
// the console at 1280×800 and 390×844. Without the variable it does nothing (it makes
// pictures; TestConsole is the test).
func TestConsole_Screenshots(t *testing.T) {
	dir := screenshotDir()
	if dir == "" {
		t.Skip("set GATEPASS_SCREENSHOTS=<folder> (make screenshots does) to write the console's screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CANCEL_NOTICE", "48h")
	st := devServer(t)
	b := newBrowser(t, st)
	w := newSeedWorld(t, st)

	// A world worth a picture: named APIs, apps, grants of each kind, a pending request.
	names := []string{"Customer orders", "Daily revenue", "Inventory levels", "Shipment tracking"}
	apis := map[string]string{}
	for _, n := range names {
		apis[n] = w.newAPI(t, "", func(in *client.ApiInput) { in.Name = n })
	}
	reports := w.newApp(t, "", "u-member")
	etl := w.newApp(t, "", "u-member")
	w.grant(t, w.reviewer, apis["Customer orders"], client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(90), Reason: ptr("BI dashboards")})
	w.grantApp(t, apis["Daily revenue"], reports, bothEnvs)
	g := w.grantApp(t, apis["Inventory levels"], etl, prodOnly)[0]
	res, err := w.reviewer.CancelGrantWithResponse(w.ctx, apis["Inventory levels"], g.GrantId, &client.CancelGrantParams{}, client.CancelGrantInput{Reason: ptr("moving to v2")})
	expect(t, "CancelGrant", res, err, 202)
	app, err := w.member.ApplyForApiWithResponse(w.ctx, apis["Shipment tracking"], nil, client.ApplicationInput{AppId: &etl, Envs: prodOnly, Validity: days(30), Reason: ptr("nightly sync")})
	expect(t, "ApplyForApi", app, err, 202)
	unit := w.newUnit(t)

	shot := func(tb *tab, name string) {
		tb.screenshot(dir, name, 1280, 800)
		tb.screenshot(dir, name, 390, 844)
		tb.run("back to 1280", emulate(1280, 800))
	}
	fresh, cancel := b.freshTab(t)
	defer cancel()
	fresh.run("open", navigate(b.base+"/console"))
	fresh.see("Development sign-in")
	shot(fresh, "signin")

	r := b.signIn(t, "u-apiowner", w.tenant, "ws:"+w.wsA+":owner", "checker")
	r.goTo("Published APIs", w.wsA)
	r.see("Customer orders")
	shot(r, "published-apis")
	r.clickIn("Daily revenue", "Authorize")
	r.see("API Authorization")
	r.pick("Authorized workspace", w.wsB)
	r.fill("Reason For Grant", "monthly close")
	shot(r, "authorize-dialog")
	r.key("\x1b")
	r.clickIn("Daily revenue", "Test")
	r.fill("App ID", reports)
	r.click("Test")
	r.see("GRANTED")
	shot(r, "test-dialog")
	r.key("\x1b")
	r.goTo("Authorize Others to Use", w.wsA)
	r.see("Inventory levels")
	shot(r, "authorize-others-to-use")
	r.clickIn("Inventory levels", "Manage")
	r.see("Withdraw revocation")
	shot(r, "manage-grants")
	r.key("\x1b")
	r.goTo("Requests", w.wsA)
	r.see("nightly sync")
	shot(r, "requests")
	r.goTo("Service units", w.wsA)
	r.see(unit)
	shot(r, "service-units")
	r.goTo("Audit", w.wsA)
	r.fill("API ID", apis["Inventory levels"])
	r.clickAndLoad("Show audit")
	r.see("Grant Cancellation Scheduled")
	shot(r, "audit")

	o := b.signIn(t, "u-bowner", w.tenant, "ws:"+w.wsB+":owner")
	o.goTo("Authorized to Use", w.wsB)
	o.see("Customer orders")
	shot(o, "authorized-to-use")
	o.goTo("Apps", w.wsB)
	o.see(reports)
	shot(o, "apps")
	o.click("Register app")
	o.fill("App ID", "app-dashboards-"+w.sfx)
	o.fill("App name", "Dashboards")
	o.click("Register")
	o.see("Copy the AppCode now")
	shot(o, "appcode-once")
	o.click("I have copied it")
	o.gone("Copy the AppCode now")
	o.clickIn(reports, "AppKeys")
	o.dialog("AppKeys of App " + reports)
	o.see("No AppKey yet")
	o.clickAndLoad("Create AppKey") // the list shows the new key too
	o.see("Copy the AppSecret now")
	shot(o, "appkeys")
	o.click("I have copied it")
	o.click("Close")
	o.clickInAndLoad(reports, "AppCodes") // its list drawn: Create AppCode stays put
	o.dialog("AppCodes of App " + reports)
	o.clickAndLoad("Create AppCode")
	o.see("Copy the AppCode now")
	shot(o, "appcodes")
	o.click("I have copied it")
	o.click("Close")
	o.clickIn(reports, "Application permissions")
	o.see("Application Grant")
	shot(o, "application-permissions")
	o.key("\x1b")

	m := b.signIn(t, "u-member", w.tenant, "ws:"+w.wsB+":developer")
	m.goTo("My access", w.wsB)
	m.see("My requests")
	shot(m, "my-access")
}
