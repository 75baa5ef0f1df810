package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatepass/shared/client"
)

// seedRow is one row of docs/seed-operations.md: a permission operation of a seed
// product, carried out as a user of that product would, through the generated client
// against the development server.
type seedRow struct {
	name string // the subtest: "<row id>_<what>"
	run  func(t *testing.T, w *seedWorld)
}

// TestSeedOperations drives every row of docs/seed-operations.md that names it.
func TestSeedOperations(t *testing.T) {
	t.Setenv("CANCEL_NOTICE", seedNotice.String())
	st := devServer(t)
	w := newSeedWorld(t, st)
	for _, r := range seedRows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			r.run(t, w)
		})
	}
}

// TestSeedOperations_TableAgrees keeps docs/seed-operations.md and this file in step:
// every row names an end-to-end test that exists (a subtest of TestSeedOperations or a
// test function of the repository) or says "not built", every rule test it names
// exists, and every subtest here is the test of exactly one row; the console column
// names only subtests of TestConsole, and each row-named browser test is named there.
func TestSeedOperations_TableAgrees(t *testing.T) {
	ids, rows := seedDocRows(t)
	if len(ids) == 0 {
		t.Fatal("docs/seed-operations.md has no rows")
	}
	funcs := testFuncs(t)
	subtests := map[string]bool{}
	for _, r := range seedRows {
		if subtests[r.name] {
			t.Errorf("subtest %s twice", r.name)
		}
		subtests[r.name] = true
	}
	named := map[string]int{}
	consoleTests, consoleNamed := map[string]bool{}, map[string]bool{}
	for _, r := range consoleRows {
		consoleTests[r.name] = true
	}
	for _, id := range ids {
		cells := rows[id]
		if len(cells) != 8 {
			t.Errorf("row %s: %d cells, want 8 (row, seed, operation, route, end-to-end test, rule tests, difference, console)", id, len(cells))
			continue
		}
		for _, name := range backticked(cells[7]) {
			sub, ok := strings.CutPrefix(name, "TestConsole/")
			if !ok || !consoleTests[sub] {
				t.Errorf("row %s: the console column names %s, not a subtest of TestConsole", id, name)
			}
			consoleNamed[sub] = true
		}
		e2e, ruleTests := backticked(cells[4]), backticked(cells[5])
		if len(e2e) == 0 && !strings.Contains(cells[4], "not built") {
			t.Errorf("row %s names no end-to-end test and does not say \"not built\"", id)
		}
		for _, name := range e2e {
			if sub, ok := strings.CutPrefix(name, "TestSeedOperations/"); ok {
				if !subtests[sub] {
					t.Errorf("row %s: no subtest %s in seedRows", id, sub)
				}
				if !strings.HasPrefix(sub, id+"_") {
					t.Errorf("row %s names %s, the subtest of another row", id, name)
				}
				named[sub]++
				continue
			}
			if !funcs[name] {
				t.Errorf("row %s: no test %s", id, name)
			}
		}
		for _, name := range ruleTests {
			if !funcs[name] {
				t.Errorf("row %s: no rule test %s", id, name)
			}
		}
	}
	for _, r := range seedRows {
		if named[r.name] != 1 {
			t.Errorf("subtest %s is named by %d rows, want 1", r.name, named[r.name])
		}
	}
	// A browser test named after a row is that row's.
	for _, r := range consoleRows {
		if regexp.MustCompile(`^\d{3}-\d{2}_`).MatchString(r.name) && !consoleNamed[r.name] {
			t.Errorf("TestConsole/%s is named by no row's console column", r.name)
		}
	}
}

// backticked is every `TestX` name in a cell.
func backticked(cell string) []string {
	var names []string
	for i, part := range strings.Split(cell, "`") {
		if i%2 == 1 && strings.HasPrefix(part, "Test") {
			names = append(names, part)
		}
	}
	return names
}

var seedRows = []seedRow{
	// 000: DataWorks, grant permissions to call an API
	{"000-01_only_published_api_can_be_authorized", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "", func(in *client.ApiInput) { in.Status = ptr(client.ApiStatusUNPUBLISHED) })
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{
			Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "Authorize an unpublished API", res, err, 409, "Conflict.ApiNotPublished")
	}},
	{"000-02_authorize_workspace_limited", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		end := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: until(t, end)})[0]
		if g.ApiName == nil || !strings.HasPrefix(*g.ApiName, "Orders ") || g.Subject != w.wsSubject(w.wsB) ||
			g.EndTime == nil || !g.EndTime.Equal(end) || g.Status != client.GrantStatusACTIVE {
			t.Fatalf("grant: %+v", g)
		}
		d := w.checkApp(t, api, app, client.EnvPROD)
		wantBasis(t, "an app of the authorized workspace", d, client.DecisionBasisGRANT)
		if d.ExpiresAt == nil || !d.ExpiresAt.Equal(end) || d.GrantId == nil || *d.GrantId != g.GrantId {
			t.Fatalf("check: %+v", d)
		}
		wantReason(t, "an app of another workspace", w.checkApp(t, api, w.newApp(t, w.wsC, ""), client.EnvPROD), client.CheckReasonNOGRANT)
	}},
	{"000-03_authorize_workspace_unlimited", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})[0]
		if g.EndTime != nil {
			t.Fatalf("unlimited grant has end_time %v", g.EndTime)
		}
		if d := w.checkApp(t, api, app, client.EnvPROD); !d.Allowed || d.ExpiresAt != nil {
			t.Fatalf("check: %+v", d)
		}
	}},
	{"000-04_authorize_workspace_of_another_account", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.id("app")
		res, err := w.otherAdmin.PutAppWithResponse(w.ctx, app, nil, client.AppInput{WorkspaceId: "ws-partner-" + w.sfx, Name: "Partner"})
		expect(t, "PutApp (other account)", res, err, 201)
		w.grant(t, w.reviewer, api, client.GrantInput{
			Subject: &client.Subject{Type: client.SubjectTypeWORKSPACE, Id: "ws-partner-" + w.sfx, TenantId: w.other},
			Envs:    prodOnly, Validity: days(30)})
		wantBasis(t, "the other account's app", w.checkApp(t, api, app, client.EnvPROD), client.DecisionBasisGRANT)
		seen, err := w.otherAdmin.ListAuthorizedApisWithResponse(w.ctx, "ws-partner-"+w.sfx, nil)
		if p := expect(t, "ListAuthorizedApis (other account)", seen, err, 200).JSON200; p.TotalCount != 1 || *p.Items[0].ApiId != api {
			t.Fatalf("the other account's Authorized to Use: %+v", p)
		}
	}},
	{"000-05_limited_validity_ends_at_the_date", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		end := time.Now().Add(3 * time.Second)
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: untilUnix(t, end)})[0]
		in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
		wantReason(t, "before the date", w.decide(t, in), client.CheckReasonGRANTED)
		w.waitReason(t, "the grant to expire", in, client.CheckReasonEXPIRED)
		got, err := w.reviewer.GetGrantWithResponse(w.ctx, api, g.GrantId)
		if s := expect(t, "GetGrant", got, err, 200).JSON200.Status; s != client.GrantStatusEXPIRED {
			t.Fatalf("status %s, want EXPIRED", s)
		}
	}},
	{"000-06_unpublish_revokes_all_workspaces", func(t *testing.T, w *seedWorld) {
		var in client.ApiInput
		api := w.newAPI(t, "", func(i *client.ApiInput) { in = *i })
		appB, appC := w.newApp(t, "", ""), w.newApp(t, w.wsC, "")
		w.grant(t, w.reviewer, api, client.GrantInput{Subjects: &[]client.Subject{w.wsSubject(w.wsB), w.wsSubject(w.wsC)}, Envs: prodOnly, Validity: unlimited()})
		w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.appSubject(appB)), Envs: envs(client.EnvDEV), Validity: unlimited(), Protected: ptr(true)})
		in.Status = ptr(client.ApiStatusUNPUBLISHED)
		res, err := w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Unpublish", res, err, 200)
		for _, app := range []string{appB, appC} {
			wantReason(t, "after unpublishing", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonAPIUNPUBLISHED)
		}
		in.Status = ptr(client.ApiStatusPUBLISHED)
		res, err = w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Republish", res, err, 200)
		wantReason(t, "workspace B after republishing", w.checkApp(t, api, appB, client.EnvPROD), client.CheckReasonNOGRANT)
		wantReason(t, "workspace C after republishing", w.checkApp(t, api, appC, client.EnvPROD), client.CheckReasonNOGRANT)
		wantReason(t, "the protected grant after republishing", w.checkApp(t, api, appB, client.EnvDEV), client.CheckReasonNOGRANT)
	}},
	{"000-07_delete_revokes_all", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})[0]
		res, err := w.reviewer.DeleteApiWithResponse(w.ctx, api, nil)
		expect(t, "DeleteApi", res, err, 204)
		wantReason(t, "after deleting", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonAPINOTFOUND)
		got, err := w.reviewer.GetGrantWithResponse(w.ctx, api, g.GrantId)
		expect(t, "GetGrant of a deleted API", got, err, 404)
	}},
	{"000-08_republish_needs_reauthorization", func(t *testing.T, w *seedWorld) {
		var in client.ApiInput
		api := w.newAPI(t, "", func(i *client.ApiInput) { in = *i })
		app := w.newApp(t, "", "")
		subject := client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()}
		w.grant(t, w.reviewer, api, subject)
		in.Name += " (renamed while published)" // an update that stays published keeps the grants
		res, err := w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Modify while published", res, err, 200)
		wantReason(t, "after modifying while published", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
		in.Status = ptr(client.ApiStatusUNPUBLISHED)
		res, err = w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Unpublish", res, err, 200)
		in.Status, in.Fields = ptr(client.ApiStatusPUBLISHED), &[]string{"id", "total", "region", "currency"}
		res, err = w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Modify and republish", res, err, 200)
		wantReason(t, "after republishing", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonNOGRANT)
		w.grant(t, w.reviewer, api, subject)
		wantReason(t, "re-authorized", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"000-09_test_an_api", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		w.grantApp(t, api, app, prodOnly)
		d := w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Protocol: ptr(client.ProtocolHTTPS)})
		if !d.Allowed || !slices.Equal(d.Fields, []string{"id", "total", "region"}) || !slices.Equal(d.Permissions, []client.Permission{client.PermissionUSAGE}) {
			t.Fatalf("Test from Published APIs: %+v", d)
		}
		wantReason(t, "Test in DEV, not granted", w.checkApp(t, api, app, client.EnvDEV), client.CheckReasonNOGRANT)
		res, err := w.member.CheckCallWithResponse(w.ctx, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD})
		expectError(t, "a workspace member is not the gateway", res, err, 403, "Forbidden.Access")
	}},
	{"000-10_change_protocol_removal_immediate", func(t *testing.T, w *seedWorld) {
		var in client.ApiInput
		api := w.newAPI(t, "", func(i *client.ApiInput) { in = *i })
		app := w.newApp(t, "", "")
		w.grantApp(t, api, app, prodOnly)
		over := func(p client.Protocol) client.Decision {
			return w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Protocol: &p})
		}
		wantReason(t, "HTTP before", over(client.ProtocolHTTP), client.CheckReasonGRANTED)
		in.Protocols = []client.Protocol{client.ProtocolHTTPS}
		res, err := w.reviewer.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "Change Protocol", res, err, 200)
		wantReason(t, "HTTP right after removal", over(client.ProtocolHTTP), client.CheckReasonPROTOCOLNOTALLOWED)
		wantReason(t, "HTTPS", over(client.ProtocolHTTPS), client.CheckReasonGRANTED)
	}},
	{"000-11_authorized_to_use_tab", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-tab")
		api1, api2 := w.newAPI(t, ""), w.newAPI(t, "")
		app := w.newApp(t, ws, "")
		w.grant(t, w.reviewer, api1, client.GrantInput{Subject: ptr(w.wsSubject(ws)), Envs: bothEnvs, Validity: unlimited()})
		w.grantApp(t, api2, app, prodOnly)
		dev := w.user(t, "u-dev", "ws:"+ws+":developer")
		res, err := dev.ListAuthorizedApisWithResponse(w.ctx, ws, nil)
		if p := expect(t, "Authorized to Use", res, err, 200).JSON200; p.TotalCount != 3 {
			t.Fatalf("Authorized to Use: %+v", p)
		}
		res, err = dev.ListAuthorizedApisWithResponse(w.ctx, ws, &client.ListAuthorizedApisParams{AppId: &app, Env: ptr(client.EnvPROD)})
		if p := expect(t, "Authorized to Use, one app", res, err, 200).JSON200; p.TotalCount != 1 || *p.Items[0].ApiId != api2 {
			t.Fatalf("Authorized to Use of the app: %+v", p)
		}
		other, err := w.member.ListAuthorizedApisWithResponse(w.ctx, ws, nil)
		expectError(t, "a member of another workspace", other, err, 403, "Forbidden.Access")
	}},
	{"000-12_authorized_to_use_delete", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})[0]
		res, err := w.bOwner.RevokeGrantWithResponse(w.ctx, api, g.GrantId, &client.RevokeGrantParams{Reason: ptr("no longer used")})
		expect(t, "Delete in Authorized to Use", res, err, 204)
		wantReason(t, "right after Delete", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonCANCELLED)
		got, err := w.bOwner.GetGrantWithResponse(w.ctx, api, g.GrantId)
		if s := expect(t, "GetGrant", got, err, 200).JSON200.Status; s != client.GrantStatusREVOKED {
			t.Fatalf("status %s", s)
		}
	}},
	{"000-13_authorize_others_to_use_tab", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-pub")
		api := w.newAPI(t, ws)
		w.newAPI(t, ws) // not granted: not listed
		w.grant(t, w.admin, api, client.GrantInput{Subjects: &[]client.Subject{w.wsSubject(w.wsB), w.wsSubject(w.wsC)}, Envs: prodOnly, Validity: days(30)})
		owner := w.user(t, "u-pubowner", "ws:"+ws+":reviewer")
		res, err := owner.ListGrantedApisWithResponse(w.ctx, ws, nil)
		p := expect(t, "Authorize Others to Use", res, err, 200).JSON200
		if p.TotalCount != 1 || p.Items[0].ApiId != api || len(p.Items[0].AuthorizationRecords) != 2 {
			t.Fatalf("Authorize Others to Use: %+v", p)
		}
		denied, err := w.member.ListGrantedApisWithResponse(w.ctx, ws, nil)
		expectError(t, "not a reviewer of the workspace", denied, err, 403, "Forbidden.Access")
	}},
	{"000-14_manage_revoke", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		gs := w.grantApp(t, api, app, bothEnvs)
		before := time.Now()
		res, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, gs[0].GrantId, nil, client.CancelGrantInput{Reason: ptr("contract ends")})
		g := expect(t, "Revoke (reviewer)", res, err, 202).JSON202
		if g.Status != client.GrantStatusCANCELLATIONPENDING || g.CancelAt == nil || g.CancelAt.Before(before.Add(seedNotice-time.Second)) {
			t.Fatalf("Revoke: %+v", g)
		}
		prod := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
		if d := w.decide(t, prod); !d.Allowed || d.ExpiresAt == nil || !d.ExpiresAt.Equal(*g.CancelAt) {
			t.Fatalf("during the notice: %+v", d)
		}
		w.waitReason(t, "the revocation to take effect", prod, client.CheckReasonCANCELLED)
		now, err := w.admin.CancelGrantWithResponse(w.ctx, api, gs[1].GrantId, nil, client.CancelGrantInput{Immediate: ptr(true)})
		if s := expect(t, "Revoke at once (tenant_admin)", now, err, 200).JSON200.Status; s != client.GrantStatusREVOKED {
			t.Fatalf("immediate: %s", s)
		}
		wantReason(t, "DEV right after", w.checkApp(t, api, app, client.EnvDEV), client.CheckReasonCANCELLED)
		kept := w.newApp(t, "", "")
		g2 := w.grantApp(t, api, kept, prodOnly)[0]
		c2, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, g2.GrantId, nil, client.CancelGrantInput{})
		expect(t, "Revoke", c2, err, 202)
		undo, err := w.reviewer.WithdrawCancellationWithResponse(w.ctx, api, g2.GrantId, nil, client.ReasonInput{Reason: ptr("renegotiated")})
		if g := expect(t, "withdraw the pending revocation", undo, err, 200).JSON200; g.Status != client.GrantStatusACTIVE || g.CancelAt != nil {
			t.Fatalf("withdrawn: %+v", g)
		}
		time.Sleep(seedNotice + time.Second)
		wantReason(t, "after the would-be cancel_at", w.checkApp(t, api, kept, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"000-15_manage_change", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly)[0]
		change := func(v client.Validity) (*client.UpdateGrantResponse, error) {
			return w.reviewer.UpdateGrantWithResponse(w.ctx, api, g.GrantId, nil, client.UpdateGrantInput{Validity: &v, Reason: ptr("Change")})
		}
		res, err := change(days(90))
		if e := expect(t, "Change: extend", res, err, 200).JSON200.EndTime; e == nil || e.Before(time.Now().Add(89*24*time.Hour)) {
			t.Fatalf("extended end %v", e)
		}
		end := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
		res, err = change(until(t, end))
		if e := expect(t, "Change: shorten", res, err, 200).JSON200.EndTime; e == nil || !e.Equal(end) {
			t.Fatalf("shortened end %v, want %v", e, end)
		}
		if d := w.checkApp(t, api, app, client.EnvPROD); d.ExpiresAt == nil || !d.ExpiresAt.Equal(end) {
			t.Fatalf("check after Change: %+v", d)
		}
		res, err = change(until(t, time.Now().Add(2*time.Second)))
		e := expectError(t, "Change: shorter than the notice", res, err, 400, "InvalidParameter.Validity")
		if e.EarliestEndTime == nil || e.EarliestEndTime.Before(time.Now().Add(seedNotice-2*time.Second)) {
			t.Fatalf("earliest_end_time %v", e.EarliestEndTime)
		}
	}},
	{"000-16_default_application_of_workspace", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-def")
		registerWorkspaces(w.ctx, t, w.admin, ws) // R29
		own, foreign := w.newAPI(t, ws), w.newAPI(t, "")
		app := w.id("app")
		put := func(id string, def bool) (*client.PutAppResponse, error) {
			return w.admin.PutAppWithResponse(w.ctx, id, nil, client.AppInput{WorkspaceId: ws, Name: ws, WorkspaceDefault: &def})
		}
		res, err := put(app, true)
		if a := expect(t, "the workspace's default app", res, err, 201).JSON201; !a.WorkspaceDefault {
			t.Fatalf("app: %+v", a)
		}
		for _, env := range bothEnvs {
			d := w.checkApp(t, own, app, env)
			wantBasis(t, "the workspace's own API", d, client.DecisionBasisWORKSPACEDEFAULT)
			if d.GrantId != nil || d.ExpiresAt != nil || len(d.Fields) != 3 {
				t.Fatalf("default app: %+v", d)
			}
		}
		wantReason(t, "another workspace's API", w.checkApp(t, foreign, app, client.EnvPROD), client.CheckReasonNOGRANT)
		second, err := put(w.id("app"), true)
		expectError(t, "a second default app", second, err, 409, "Conflict.DefaultAppExists")
		res, err = put(app, false)
		expect(t, "unset", res, err, 200)
		wantReason(t, "no longer the default", w.checkApp(t, own, app, client.EnvPROD), client.CheckReasonNOGRANT)
	}},
	{"000-17_app_credentials_appcode", func(t *testing.T, w *seedWorld) {
		app := w.id("app")
		res, err := w.bOwner.PutAppWithResponse(w.ctx, app, nil, client.AppInput{WorkspaceId: w.wsB, Name: "BI"})
		code := deref(expect(t, "create the app", res, err, 201).JSON201.AppCode)
		if code == "" {
			t.Fatal("no AppCode on creation")
		}
		got, err := w.member.GetAppWithResponse(w.ctx, app)
		if b := string(expect(t, "view the app", got, err, 200).Body); strings.Contains(b, "app_code") || strings.Contains(b, code) {
			t.Fatalf("GetApp shows the code: %s", b)
		}
		rotated, err := w.bOwner.RotateAppCodeWithResponse(w.ctx, app, nil)
		if next := deref(expect(t, "reset the AppCode", rotated, err, 200).JSON200.AppCode); next == "" || next == code {
			t.Fatalf("rotated code %q", next)
		}
	}},
	{"000-18_scenario_shared_application", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-team")
		api, shared, second := w.newAPI(t, ""), w.newApp(t, ws, "u-lead"), w.newApp(t, ws, "u-lead")
		w.grantApp(t, api, shared, prodOnly)
		wantBasis(t, "the shared app", w.checkApp(t, api, shared, client.EnvPROD), client.DecisionBasisGRANT)
		wantReason(t, "another app of the workspace", w.checkApp(t, api, second, client.EnvPROD), client.CheckReasonNOGRANT)
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(ws)), Envs: prodOnly, Validity: unlimited()})
		wantReason(t, "every app of the workspace", w.checkApp(t, api, second, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"000-19_scenario_application_per_user", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		alice, bob := w.newApp(t, "", "u-alice"), w.newApp(t, "", "u-bob")
		gs := w.grant(t, w.reviewer, api, client.GrantInput{Subjects: &[]client.Subject{w.appSubject(alice), w.appSubject(bob)}, Envs: prodOnly, Validity: days(90)})
		for i, app := range []string{alice, bob} {
			if d := w.checkApp(t, api, app, client.EnvPROD); !d.Allowed || *d.GrantId != gs[i].GrantId {
				t.Fatalf("%s: %+v, want grant %s", app, d, gs[i].GrantId)
			}
		}
	}},
	{"000-20_scenario_group_shares_application", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "u-grouplead")
		w.grantApp(t, api, app, prodOnly)
		carol, dave := "u-carol-"+w.sfx, "u-dave-"+w.sfx
		res, err := w.bOwner.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{
			Subjects: &[]client.Subject{w.userSubject(carol), w.userSubject(dave)}, Validity: unlimited()})
		expect(t, "the group's members may use the app", res, err, 201)
		for _, u := range []string{carol, dave, "u-grouplead"} {
			wantReason(t, u+" through the group app", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, UserId: &u, Env: client.EnvPROD}), client.CheckReasonGRANTED)
		}
		outsider := "u-eve-" + w.sfx
		wantReason(t, "outside the group", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, UserId: &outsider, Env: client.EnvPROD}), client.CheckReasonUSERNOTPERMITTED)
	}},

	// 001: DataArts DataService, API authorization operations
	{"001-01_authorize_api_to_app", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		end := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: until(t, end)})[0]
		if g.Subject.Type != client.SubjectTypeAPP || g.EndTime == nil || !g.EndTime.Equal(end) || g.CreatorId != "u-apiowner" {
			t.Fatalf("grant: %+v", g)
		}
		if d := w.checkApp(t, api, app, client.EnvPROD); !d.Allowed || !d.ExpiresAt.Equal(end) {
			t.Fatalf("check: %+v", d)
		}
		res, err := w.member.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: envs(client.EnvDEV), Validity: days(1)})
		expectError(t, "not a reviewer", res, err, 403, "Forbidden.Access")
	}},
	{"001-02_api_side_cancel_with_notice", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly)[0]
		res, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, g.GrantId, nil, client.CancelGrantInput{Reason: ptr("two days' notice")})
		expect(t, "API authorization cancellation", res, err, 202)
		in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
		wantReason(t, "during the notice", w.decide(t, in), client.CheckReasonGRANTED)
		again, err := w.reviewer.CancelGrantWithResponse(w.ctx, api, g.GrantId, nil, client.CancelGrantInput{})
		expectError(t, "cancel again while pending", again, err, 409, "Conflict.CancellationPending")
		w.waitReason(t, "the cancellation to take effect", in, client.CheckReasonCANCELLED)
	}},
	{"001-03_app_side_cancel_immediate", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly)[0]
		res, err := w.member.RevokeGrantWithResponse(w.ctx, api, g.GrantId, nil)
		expect(t, "App authorization cancellation", res, err, 204)
		wantReason(t, "right after", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonCANCELLED)
	}},
	{"001-04_apply_and_review", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		apply := func(env client.Env) client.Request {
			res, err := w.member.ApplyForApiWithResponse(w.ctx, api, nil, client.ApplicationInput{
				AppId: &app, Envs: envs(env), Validity: days(30), Reason: ptr("monthly report")})
			return *expect(t, "App authorization application", res, err, 202).JSON202
		}
		req := apply(client.EnvPROD)
		wantReason(t, "before review", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonNOGRANT)
		queue, err := w.reviewer.ListRequestsWithResponse(w.ctx, &client.ListRequestsParams{WorkspaceId: &w.wsA, Status: ptr(client.RequestStatusPENDING), PageSize: ptr(100)})
		if p := expect(t, "the reviewer's queue", queue, err, 200).JSON200; !slices.ContainsFunc(p.Items, func(r client.Request) bool { return r.RequestId == req.RequestId }) {
			t.Fatalf("queue lacks %s: %+v", req.RequestId, p)
		}
		ok, err := w.reviewer.ApproveRequestWithResponse(w.ctx, req.RequestId, nil, client.ReasonInput{})
		if r := expect(t, "approve", ok, err, 200).JSON200; r.Status != client.RequestStatusAPPROVED || len(r.Grants) != 1 {
			t.Fatalf("approve: %+v", r)
		}
		wantReason(t, "after approval", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
		other := apply(client.EnvDEV)
		no, err := w.reviewer.RejectRequestWithResponse(w.ctx, other.RequestId, nil, client.ReasonInput{Reason: ptr("DEV is not needed")})
		if s := expect(t, "reject", no, err, 200).JSON200.Status; s != client.RequestStatusREJECTED {
			t.Fatalf("reject: %s", s)
		}
		twice, err := w.reviewer.ApproveRequestWithResponse(w.ctx, other.RequestId, nil, client.ReasonInput{})
		expectError(t, "decide twice", twice, err, 409, "Conflict.RequestDecided")
		wantReason(t, "rejected env", w.checkApp(t, api, app, client.EnvDEV), client.CheckReasonNOGRANT)
	}},
	{"001-05_apply_without_approval", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "u-apiowner")
		res, err := w.reviewer.ApplyForApiWithResponse(w.ctx, api, nil, client.ApplicationInput{AppId: &app, Envs: prodOnly, Validity: days(30)})
		if r := expect(t, "apply for one's own API", res, err, 201).JSON201; r.Status != client.RequestStatusAPPROVED || len(r.Grants) != 1 {
			t.Fatalf("auto-approved: %+v", r)
		}
		wantReason(t, "at once", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"001-06_reviewer_renewal_extends_only", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly)[0]
		res, err := w.reviewer.RenewGrantWithResponse(w.ctx, api, g.GrantId, nil, client.RenewGrantInput{Validity: days(60)})
		r := expect(t, "renew", res, err, 200).JSON200
		if r.EndTime == nil || !r.EndTime.After(*g.EndTime) {
			t.Fatalf("renewed end %v, was %v", r.EndTime, g.EndTime)
		}
		res, err = w.reviewer.RenewGrantWithResponse(w.ctx, api, g.GrantId, nil, client.RenewGrantInput{Validity: days(5)})
		expectError(t, "renew to an earlier end", res, err, 400, "InvalidParameter.Validity")
	}},
	{"001-07_app_renewal_reviewed", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly)[0]
		res, err := w.member.RenewGrantWithResponse(w.ctx, api, g.GrantId, nil, client.RenewGrantInput{Validity: days(5)})
		expectError(t, "a renewal that shortens", res, err, 400, "InvalidParameter.Validity")
		res, err = w.member.RenewGrantWithResponse(w.ctx, api, g.GrantId, nil, client.RenewGrantInput{Validity: unlimited()})
		req := expect(t, "App renewal", res, err, 202).JSON202
		if req.Kind != client.RequestKindRENEW || req.Status != client.RequestStatusPENDING || req.GrantId != g.GrantId {
			t.Fatalf("renewal request: %+v", req)
		}
		ok, err := w.reviewer.ApproveRequestWithResponse(w.ctx, req.RequestId, nil, client.ReasonInput{})
		expect(t, "approve the renewal", ok, err, 200)
		if d := w.checkApp(t, api, app, client.EnvPROD); !d.Allowed || d.ExpiresAt != nil {
			t.Fatalf("after the renewal: %+v", d)
		}
	}},
	{"001-08_errors_are_error_code_and_msg", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{
			Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: until(t, time.Now().Add(-time.Hour))})
		expectError(t, "an end time in the past", res, err, 400, "InvalidParameter.Validity")
		res, err = w.reviewer.CreateGrantsWithResponse(w.ctx, "no-such-api-"+w.sfx, nil, client.GrantInput{
			Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: days(1)})
		expectError(t, "an unknown API", res, err, 404, "NotFound.Api")
	}},
	{"001-09_token_identifies_the_caller", func(t *testing.T, w *seedWorld) {
		anon, err := client.NewClientWithResponses(w.st.APIEndpoint)
		if err != nil {
			t.Fatal(err)
		}
		res, err := anon.ListGrantedApisWithResponse(w.ctx, w.wsA, nil)
		expectError(t, "no token", res, err, 401, "Unauthorized")
	}},

	// 002: DataWorks ListDataServiceApiAuthorities
	{"002-01_list_authorities_by_page", func(t *testing.T, w *seedWorld) {
		ws := w.pagedWorkspace(t)
		res, err := w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{PageNumber: ptr(2), PageSize: ptr(1)})
		p := expect(t, "PageNumber=2&PageSize=1", res, err, 200).JSON200
		if p.TotalCount != 3 || p.PageNumber != 2 || p.PageSize != 1 || len(p.Items) != 1 || p.Items[0].Name != "Beta orders" {
			t.Fatalf("page 2: %+v", p)
		}
		res, err = w.admin.ListGrantedApisWithResponse(w.ctx, ws, nil)
		if p := expect(t, "defaults", res, err, 200).JSON200; p.PageNumber != 1 || p.PageSize != 10 || len(p.Items) != 3 {
			t.Fatalf("default page: %+v", p)
		}
	}},
	{"002-02_page_size_at_most_100", func(t *testing.T, w *seedWorld) {
		ws := w.pagedWorkspace(t)
		res, err := w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{PageSize: ptr(100)})
		expect(t, "PageSize=100", res, err, 200)
		res, err = w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{PageSize: ptr(101)})
		expectError(t, "PageSize=101", res, err, 400, "InvalidParameter.PageSize")
		res, err = w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{PageNumber: ptr(0)})
		expectError(t, "PageNumber=0", res, err, 400, "InvalidParameter.PageNumber")
	}},
	{"002-03_api_name_keyword", func(t *testing.T, w *seedWorld) {
		ws := w.pagedWorkspace(t)
		res, err := w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{ApiNameKeyword: ptr("ORDERS")})
		p := expect(t, "ApiNameKeyword", res, err, 200).JSON200
		var names []string
		for _, a := range p.Items {
			names = append(names, a.Name)
		}
		if p.TotalCount != 2 || !slices.Equal(names, []string{"Alpha orders", "Beta orders"}) {
			t.Fatalf("keyword: %v of %d", names, p.TotalCount)
		}
	}},
	{"002-04_total_count_and_page_past_end", func(t *testing.T, w *seedWorld) {
		ws := w.pagedWorkspace(t)
		res, err := w.admin.ListGrantedApisWithResponse(w.ctx, ws, &client.ListGrantedApisParams{PageNumber: ptr(5), PageSize: ptr(2)})
		if p := expect(t, "a page past the end", res, err, 200).JSON200; p.TotalCount != 3 || len(p.Items) != 0 {
			t.Fatalf("past the end: %+v", p)
		}
	}},
	{"002-05_authorization_records", func(t *testing.T, w *seedWorld) {
		ws := w.id("ws-rec")
		api := w.newAPI(t, ws, func(in *client.ApiInput) { in.GroupId = ptr("ab123") })
		end := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		g := w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsC)), Envs: prodOnly, Validity: until(t, end)})[0]
		res, err := w.admin.ListGrantedApisWithResponse(w.ctx, ws, nil)
		a := expect(t, "records", res, err, 200).JSON200.Items[0]
		if a.ApiId != api || a.Path != "/seed/"+api || a.Status != client.ApiStatusPUBLISHED || a.GroupId != "ab123" ||
			a.TenantId != w.tenant || a.WorkspaceId != ws || a.CreatedAt.IsZero() || a.ModifiedAt.IsZero() {
			t.Fatalf("API: %+v", a)
		}
		r := a.AuthorizationRecords[0]
		if r.GrantId != g.GrantId || r.CreatedAt.IsZero() || r.EndTime == nil || !r.EndTime.Equal(end) || r.CreatorId != "u-admin" || r.Subject.Id != w.wsC {
			t.Fatalf("record: %+v", r)
		}
	}},
	{"002-06_forbidden_access", func(t *testing.T, w *seedWorld) {
		res, err := w.member.ListGrantedApisWithResponse(w.ctx, w.wsA, nil)
		expectError(t, "a developer of another workspace", res, err, 403, "Forbidden.Access")
	}},
	{"002-07_errors_stay_in_the_contract", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		res, err := w.reviewer.CreateGrantsWithBodyWithResponse(w.ctx, api, nil, "application/json", strings.NewReader(`{"subject":`))
		expectError(t, "a malformed body is a client mistake, not a 500", res, err, 400, "InvalidParameter.Json")
		res, err = w.reviewer.CreateGrantsWithBodyWithResponse(w.ctx, api, nil, "application/json", strings.NewReader(`{"subject":{"type":"APP","id":"x","tenant_id":"t"},"envs":["PROD"],"validity":{"type":"LIMITED","days":1},"ApiId":1}`))
		expectError(t, "an unknown key", res, err, 400, "InvalidParameter.Json")
	}},

	// 003: DataWorks CreateDataServiceApiAuthority
	{"003-01_create_authority_end_time_unix", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		end := time.Now().Add(48 * time.Hour).Truncate(time.Second)
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: untilUnix(t, end)})[0]
		if g.EndTime == nil || !g.EndTime.Equal(end) || g.ApiId == nil || *g.ApiId != api {
			t.Fatalf("EndTime as UNIX seconds: %+v", g)
		}
		if d := w.checkApp(t, api, app, client.EnvPROD); !d.Allowed || !d.ExpiresAt.Equal(end) {
			t.Fatalf("check: %+v", d)
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{
			Subject: ptr(w.wsSubject(w.wsC)), Envs: prodOnly, Validity: untilUnix(t, time.Now().Add(-time.Minute))})
		expectError(t, "an EndTime in the past", res, err, 400, "InvalidParameter.Validity")
	}},
	{"003-02_tenant_id_of_the_grantee", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		res, err := w.reviewer.CreateGrantsWithBodyWithResponse(w.ctx, api, nil, "application/json",
			strings.NewReader(`{"subject":{"type":"WORKSPACE","id":"`+w.wsB+`"},"envs":["PROD"],"validity":{"type":"LIMITED","end_time":`+
				strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)+`}}`))
		expectError(t, "no tenant_id", res, err, 400, "InvalidParameter.Subject")
		again, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(1)})
		expect(t, "with tenant_id", again, err, 201)
		twice, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(1)})
		expectError(t, "the same workspace again", twice, err, 409, "Conflict.GrantExists")
	}},

	// 004: Dataphin, data service permissions
	{"004-01_super_administrator_not_revocable", func(t *testing.T, w *seedWorld) {
		var in client.ApiInput
		api := w.newAPI(t, "", func(i *client.ApiInput) { in = *i })
		app := w.newApp(t, "", "")
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: unlimited(), Protected: ptr(true)})
		expectError(t, "protected by a reviewer", res, err, 403, "Forbidden.Access")
		g := w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: unlimited(), Protected: ptr(true)})[0]
		c, err := w.admin.CancelGrantWithResponse(w.ctx, api, g.GrantId, nil, client.CancelGrantInput{Immediate: ptr(true)})
		expectError(t, "revoke", c, err, 403, "Forbidden.GrantProtected")
		d, err := w.member.RevokeGrantWithResponse(w.ctx, api, g.GrantId, nil)
		expectError(t, "app-side revoke", d, err, 403, "Forbidden.GrantProtected")
		b, err := w.reviewer.CancelGrantsWithResponse(w.ctx, api, nil, client.CancelGrantsInput{Subjects: []client.Subject{w.appSubject(app)}, Envs: prodOnly})
		if e := expectError(t, "bulk revoke", b, err, 403, "Forbidden.GrantProtected"); e.Pairs == nil || len(*e.Pairs) != 1 {
			t.Fatalf("pairs: %+v", e.Pairs)
		}
		p, err := w.reviewer.UpdateGrantWithResponse(w.ctx, api, g.GrantId, nil, client.UpdateGrantInput{Validity: ptr(days(1))})
		expectError(t, "shorten", p, err, 403, "Forbidden.GrantProtected")
		wantReason(t, "still allowed", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
		in.Status = ptr(client.ApiStatusUNPUBLISHED)
		u, err := w.admin.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "unpublish", u, err, 200)
		in.Status = ptr(client.ApiStatusPUBLISHED)
		u, err = w.admin.PutApiWithResponse(w.ctx, api, nil, in)
		expect(t, "republish", u, err, 200)
		wantReason(t, "unpublishing removed it", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonNOGRANT)
	}},
	{"004-02_application_permission_grant", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		w.grantApp(t, api, app, prodOnly)
		user := "u-frank-" + w.sfx
		res, err := w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{
			Subject: ptr(w.userSubject(user)), Permissions: &[]client.Permission{client.PermissionUSAGE}, Validity: days(10), Reason: ptr("joins the BI team")})
		g := expect(t, "Application Grant", res, err, 201).JSON201.Grants[0]
		if g.Resource.Type != client.ResourceTypeAPP || g.Resource.Id != app || g.Env != nil || g.Reason != "joins the BI team" {
			t.Fatalf("app grant: %+v", g)
		}
		// expires_at is the earlier end: the app grant's 10 days, not the API grant's 30
		d := w.decide(t, client.CheckInput{ApiId: api, AppId: &app, UserId: &user, Env: client.EnvPROD})
		if !d.Allowed || d.ExpiresAt == nil || !d.ExpiresAt.Equal(*g.EndTime) {
			t.Fatalf("the user through the app: %+v", d)
		}
		bad, err := w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{Subject: ptr(w.appSubject(app)), Validity: days(1)})
		expectError(t, "Account Type: only User Account", bad, err, 400, "InvalidParameter.Subject")
		bad, err = w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{Subject: ptr(w.userSubject("u-gina")), Permissions: &[]client.Permission{client.PermissionPROXY}, Validity: days(1)})
		expectError(t, "Permission Type: only Usage", bad, err, 400, "InvalidParameter.Permissions")
		bad, err = w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{Subject: ptr(w.userSubject("u-gina")), Validity: days(1), Reason: ptr(strings.Repeat("r", 129))})
		expectError(t, "Reason over 128", bad, err, 400, "InvalidParameter.Reason")
	}},
	{"004-03_application_permission_revocation", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		w.grantApp(t, api, app, prodOnly)
		user := "u-hank-" + w.sfx
		res, err := w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{Subject: ptr(w.userSubject(user)), Validity: unlimited()})
		g := expect(t, "grant", res, err, 201).JSON201.Grants[0]
		long, err := w.member.RevokeAppGrantWithResponse(w.ctx, app, g.GrantId, &client.RevokeAppGrantParams{Reason: ptr(strings.Repeat("r", 129))})
		expectError(t, "Reason For Revocation over 128", long, err, 400, "InvalidParameter.Reason")
		gone, err := w.member.RevokeAppGrantWithResponse(w.ctx, app, g.GrantId, &client.RevokeAppGrantParams{Reason: ptr("left the team")})
		expect(t, "Application Grant Revocation", gone, err, 204)
		wantReason(t, "right after", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, UserId: &user, Env: client.EnvPROD}), client.CheckReasonUSERNOTPERMITTED)
	}},
	{"004-04_api_grant_per_runtime_environment", func(t *testing.T, w *seedWorld) {
		api, app, devOnly := w.newAPI(t, ""), w.newApp(t, "", ""), w.newApp(t, "", "")
		gs := w.grantApp(t, api, app, bothEnvs)
		if len(gs) != 2 || gs[0].Env == nil || gs[1].Env == nil || *gs[0].Env == *gs[1].Env {
			t.Fatalf("one grant per env: %+v", gs)
		}
		for _, env := range bothEnvs {
			wantReason(t, string(env), w.checkApp(t, api, app, env), client.CheckReasonGRANTED)
		}
		w.grantApp(t, api, devOnly, envs(client.EnvDEV))
		wantReason(t, "DEV only, PROD", w.checkApp(t, api, devOnly, client.EnvPROD), client.CheckReasonNOGRANT)
	}},
	{"004-05_api_grant_several_applications", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		a1, a2, a3, a4 := w.newApp(t, "", ""), w.newApp(t, "", ""), w.newApp(t, "", ""), w.newApp(t, "", "")
		gs := w.grant(t, w.reviewer, api, client.GrantInput{
			Subjects: &[]client.Subject{w.appSubject(a1), w.appSubject(a2), w.appSubject(a3)}, Envs: bothEnvs, Validity: days(30)})
		if len(gs) != 6 {
			t.Fatalf("%d grants, want 6", len(gs))
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{
			Subjects: &[]client.Subject{w.appSubject(a4), w.appSubject(a2)}, Envs: prodOnly, Validity: days(30)})
		e := expectError(t, "one application already granted", res, err, 409, "Conflict.GrantExists")
		if e.Pairs == nil || len(*e.Pairs) != 1 || (*e.Pairs)[0].Subject.Id != a2 {
			t.Fatalf("pairs: %+v", e.Pairs)
		}
		wantReason(t, "all or none", w.checkApp(t, api, a4, client.EnvPROD), client.CheckReasonNOGRANT)
		var many []client.Subject
		for i := range 11 {
			many = append(many, w.appSubject(a1+"-"+strconv.Itoa(i)))
		}
		res, err = w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subjects: &many, Envs: prodOnly, Validity: days(1)})
		expectError(t, "11 applications", res, err, 400, "InvalidParameter.TooMany")
	}},
	{"004-06_permission_field_list", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Fields: &[]string{"id", "total"}, Validity: days(30)})[0]
		if d := w.checkApp(t, api, app, client.EnvPROD); !slices.Equal(d.Fields, []string{"id", "total"}) {
			t.Fatalf("fields: %v", d.Fields)
		}
		res, err := w.reviewer.UpdateGrantWithResponse(w.ctx, api, g.GrantId, nil, client.UpdateGrantInput{Fields: &[]string{"region"}})
		expect(t, "change the field list", res, err, 200)
		if d := w.checkApp(t, api, app, client.EnvPROD); !slices.Equal(d.Fields, []string{"region"}) {
			t.Fatalf("fields after change: %v", d.Fields)
		}
		bad, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: envs(client.EnvDEV), Fields: &[]string{"secret"}, Validity: days(1)})
		expectError(t, "a field the API does not return", bad, err, 400, "InvalidParameter.Fields")
	}},
	{"004-07_field_list_per_environment", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Fields: &[]string{"id"}, Validity: days(30)})
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: envs(client.EnvDEV), Fields: &[]string{"id", "total"}, Validity: days(30)})
		if d := w.checkApp(t, api, app, client.EnvPROD); !slices.Equal(d.Fields, []string{"id"}) {
			t.Fatalf("PROD fields %v", d.Fields)
		}
		if d := w.checkApp(t, api, app, client.EnvDEV); !slices.Equal(d.Fields, []string{"id", "total"}) {
			t.Fatalf("DEV fields %v", d.Fields)
		}
	}},
	{"004-08_proxy_permission_row_level", func(t *testing.T, w *seedWorld) {
		api, plain := w.newAPI(t, ""), w.newAPI(t, "", func(in *client.ApiInput) { in.RowLevel = ptr(false) })
		proxied, usage := w.newApp(t, "", ""), w.newApp(t, "", "")
		w.grantApp(t, api, proxied, prodOnly, client.PermissionUSAGE, client.PermissionPROXY)
		w.grantApp(t, api, usage, prodOnly)
		proxy := func(app string) client.Decision {
			return w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Proxy: ptr(true)})
		}
		wantReason(t, "proxy mode with Proxy Permission", proxy(proxied), client.CheckReasonGRANTED)
		wantReason(t, "proxy mode with Usage only", proxy(usage), client.CheckReasonPROXYNOTGRANTED)
		wantReason(t, "usage mode", w.checkApp(t, api, usage, client.EnvPROD), client.CheckReasonGRANTED)
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, plain, nil, client.GrantInput{Subject: ptr(w.appSubject(usage)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionPROXY}, Validity: days(1)})
		expectError(t, "Proxy without row-level permission", res, err, 400, "InvalidParameter.Permissions")
		res, err = w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsC)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionPROXY}, Validity: days(1)})
		expectError(t, "Proxy for a workspace", res, err, 400, "InvalidParameter.Permissions")
	}},
	{"004-09_create_update_delete_api_usage_only", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "", func(in *client.ApiInput) { in.Operation, in.Fields, in.RowLevel = client.OperationCREATE, nil, nil })
		app := w.newApp(t, "", "")
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Fields: &[]string{"id"}, Validity: days(1)})
		expectError(t, "fields on a Create API", res, err, 400, "InvalidParameter.Fields")
		res, err = w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionPROXY}, Validity: days(1)})
		expectError(t, "proxy on a Create API", res, err, 400, "InvalidParameter.Permissions")
		w.grantApp(t, api, app, prodOnly)
		wantReason(t, "usage", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"004-10_validity_presets", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		custom := time.Now().Add(400 * 24 * time.Hour).UTC().Truncate(time.Second)
		for _, tc := range []struct {
			v    client.Validity
			days int
		}{{days(30), 30}, {days(90), 90}, {days(180), 180}, {unlimited(), 0}, {until(t, custom), -1}} {
			g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(w.newApp(t, "", ""))), Envs: prodOnly, Validity: tc.v})[0]
			switch {
			case tc.days > 0:
				if g.EndTime == nil || (g.EndTime.Sub(g.CreatedAt)-time.Duration(tc.days)*24*time.Hour).Abs() >= time.Second { // end times are kept to the second
					t.Fatalf("%d days: end %v, created %v", tc.days, g.EndTime, g.CreatedAt)
				}
			case tc.days == 0:
				if g.EndTime != nil {
					t.Fatalf("Long-term: end %v", g.EndTime)
				}
			default:
				if g.EndTime == nil || !g.EndTime.Equal(custom) {
					t.Fatalf("Custom: end %v", g.EndTime)
				}
			}
		}
	}},
	{"004-11_reason_at_most_128", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		reason := strings.Repeat("权", 128) // 128 characters, 384 bytes
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: days(1), Reason: &reason})[0]
		if g.Reason != reason {
			t.Fatalf("reason %q", g.Reason)
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: envs(client.EnvDEV), Validity: days(1), Reason: ptr(reason + "x")})
		expectError(t, "129 characters", res, err, 400, "InvalidParameter.Reason")
	}},
	{"004-12_revoke_api_permission_applications_bulk", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		a1, a2 := w.newApp(t, "", ""), w.newApp(t, "", "")
		w.grant(t, w.reviewer, api, client.GrantInput{Subjects: &[]client.Subject{w.appSubject(a1), w.appSubject(a2)}, Envs: bothEnvs, Validity: days(30)})
		res, err := w.reviewer.CancelGrantsWithResponse(w.ctx, api, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.appSubject(a1), w.appSubject(a2)}, Envs: prodOnly,
			Permissions: &[]client.Permission{client.PermissionUSAGE}, Reason: ptr("project closed")})
		gs := expect(t, "API Permission Revocation", res, err, 202).JSON202.Grants
		if len(gs) != 2 || gs[0].CancelAt == nil || gs[1].CancelAt == nil {
			t.Fatalf("cancelled: %+v", gs)
		}
		for _, app := range []string{a1, a2} {
			in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
			w.waitReason(t, app+" revoked in PROD", in, client.CheckReasonCANCELLED)
			wantReason(t, app+" DEV untouched", w.checkApp(t, api, app, client.EnvDEV), client.CheckReasonGRANTED)
		}
	}},
	{"004-13_revoke_proxy_only_keeps_usage", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		w.grantApp(t, api, app, prodOnly, client.PermissionUSAGE, client.PermissionPROXY)
		res, err := w.reviewer.CancelGrantsWithResponse(w.ctx, api, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.appSubject(app)}, Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionPROXY}})
		expect(t, "revoke Proxy Permission", res, err, 202)
		proxy := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Proxy: ptr(true)}
		w.waitReason(t, "proxy to go", proxy, client.CheckReasonPROXYNOTGRANTED)
		wantReason(t, "usage kept", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
	}},
	{"004-14_revoking_usage_takes_proxy", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		g := w.grantApp(t, api, app, prodOnly, client.PermissionUSAGE, client.PermissionPROXY)[0]
		res, err := w.admin.CancelGrantWithResponse(w.ctx, api, g.GrantId, nil, client.CancelGrantInput{
			Permissions: &[]client.Permission{client.PermissionUSAGE}, Immediate: ptr(true)})
		if r := expect(t, "revoke Usage Permission", res, err, 200).JSON200; r.Status != client.GrantStatusREVOKED {
			t.Fatalf("status %s", r.Status)
		}
		wantReason(t, "proxy mode", w.decide(t, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Proxy: ptr(true)}), client.CheckReasonCANCELLED)
		wantReason(t, "usage mode", w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonCANCELLED)
	}},
	{"004-15_revoke_api_permission_user_account", func(t *testing.T, w *seedWorld) {
		api, user := w.newAPI(t, ""), "u-ivy-"+w.sfx
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.userSubject(user)), Envs: bothEnvs, Validity: days(30)})
		res, err := w.reviewer.CancelGrantsWithResponse(w.ctx, api, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.userSubject(user)}, Envs: bothEnvs, Reason: ptr("moved team")})
		expect(t, "revoke a personal account", res, err, 202)
		for _, env := range bothEnvs {
			w.waitReason(t, "the user's "+string(env)+" grant to go", client.CheckInput{ApiId: api, UserId: &user, Env: env}, client.CheckReasonCANCELLED)
		}
		long, err := w.reviewer.CancelGrantsWithResponse(w.ctx, api, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.userSubject(user)}, Envs: prodOnly, Reason: ptr(strings.Repeat("r", 129))})
		expectError(t, "Reason For Revocation over 128", long, err, 400, "InvalidParameter.Reason")
	}},
	{"004-16_api_permission_user_account", func(t *testing.T, w *seedWorld) {
		api, user := w.newAPI(t, ""), "u-jack-"+w.sfx
		g := w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.userSubject(user)), Envs: prodOnly, Validity: days(30)})[0]
		wantBasis(t, "the person", w.decide(t, client.CheckInput{ApiId: api, UserId: &user, Env: client.EnvPROD}), client.DecisionBasisGRANT)
		jack := w.user(t, user)
		mine, err := jack.ListUserAuthorizedApisWithResponse(w.ctx, user, nil)
		if p := expect(t, "the user's own list", mine, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].GrantId != g.GrantId {
			t.Fatalf("user's list: %+v", p)
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.userSubject("u-kim-" + w.sfx)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionPROXY}, Validity: days(1)})
		expectError(t, "Proxy for a person", res, err, 400, "InvalidParameter.Permissions")
		gone, err := jack.RevokeGrantWithResponse(w.ctx, api, g.GrantId, nil)
		expect(t, "the user cancels their own grant", gone, err, 204)
		wantReason(t, "right after", w.decide(t, client.CheckInput{ApiId: api, UserId: &user, Env: client.EnvPROD}), client.CheckReasonCANCELLED)
	}},
	{"004-17_user_applies_with_reason_for_approver", func(t *testing.T, w *seedWorld) {
		api, user := w.newAPI(t, ""), "u-lena-"+w.sfx
		lena := w.user(t, user)
		res, err := lena.ApplyForApiWithResponse(w.ctx, api, nil, client.ApplicationInput{
			Subject: ptr(w.userSubject(user)), Envs: prodOnly, Validity: days(90), Reason: ptr("quarterly audit")})
		req := expect(t, "apply for oneself", res, err, 202).JSON202
		mine, err := lena.ListRequestsWithResponse(w.ctx, &client.ListRequestsParams{Requester: ptr(client.ListRequestsParamsRequesterMe)})
		if p := expect(t, "my requests", mine, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].RequestId != req.RequestId {
			t.Fatalf("my requests: %+v", p)
		}
		got, err := w.reviewer.GetRequestWithResponse(w.ctx, req.RequestId)
		if r := expect(t, "the approver reads the reason", got, err, 200).JSON200; r.Reason != "quarterly audit" {
			t.Fatalf("request: %+v", r)
		}
		ok, err := w.reviewer.ApproveRequestWithResponse(w.ctx, req.RequestId, nil, client.ReasonInput{})
		expect(t, "approve", ok, err, 200)
		wantReason(t, "after approval", w.decide(t, client.CheckInput{ApiId: api, UserId: &user, Env: client.EnvPROD}), client.CheckReasonGRANTED)
		other, err := lena.ApplyForApiWithResponse(w.ctx, api, nil, client.ApplicationInput{Subject: ptr(w.userSubject("u-someone-else")), Envs: prodOnly, Validity: days(1)})
		expect(t, "apply for someone else", other, err, 403)
	}},
	{"004-18_service_unit_permission_grant", func(t *testing.T, w *seedWorld) {
		unit, user := w.newUnit(t), "u-mia-"+w.sfx
		inUnit, outside := w.newAPI(t, "", inside(unit)), w.newAPI(t, "")
		res, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{
			Subject: ptr(w.userSubject(user)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE},
			Validity: days(30), Reason: ptr("sales analyst")})
		g := expect(t, "Service Unit Grant", res, err, 201).JSON201.Grants[0]
		if g.Resource.Type != client.ResourceTypeSERVICEUNIT || g.Resource.Id != unit {
			t.Fatalf("unit grant: %+v", g)
		}
		wantBasis(t, "an API of the unit", w.decide(t, client.CheckInput{ApiId: inUnit, UserId: &user, Env: client.EnvPROD}), client.DecisionBasisSERVICEUNIT)
		wantReason(t, "an API outside the unit", w.decide(t, client.CheckInput{ApiId: outside, UserId: &user, Env: client.EnvPROD}), client.CheckReasonNOGRANT)
		app := w.newApp(t, "", "")
		res, err = w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: days(30)})
		expect(t, "a unit grant to an app", res, err, 201)
		wantBasis(t, "the app through the unit", w.checkApp(t, inUnit, app, client.EnvPROD), client.DecisionBasisSERVICEUNIT)
		bad, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: envs(client.EnvDEV), Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionDEVELOPMENT}, Validity: days(30)})
		expectError(t, "Development for an app", bad, err, 400, "InvalidParameter.Permissions")
	}},
	{"004-19_service_unit_development_permission", func(t *testing.T, w *seedWorld) {
		unit, user := w.newUnit(t), "u-nora-"+w.sfx
		w.newAPI(t, "", inside(unit))
		outside := w.newAPI(t, "")
		res, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{
			Subject: ptr(w.userSubject(user)), Envs: envs(client.EnvDEV), Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionDEVELOPMENT}, Validity: days(30)})
		expect(t, "Development Permission", res, err, 201)
		nora := w.user(t, user)
		id := w.id("api")
		in := client.ApiInput{WorkspaceId: w.wsA, Name: "Nora's " + id, Path: "/seed/" + id, Operation: client.OperationREAD,
			Protocols: []client.Protocol{client.ProtocolHTTPS}, ServiceUnitId: &unit}
		put, err := nora.PutApiWithResponse(w.ctx, id, nil, in)
		expect(t, "register an API into the unit", put, err, 201)
		in.Status = ptr(client.ApiStatusUNPUBLISHED)
		put, err = nora.PutApiWithResponse(w.ctx, id, nil, in)
		expect(t, "unpublish it", put, err, 200)
		put, err = nora.PutApiWithResponse(w.ctx, outside, nil, client.ApiInput{WorkspaceId: w.wsA, Name: "taken over", Path: "/seed/" + outside,
			Operation: client.OperationREAD, Protocols: []client.Protocol{client.ProtocolHTTPS}})
		expectError(t, "an API outside the unit", put, err, 403, "Forbidden.Access")
		del, err := nora.DeleteApiWithResponse(w.ctx, id, nil)
		expectError(t, "delete", del, err, 403, "Forbidden.Access")
		grant, err := nora.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.userSubject("u-other")), Envs: prodOnly, Validity: days(1)})
		expectError(t, "grant on the unit", grant, err, 403, "Forbidden.Access")
	}},
	{"004-20_service_unit_permission_revocation", func(t *testing.T, w *seedWorld) {
		unit, user := w.newUnit(t), "u-omar-"+w.sfx
		api := w.newAPI(t, "", inside(unit))
		res, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{
			Subject: ptr(w.userSubject(user)), Envs: prodOnly, Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionDEVELOPMENT}, Validity: days(30)})
		expect(t, "grant", res, err, 201)
		long, err := w.reviewer.CancelUnitGrantsWithResponse(w.ctx, unit, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.userSubject(user)}, Envs: prodOnly, Reason: ptr(strings.Repeat("r", 129))})
		expectError(t, "Reason For Revocation over 128", long, err, 400, "InvalidParameter.Reason")
		c, err := w.reviewer.CancelUnitGrantsWithResponse(w.ctx, unit, nil, client.CancelGrantsInput{
			Subjects: []client.Subject{w.userSubject(user)}, Envs: prodOnly, Reason: ptr("left sales")})
		expect(t, "Service Unit Permission Revocation", c, err, 202)
		w.waitReason(t, "the unit grant to go", client.CheckInput{ApiId: api, UserId: &user, Env: client.EnvPROD}, client.CheckReasonCANCELLED)
		res, err = w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.userSubject(user)), Envs: envs(client.EnvDEV), Validity: days(30)})
		one := expect(t, "a DEV grant", res, err, 201).JSON201.Grants[0]
		single, err := w.admin.CancelUnitGrantWithResponse(w.ctx, unit, one.GrantId, nil, client.CancelGrantInput{Immediate: ptr(true), Reason: ptr("one grant")})
		if g := expect(t, "revoke one unit grant at once", single, err, 200).JSON200; g.Status != client.GrantStatusREVOKED {
			t.Fatalf("single unit revocation: %+v", g)
		}
		wantReason(t, "DEV right after", w.decide(t, client.CheckInput{ApiId: api, UserId: &user, Env: client.EnvDEV}), client.CheckReasonCANCELLED)
		id := w.id("api")
		put, err := w.user(t, user).PutApiWithResponse(w.ctx, id, nil, client.ApiInput{WorkspaceId: w.wsA, Name: id, Path: "/seed/" + id,
			Operation: client.OperationREAD, Protocols: []client.Protocol{client.ProtocolHTTPS}, ServiceUnitId: &unit})
		expectError(t, "development after revocation", put, err, 403, "Forbidden.Access")
	}},
	{"004-21_apps_call_apis_of_any_project", func(t *testing.T, w *seedWorld) {
		apiA, apiC, app := w.newAPI(t, ""), w.newAPI(t, w.wsC), w.newApp(t, "", "")
		w.grantApp(t, apiA, app, prodOnly)
		w.grant(t, w.admin, apiC, client.GrantInput{Subject: ptr(w.appSubject(app)), Envs: prodOnly, Validity: days(30)})
		for _, api := range []string{apiA, apiC} {
			wantReason(t, api, w.checkApp(t, api, app, client.EnvPROD), client.CheckReasonGRANTED)
		}
	}},
	{"004-22_permission_pages", func(t *testing.T, w *seedWorld) {
		unit := w.newUnit(t)
		api, app, user := w.newAPI(t, ""), w.newApp(t, "", ""), "u-pia-"+w.sfx
		w.grantApp(t, api, app, bothEnvs)
		ag, err := w.member.CreateAppGrantsWithResponse(w.ctx, app, nil, client.AppGrantInput{Subject: ptr(w.userSubject(user)), Validity: days(30)})
		expect(t, "app grant", ag, err, 201)
		ug, err := w.reviewer.CreateUnitGrantsWithResponse(w.ctx, unit, nil, client.GrantInput{Subject: ptr(w.userSubject(user)), Envs: bothEnvs, Validity: days(30)})
		expect(t, "unit grant", ug, err, 201)
		apps, err := w.member.ListAppGrantsWithResponse(w.ctx, app, nil)
		if n := len(expect(t, "application permissions page", apps, err, 200).JSON200.Items); n != 1 {
			t.Fatalf("app grants: %d", n)
		}
		apis, err := w.reviewer.ListApiGrantsWithResponse(w.ctx, api, &client.ListApiGrantsParams{PageSize: ptr(1)})
		p := expect(t, "API permissions page", apis, err, 200).JSON200
		if len(p.Items) != 1 || p.NextToken == nil {
			t.Fatalf("API grants, page 1: %+v", p)
		}
		units, err := w.reviewer.ListUnitGrantsWithResponse(w.ctx, unit, nil)
		if n := len(expect(t, "service unit permissions page", units, err, 200).JSON200.Items); n != 2 {
			t.Fatalf("unit grants: %d", n)
		}
	}},
	{"004-23_row_level_flag_visible", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		res, err := w.member.GetApiWithResponse(w.ctx, api)
		if a := expect(t, "GetApi", res, err, 200).JSON200; !a.RowLevel {
			t.Fatalf("row_level: %+v", a)
		}
	}},
}

// pagedWorkspace is a workspace with three granted APIs (Alpha orders, Beta orders,
// Gamma invoices) and one not granted, for the listing rows.
func (w *seedWorld) pagedWorkspace(t *testing.T) string {
	t.Helper()
	ws := w.id("ws-list")
	for _, name := range []string{"Gamma invoices", "Beta orders", "Alpha orders", "Delta orders"} {
		api := w.newAPI(t, ws, func(in *client.ApiInput) { in.Name = name })
		if name != "Delta orders" {
			w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(30)})
		}
	}
	return ws
}

// newUnit creates a service unit of wsA.
func (w *seedWorld) newUnit(t *testing.T) string {
	t.Helper()
	id := w.id("unit")
	res, err := w.reviewer.PutServiceUnitWithResponse(w.ctx, id, nil, client.ServiceUnitInput{WorkspaceId: w.wsA, Name: "Sales " + id})
	expect(t, "PutServiceUnit", res, err, 201)
	return id
}

// inside puts a new API into unit.
func inside(unit string) func(*client.ApiInput) {
	return func(in *client.ApiInput) { in.ServiceUnitId = &unit }
}
