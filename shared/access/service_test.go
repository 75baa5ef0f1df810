package access_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// start lies far ahead of the real clock: DynamoDB Local does delete items whose ttl has
// passed in real time, so a test clock in the past would lose tombstones and records.
var start = time.Date(2099, 1, 15, 12, 0, 0, 0, time.UTC)

// Principals of the fixture: tenant t1 has the provider workspace "prov" (the APIs)
// and the consumer workspace "cons" (the app "app1", owned by alice).
var (
	admin     = access.NewPrincipal("root", "t1", access.RoleTenantAdmin)
	reviewer  = access.NewPrincipal("rev", "t1", "ws:prov:reviewer")
	provOwner = access.NewPrincipal("powner", "t1", "ws:prov:owner")
	alice     = access.NewPrincipal("alice", "t1", "ws:cons:developer")
	consOwner = access.NewPrincipal("cowner", "t1", "ws:cons:owner")
	dev       = access.NewPrincipal("dev", "t1", "ws:prov:developer")
	checker   = access.NewPrincipal("gw", "t1", access.RoleChecker)
	stranger  = access.NewPrincipal("x", "t2", access.RoleTenantAdmin, "ws:prov:owner")
)

func act(p access.Principal) access.Actor { return access.Actor{Principal: p} }

type fixture struct {
	t   *testing.T
	ctx context.Context
	svc *access.Service
	now atomic.Int64 // unix nanoseconds
}

func (f *fixture) clock() time.Time          { return time.Unix(0, f.now.Load()).UTC() }
func (f *fixture) advance(d time.Duration)   { f.now.Add(int64(d)) }
func (f *fixture) at() time.Time             { return f.clock().Truncate(time.Millisecond) }
func (f *fixture) setNotice(d time.Duration) { f.svc.CancelNotice = d }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background()}
	f.now.Store(start.UnixNano())
	tbl := storetest.Open(t, store.Options{Now: f.clock})
	// R29: the workspaces the tests name, registered in both tenants
	ids := []string{"cons", "prov", "prov2", "ws1", "w1", "w2", "w3", "fine", "a", "shared", "partner", "wsA", "ws-sales", "ws-bi", "other"}
	for i := range 12 { // bulk_test's generated subjects
		ids = append(ids, fmt.Sprintf("ws%02d", i))
	}
	for _, tenant := range []string{"t1", "t2"} {
		storetest.RegisterWorkspaces(t, tbl.Store, tenant, ids...)
	}
	f.svc = access.NewService(tbl.Store, access.Config{Now: f.clock, CancelNotice: 48 * time.Hour, ReminderDays: []int{7, 1}})
	f.putAPI("api1", "Orders", "/orders", access.OpRead, true, access.APIPublished)
	f.putApp("app1", "cons", "alice")
	return f
}

func (f *fixture) putAPI(id, name, path string, op access.Operation, rowLevel bool, status access.APIStatus, protocols ...access.Protocol) access.API {
	f.t.Helper()
	if len(protocols) == 0 {
		protocols = []access.Protocol{access.ProtoHTTP, access.ProtoHTTPS}
	}
	var fields []string
	if op == access.OpRead {
		fields = []string{"id", "name", "email"}
	}
	res, err := f.svc.PutAPI(f.ctx, act(provOwner), id, access.APIInput{
		WorkspaceID: "prov", Name: name, Path: path, Protocols: protocols, Fields: fields,
		Operation: op, RowLevel: rowLevel, Status: status,
	})
	if err != nil {
		f.t.Fatalf("put api %s: %v", id, err)
	}
	return res.API
}

func (f *fixture) setAPI(id string, mod func(*access.APIInput)) error {
	api, err := f.svc.GetAPI(f.ctx, provOwner, id)
	if err != nil {
		return err
	}
	in := access.APIInput{WorkspaceID: api.WorkspaceID, Name: api.Name, Path: api.Path, Protocols: api.Protocols,
		Fields: api.Fields, Operation: api.Operation, RowLevel: api.RowLevel, Status: api.Status}
	mod(&in)
	_, err = f.svc.PutAPI(f.ctx, act(provOwner), id, in)
	return err
}

func (f *fixture) putApp(id, ws, owner string) {
	f.t.Helper()
	p := access.NewPrincipal("wsowner", "t1", "ws:"+ws+":owner")
	if _, err := f.svc.PutApp(f.ctx, act(p), id, access.AppInput{WorkspaceID: ws, Name: id, Owner: owner}); err != nil {
		f.t.Fatalf("put app %s: %v", id, err)
	}
}

func appSubject(id string) access.Subject {
	return access.Subject{Type: access.SubjectApp, ID: id, TenantID: "t1"}
}

func wsSubject(id string) access.Subject {
	return access.Subject{Type: access.SubjectWorkspace, ID: id, TenantID: "t1"}
}

func grantIn(sub access.Subject, v access.Validity, envs ...access.Env) access.GrantInput {
	if len(envs) == 0 {
		envs = []access.Env{access.EnvProd}
	}
	return access.GrantInput{Subject: sub, Envs: envs, Validity: v, Reason: "test"}
}

// grant creates one grant and fails the test on error.
func (f *fixture) grant(p access.Principal, apiID string, in access.GrantInput) access.Grant {
	f.t.Helper()
	gs, err := f.svc.GrantOn(f.ctx, act(p), access.APIResource(apiID), in)
	if err != nil {
		f.t.Fatalf("create grants: %v", err)
	}
	if len(gs) != len(in.Envs) {
		f.t.Fatalf("got %d grants, want %d", len(gs), len(in.Envs))
	}
	return gs[0]
}

func (f *fixture) check(apiID, appID string, env access.Env) access.Decision {
	f.t.Helper()
	d, err := f.svc.Check(f.ctx, checker, access.CheckInput{APIID: apiID, AppID: appID, Env: env, Protocol: access.ProtoHTTPS})
	if err != nil {
		f.t.Fatalf("check: %v", err)
	}
	return d
}

func (f *fixture) wantCheck(apiID, appID string, env access.Env, want access.Reason) access.Decision {
	f.t.Helper()
	d := f.check(apiID, appID, env)
	if d.Reason != want || d.Allowed != (want == access.ReasonGranted) {
		f.t.Fatalf("check %s/%s/%s: got %v (allowed %v), want %v", apiID, appID, env, d.Reason, d.Allowed, want)
	}
	return d
}

func (f *fixture) status(apiID, grantID string) access.GrantStatus {
	f.t.Helper()
	g, err := f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource(apiID), grantID)
	if err != nil {
		f.t.Fatalf("get grant: %v", err)
	}
	api, err := f.svc.GetAPI(f.ctx, reviewer, apiID)
	if err != nil {
		f.t.Fatalf("get api: %v", err)
	}
	return g.Status(f.at(), api.Generation)
}

func wantErr(t *testing.T, err error, code string) {
	t.Helper()
	if !access.IsCode(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		return v
	}
}

func TestGrant_R1_OnlyPublishedAPI(t *testing.T) {
	f := newFixture(t)
	f.putAPI("draft", "Draft", "/draft", access.OpRead, false, access.APIUnpublished)
	_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("draft"), grantIn(appSubject("app1"), forDays(30)))
	wantErr(t, err, access.CodeAPINotPublished)
	_, err = f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("draft"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)})
	wantErr(t, err, access.CodeAPINotPublished)
	// publishing it makes it grantable
	if err := f.setAPI("draft", func(in *access.APIInput) { in.Status = access.APIPublished }); err != nil {
		t.Fatal(err)
	}
	f.grant(reviewer, "draft", grantIn(appSubject("app1"), forDays(30)))
}

func TestGrant_R3_OneInForcePerSlot(t *testing.T) {
	f := newFixture(t)
	first := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(1)))
	_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), grantIn(appSubject("app1"), forDays(30)))
	wantErr(t, err, access.CodeGrantExists)
	// another env and another subject are other slots
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30), access.EnvDev))
	f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30)))

	// after expiry a new grant replaces it
	f.advance(24 * time.Hour)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted) // the workspace grant
	second := f.grant(reviewer, "api1", grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited}))
	if second.ID == first.ID {
		t.Fatalf("got the same grant id %s, want a new one", second.ID)
	}
	if _, err := f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource("api1"), first.ID); !access.IsCode(err, access.CodeNotFoundGrant) {
		t.Fatalf("replaced grant: got %v, want %s", err, access.CodeNotFoundGrant)
	}
	// after revocation a new grant replaces it too
	must[access.Grant](t)(f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), second.ID, "done"))
	_, err = f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), grantIn(appSubject("app1"), forDays(30)))
	if err != nil {
		t.Fatalf("grant after revocation: got %v, want nil", err)
	}
}

func TestGrant_R3_MultiEnvAllOrNothing(t *testing.T) {
	f := newFixture(t)
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30), access.EnvProd))
	_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), grantIn(appSubject("app1"), forDays(30), access.EnvProd, access.EnvDev))
	wantErr(t, err, access.CodeGrantExists)
	f.wantCheck("api1", "app1", access.EnvDev, access.ReasonNoGrant)
	// both envs at once, on a free subject
	gs := must[[]access.Grant](t)(f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), grantIn(wsSubject("cons"), forDays(30), access.EnvProd, access.EnvDev)))
	if len(gs) != 2 || gs[0].Env == gs[1].Env || gs[0].ID == gs[1].ID {
		t.Fatalf("got %+v, want one grant per env", gs)
	}
	f.wantCheck("api1", "app1", access.EnvDev, access.ReasonGranted)
}

func TestCatalog_R4_UnpublishRevokesAll(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited}))
	f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30), access.EnvDev))
	protected := grantIn(appSubject("app1"), forDays(30), access.EnvDev)
	protected.Protected = true
	f.grant(admin, "api1", protected)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)

	if err := f.setAPI("api1", func(in *access.APIInput) { in.Status = access.APIUnpublished }); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonAPIUnpublished)
	f.wantCheck("api1", "app1", access.EnvDev, access.ReasonAPIUnpublished)

	if err := f.setAPI("api1", func(in *access.APIInput) { in.Status = access.APIPublished }); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
	f.wantCheck("api1", "app1", access.EnvDev, access.ReasonNoGrant)
	page := must[access.GrantPage](t)(f.svc.GrantsOf(f.ctx, reviewer, access.APIResource("api1"), 100, ""))
	if len(page.Items) != 0 {
		t.Fatalf("grant list: got %d items, want 0", len(page.Items))
	}
	auth := must[access.Page[access.Grant]](t)(f.svc.AuthorizedAPIs(f.ctx, consOwner, "cons", access.AuthorizedFilter{}, access.PageQuery{}))
	if len(auth.Items) != 0 || auth.Total != 0 {
		t.Fatalf("authorized: got %d/%d, want 0", len(auth.Items), auth.Total)
	}
	_, err := f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource("api1"), g.ID)
	wantErr(t, err, access.CodeNotFoundGrant)
	_, err = f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(90)})
	wantErr(t, err, access.CodeNotFoundGrant)
	// the slot is free again
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
}

func TestCatalog_R4_DeleteRevokesAll(t *testing.T) {
	f := newFixture(t)
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	if err := f.svc.DeleteAPI(f.ctx, act(reviewer), "api1"); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonAPINotFound)
	_, err := f.svc.GetAPI(f.ctx, reviewer, "api1")
	wantErr(t, err, access.CodeNotFoundAPI)
	f.putAPI("api1", "Orders", "/orders", access.OpRead, true, access.APIPublished)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
}

func TestCatalog_R5_ProtocolRemoval(t *testing.T) {
	f := newFixture(t)
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Protocols = []access.Protocol{access.ProtoHTTP} }); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonProtocolNotAllowed)
	d, err := f.svc.Check(f.ctx, checker, access.CheckInput{APIID: "api1", AppID: "app1", Env: access.EnvProd, Protocol: access.ProtoHTTP})
	if err != nil || !d.Allowed {
		t.Fatalf("over HTTP: got %+v %v, want GRANTED", d, err)
	}
	// the grant itself is untouched: restoring the protocol restores access
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Protocols = []access.Protocol{access.ProtoHTTP, access.ProtoHTTPS} }); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
}

func TestRenewal_R6_Extends(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	f.advance(10 * 24 * time.Hour)
	res := must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(30), Reason: "more"}))
	if res.Grant == nil || res.Request != nil {
		t.Fatalf("got %+v, want a renewed grant", res)
	}
	want := f.at().Add(30 * 24 * time.Hour).Truncate(time.Second)
	if res.Grant.EndTime == nil || !res.Grant.EndTime.Equal(want) || res.Grant.Version != g.Version+1 {
		t.Fatalf("got end %v version %d, want %v version %d", res.Grant.EndTime, res.Grant.Version, want, g.Version+1)
	}
	d := f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if d.ExpiresAt == nil || !d.ExpiresAt.Equal(want) {
		t.Fatalf("check expires_at: got %v, want %v", d.ExpiresAt, want)
	}
	// limited → unlimited extends
	res = must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: access.Validity{Type: access.Unlimited}}))
	if res.Grant.EndTime != nil {
		t.Fatalf("got %v, want unlimited", res.Grant.EndTime)
	}
}

func TestRenewal_R6_CannotShortenThroughService(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(90)))
	for _, tc := range []struct {
		name string
		v    access.Validity
	}{
		{"fewer days", forDays(30)},
		{"same end", until(*g.EndTime)},
		{"end in the past", until(start.Add(-time.Hour))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: tc.v})
			wantErr(t, err, access.CodeValidity)
		})
	}
	u := f.grant(reviewer, "api1", grantIn(wsSubject("cons"), access.Validity{Type: access.Unlimited}))
	for _, v := range []access.Validity{forDays(3650), {Type: access.Unlimited}} {
		_, err := f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), u.ID, access.RenewInput{Validity: v})
		wantErr(t, err, access.CodeValidity)
	}
}

func TestRenewal_R6_NotInForce(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(1)))
	f.advance(24 * time.Hour)
	_, err := f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(30)})
	wantErr(t, err, access.CodeGrantNotInForce)
	w := f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30)))
	must[access.Grant](t)(f.svc.RevokeOn(f.ctx, act(consOwner), access.APIResource("api1"), w.ID, ""))
	_, err = f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), w.ID, access.RenewInput{Validity: forDays(60)})
	wantErr(t, err, access.CodeGrantNotInForce)
}

func TestRenewal_R6_AppOwnerRequestsReviewerApproves(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	res := must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(180), Reason: "quarter"}))
	if res.Request == nil || res.Grant != nil || res.Request.Kind != access.RequestRenew || res.Request.Status != access.RequestPending || res.Request.GrantID != g.ID {
		t.Fatalf("got %+v, want a pending RENEW request", res)
	}
	// unchanged until approved
	if cur := must[access.Grant](t)(f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource("api1"), g.ID)); !cur.EndTime.Equal(*g.EndTime) {
		t.Fatalf("got end %v, want %v before approval", cur.EndTime, g.EndTime)
	}
	_, err := f.svc.RenewOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(10)})
	wantErr(t, err, access.CodeValidity) // refused up front, as approval would
	_, err = f.svc.RenewOn(f.ctx, act(dev), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(180)})
	wantErr(t, err, access.CodeForbidden)
	_, err = f.svc.Approve(f.ctx, act(alice), res.Request.ID, "")
	wantErr(t, err, access.CodeForbidden)

	f.advance(time.Hour)
	ap := must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), res.Request.ID, "ok"))
	want := f.at().Add(180 * 24 * time.Hour).Truncate(time.Second) // counted from approval
	if ap.Request.Status != access.RequestApproved || len(ap.Grants) != 1 || !ap.Grants[0].EndTime.Equal(want) {
		t.Fatalf("got %+v, want approved with end %v", ap, want)
	}
	if cur := must[access.Grant](t)(f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource("api1"), g.ID)); !cur.EndTime.Equal(want) {
		t.Fatalf("got end %v, want %v", cur.EndTime, want)
	}
}

func TestCancel_R7_Deferred(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited}))
	res := must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Reason: "retiring"}))
	wantAt := f.at().Add(48 * time.Hour)
	if !res.Deferred || res.Grant.CancelAt == nil || !res.Grant.CancelAt.Equal(wantAt) {
		t.Fatalf("got deferred %v cancel_at %v, want true %v", res.Deferred, res.Grant.CancelAt, wantAt)
	}
	if s := f.status("api1", g.ID); s != access.StatusCancellationPending {
		t.Fatalf("got %v, want %v", s, access.StatusCancellationPending)
	}
	d := f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if d.ExpiresAt == nil || !d.ExpiresAt.Equal(wantAt) {
		t.Fatalf("expires_at: got %v, want %v", d.ExpiresAt, wantAt)
	}
	_, err := f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{})
	wantErr(t, err, access.CodeCancelPending)

	f.advance(48*time.Hour - time.Millisecond)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	f.advance(time.Millisecond) // cancel_at == now
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonCancelled)
	if s := f.status("api1", g.ID); s != access.StatusRevoked {
		t.Fatalf("got %v, want %v", s, access.StatusRevoked)
	}
	_, err = f.svc.WithdrawCancellationOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, "")
	wantErr(t, err, access.CodeNoCancelPending)
}

func TestCancel_R7_Withdraw(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	_, err := f.svc.WithdrawCancellationOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, "")
	wantErr(t, err, access.CodeNoCancelPending)
	must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{}))
	_, err = f.svc.WithdrawCancellationOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, "")
	wantErr(t, err, access.CodeForbidden)
	back := must[access.Grant](t)(f.svc.WithdrawCancellationOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, "changed my mind"))
	if back.CancelAt != nil {
		t.Fatalf("got cancel_at %v, want none", back.CancelAt)
	}
	f.advance(72 * time.Hour)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if s := f.status("api1", g.ID); s != access.StatusActive {
		t.Fatalf("got %v, want %v", s, access.StatusActive)
	}
}

func TestCancel_R7_ZeroNoticeImmediate(t *testing.T) {
	f := newFixture(t)
	f.setNotice(0)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	res := must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{}))
	if res.Deferred || res.Grant.RevokedAt == nil {
		t.Fatalf("got %+v, want revoked now", res)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonCancelled)
}

func TestCancel_R7_ImmediateOnlyForTenantAdmin(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	_, err := f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Immediate: true})
	wantErr(t, err, access.CodeForbidden)
	res := must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(admin), access.APIResource("api1"), g.ID, access.CancelInput{Immediate: true}))
	if res.Deferred {
		t.Fatalf("got deferred, want immediate")
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonCancelled)
}

func TestRevoke_R8_AppSideImmediate(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	for _, p := range []access.Principal{reviewer, dev, stranger} {
		_, err := f.svc.RevokeOn(f.ctx, act(p), access.APIResource("api1"), g.ID, "")
		if !access.IsCode(err, access.CodeForbidden) && !access.IsCode(err, access.CodeNotFoundGrant) {
			t.Fatalf("%s: got %v, want Forbidden.Access or NotFound.Grant", p.Sub, err)
		}
	}
	revoked := must[access.Grant](t)(f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, "not needed"))
	if revoked.RevokedAt == nil {
		t.Fatalf("got %+v, want revoked", revoked)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonCancelled)
	_, err := f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, "")
	wantErr(t, err, access.CodeGrantNotInForce)

	// a workspace grant: the grantee workspace's owner, at once
	w := f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30)))
	_, err = f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), w.ID, "")
	wantErr(t, err, access.CodeForbidden)
	must[access.Grant](t)(f.svc.RevokeOn(f.ctx, act(consOwner), access.APIResource("api1"), w.ID, ""))
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonCancelled)
}

func TestApply_R9_Pending(t *testing.T) {
	f := newFixture(t)
	res := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{
		AppID: "app1", Envs: []access.Env{access.EnvProd}, Fields: []string{"id"}, Validity: forDays(30), Reason: "reports"}))
	if res.Request.Status != access.RequestPending || res.Request.Kind != access.RequestApply || len(res.Grants) != 0 {
		t.Fatalf("got %+v, want a pending APPLY", res)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
	// only the app's owner applies
	_, err := f.svc.ApplyOn(f.ctx, act(consOwner), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)})
	wantErr(t, err, access.CodeForbidden)

	f.advance(time.Hour)
	ap := must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), res.Request.ID, "fine"))
	if ap.Request.Status != access.RequestApproved || len(ap.Grants) != 1 || ap.Request.Reviewer != "rev" {
		t.Fatalf("got %+v, want approved with one grant", ap)
	}
	want := f.at().Add(30 * 24 * time.Hour).Truncate(time.Second)
	if !ap.Grants[0].EndTime.Equal(want) {
		t.Fatalf("got end %v, want %v (counted from approval)", ap.Grants[0].EndTime, want)
	}
	d := f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if len(d.Fields) != 1 || d.Fields[0] != "id" {
		t.Fatalf("got fields %v, want [id]", d.Fields)
	}
	// applying again while the grant is in force: renew instead
	_, err = f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)})
	wantErr(t, err, access.CodeGrantExists)
}

func TestApply_R9_ReviewerApplicantAutoApproved(t *testing.T) {
	f := newFixture(t)
	bob := access.NewPrincipal("bob", "t1", "ws:prov:reviewer")
	f.putApp("app2", "cons", "bob")
	res := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(bob), access.APIResource("api1"), access.ApplyInput{
		AppID: "app2", Envs: []access.Env{access.EnvProd, access.EnvDev}, Validity: forDays(30)}))
	if res.Request.Status != access.RequestApproved || len(res.Grants) != 2 || res.Request.DecidedAt == nil {
		t.Fatalf("got %+v, want approved at once with two grants", res)
	}
	f.wantCheck("api1", "app2", access.EnvDev, access.ReasonGranted)
	stored := must[access.Request](t)(f.svc.GetRequest(f.ctx, bob, res.Request.ID))
	if stored.Status != access.RequestApproved {
		t.Fatalf("got %v, want APPROVED", stored.Status)
	}
}

func TestApply_R9_DecideTwice(t *testing.T) {
	f := newFixture(t)
	in := access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)}
	r1 := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), in))
	must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), r1.Request.ID, ""))
	_, err := f.svc.Approve(f.ctx, act(reviewer), r1.Request.ID, "")
	wantErr(t, err, access.CodeRequestDecided)
	_, err = f.svc.Reject(f.ctx, act(reviewer), r1.Request.ID, "")
	wantErr(t, err, access.CodeRequestDecided)

	in.Envs = []access.Env{access.EnvDev}
	r2 := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), in))
	_, err = f.svc.Reject(f.ctx, act(dev), r2.Request.ID, "")
	wantErr(t, err, access.CodeForbidden)
	rej := must[access.Request](t)(f.svc.Reject(f.ctx, act(reviewer), r2.Request.ID, "no"))
	if rej.Status != access.RequestRejected {
		t.Fatalf("got %v, want REJECTED", rej.Status)
	}
	_, err = f.svc.Approve(f.ctx, act(reviewer), r2.Request.ID, "")
	wantErr(t, err, access.CodeRequestDecided)
	_, err = f.svc.Withdraw(f.ctx, act(alice), r2.Request.ID, "")
	wantErr(t, err, access.CodeRequestDecided)
	f.wantCheck("api1", "app1", access.EnvDev, access.ReasonNoGrant)
}

func TestApply_R9_Withdraw(t *testing.T) {
	f := newFixture(t)
	r := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)}))
	_, err := f.svc.Withdraw(f.ctx, act(reviewer), r.Request.ID, "")
	wantErr(t, err, access.CodeForbidden)
	w := must[access.Request](t)(f.svc.Withdraw(f.ctx, act(alice), r.Request.ID, "oops"))
	if w.Status != access.RequestWithdrawn {
		t.Fatalf("got %v, want WITHDRAWN", w.Status)
	}
	_, err = f.svc.Approve(f.ctx, act(reviewer), r.Request.ID, "")
	wantErr(t, err, access.CodeRequestDecided)
}

func TestProtected_R10_OnlyTenantAdminCreates(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited})
	in.Protected = true
	for _, p := range []access.Principal{reviewer, provOwner} {
		_, err := f.svc.GrantOn(f.ctx, act(p), access.APIResource("api1"), in)
		wantErr(t, err, access.CodeForbidden)
	}
	g := f.grant(admin, "api1", in)
	if !g.Protected {
		t.Fatal("got unprotected, want protected")
	}
}

func TestProtected_R10_CannotCancelOrRevoke(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited})
	in.Protected = true
	g := f.grant(admin, "api1", in)
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"reviewer cancel", func() error {
			_, err := f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{})
			return err
		}},
		{"admin immediate cancel", func() error {
			_, err := f.svc.CancelOn(f.ctx, act(admin), access.APIResource("api1"), g.ID, access.CancelInput{Immediate: true})
			return err
		}},
		{"app owner revoke", func() error {
			_, err := f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, "")
			return err
		}},
		{"admin revoke", func() error {
			_, err := f.svc.RevokeOn(f.ctx, act(admin), access.APIResource("api1"), g.ID, "")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), access.CodeGrantProtected) })
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
}

func TestProtected_R10_UnpublishRemovesIt(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited})
	in.Protected = true
	g := f.grant(admin, "api1", in)
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Status = access.APIUnpublished }); err != nil {
		t.Fatal(err)
	}
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Status = access.APIPublished }); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
	_, err := f.svc.GetGrantOn(f.ctx, admin, access.APIResource("api1"), g.ID)
	wantErr(t, err, access.CodeNotFoundGrant)
}

func TestCancel_R11_ProxyOnly(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), forDays(30))
	in.Permissions = []access.Permission{access.PermProxy}
	g := f.grant(reviewer, "api1", in)
	proxy := access.CheckInput{APIID: "api1", AppID: "app1", Env: access.EnvProd, Proxy: true}
	if d := must[access.Decision](t)(f.svc.Check(f.ctx, checker, proxy)); !d.Allowed {
		t.Fatalf("got %v, want GRANTED", d.Reason)
	}
	res := must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Permissions: []access.Permission{access.PermProxy}}))
	if !res.Deferred || len(res.Grant.CancelPermissions) != 1 || res.Grant.CancelPermissions[0] != access.PermProxy {
		t.Fatalf("got %+v, want a deferred PROXY cancellation", res)
	}
	d := f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if !d.ExpiresAt.Equal(*g.EndTime) {
		t.Fatalf("expires_at: got %v, want end_time %v (PROXY cancel_at not counted)", d.ExpiresAt, g.EndTime)
	}
	f.advance(48 * time.Hour)
	if d := must[access.Decision](t)(f.svc.Check(f.ctx, checker, proxy)); d.Reason != access.ReasonProxyNotGranted || d.Allowed {
		t.Fatalf("got %v (allowed %v), want PROXY_NOT_GRANTED", d.Reason, d.Allowed)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if s := f.status("api1", g.ID); s != access.StatusActive {
		t.Fatalf("got %v, want ACTIVE", s)
	}
	// a PROXY cancellation of a grant without PROXY is refused
	_, err := f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Permissions: []access.Permission{access.PermProxy}})
	wantErr(t, err, access.CodePermissions)
	// and USAGE can still be cancelled afterwards
	must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{}))
}

func TestGrant_R12_Shape(t *testing.T) {
	f := newFixture(t)
	f.putAPI("flat", "Flat", "/flat", access.OpRead, false, access.APIPublished)
	f.putAPI("writer", "Writer", "/writer", access.OpCreate, false, access.APIPublished)
	proxy := []access.Permission{access.PermProxy}
	tests := []struct {
		name  string
		api   string
		sub   access.Subject
		perms []access.Permission
		flds  []string
		code  string
	}{
		{"proxy to workspace", "api1", wsSubject("cons"), proxy, nil, access.CodePermissions},
		{"proxy on non row-level", "flat", appSubject("app1"), proxy, nil, access.CodePermissions},
		{"proxy on create api", "writer", appSubject("app1"), proxy, nil, access.CodePermissions},
		{"fields on create api", "writer", appSubject("app1"), nil, []string{"id"}, access.CodeFields},
		{"unknown field", "api1", appSubject("app1"), nil, []string{"salary"}, access.CodeFields},
		{"duplicate field", "api1", appSubject("app1"), nil, []string{"id", "id"}, access.CodeFields},
		{"unknown permission", "api1", appSubject("app1"), []access.Permission{"OWN"}, nil, access.CodePermissions},
		{"unknown app", "api1", appSubject("nope"), nil, nil, access.CodeNotFoundApp},
		{"app under the wrong tenant", "api1", access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: "t2"}, nil, nil, access.CodeNotFoundApp},
		{"proxy to app on row-level read", "api1", appSubject("app1"), proxy, []string{"id"}, ""},
		{"create api without fields", "writer", appSubject("app1"), nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := grantIn(tc.sub, forDays(30))
			in.Permissions, in.Fields = tc.perms, tc.flds
			_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource(tc.api), in)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			wantErr(t, err, tc.code)
		})
	}
	// PATCH follows R12 too
	g := f.grant(reviewer, "flat", grantIn(appSubject("app1"), forDays(30)))
	_, err := f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("flat"), g.ID, access.PatchInput{AddPermissions: proxy})
	wantErr(t, err, access.CodePermissions)
	_, err = f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("flat"), g.ID, access.PatchInput{Fields: &[]string{"nope"}})
	wantErr(t, err, access.CodeFields)
	p := must[access.Grant](t)(f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("flat"), g.ID, access.PatchInput{Fields: &[]string{"email"}}))
	if len(p.Fields) != 1 || p.Version != g.Version+1 {
		t.Fatalf("got %+v, want fields [email] at version %d", p, g.Version+1)
	}
}

func TestReason_R13_OnEveryOperation(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("数", 129)
	ok := strings.Repeat("数", 128)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	req := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvDev}, Validity: forDays(30), Reason: ok}))
	ops := []struct {
		name string
		do   func(reason string) error
	}{
		{"grant", func(r string) error {
			in := grantIn(wsSubject("cons"), forDays(30))
			in.Reason = r
			_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), in)
			return err
		}},
		{"apply", func(r string) error {
			_, err := f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30), Reason: r})
			return err
		}},
		{"renew", func(r string) error {
			_, err := f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(60), Reason: r})
			return err
		}},
		{"cancel", func(r string) error {
			_, err := f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Reason: r})
			return err
		}},
		{"withdraw cancellation", func(r string) error {
			_, err := f.svc.WithdrawCancellationOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, r)
			return err
		}},
		{"patch", func(r string) error {
			_, err := f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.PatchInput{Fields: &[]string{"id"}, Reason: r})
			return err
		}},
		{"approve", func(r string) error { _, err := f.svc.Approve(f.ctx, act(reviewer), req.Request.ID, r); return err }},
		{"reject", func(r string) error { _, err := f.svc.Reject(f.ctx, act(reviewer), req.Request.ID, r); return err }},
		{"withdraw", func(r string) error { _, err := f.svc.Withdraw(f.ctx, act(alice), req.Request.ID, r); return err }},
		{"revoke", func(r string) error {
			_, err := f.svc.RevokeOn(f.ctx, act(alice), access.APIResource("api1"), g.ID, r)
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) { wantErr(t, op.do(long), access.CodeReason) })
	}
	// 128 characters pass on each (in an order where every operation applies)
	for _, name := range []string{"grant", "renew", "cancel", "withdraw cancellation", "patch", "withdraw", "revoke"} {
		for _, op := range ops {
			if op.name == name {
				if err := op.do(ok); err != nil {
					t.Fatalf("%s with 128 characters: got %v, want nil", name, err)
				}
			}
		}
	}
}

func TestCheck_R14_ThroughStore(t *testing.T) {
	f := newFixture(t)
	f.putApp("off", "cons", "alice")
	p := access.NewPrincipal("wsowner", "t1", "ws:cons:owner")
	if _, err := f.svc.PutApp(f.ctx, act(p), "off", access.AppInput{WorkspaceID: "cons", Name: "off", Owner: "alice", Status: access.AppDisabled}); err != nil {
		t.Fatal(err)
	}
	f.putAPI("draft", "Draft", "/draft", access.OpRead, false, access.APIUnpublished)
	f.putAPI("plain", "Plain", "/plain", access.OpRead, false, access.APIPublished, access.ProtoHTTP)
	app := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(1)))
	f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30), access.EnvDev))
	f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(60), access.EnvDev))

	// another tenant's API with the same app
	other := access.NewPrincipal("o", "t2", "ws:w2:owner")
	if _, err := f.svc.PutAPI(f.ctx, act(other), "foreign", access.APIInput{WorkspaceID: "w2", Name: "F", Path: "/foreign",
		Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead}); err != nil {
		t.Fatal(err)
	}

	f.wantCheck("missing", "app1", access.EnvProd, access.ReasonAPINotFound)
	f.wantCheck("foreign", "app1", access.EnvProd, access.ReasonAPINotFound)
	f.wantCheck("draft", "app1", access.EnvProd, access.ReasonAPIUnpublished)
	f.wantCheck("plain", "app1", access.EnvProd, access.ReasonProtocolNotAllowed)
	f.wantCheck("api1", "ghost", access.EnvProd, access.ReasonAppNotFound)
	f.wantCheck("api1", "off", access.EnvProd, access.ReasonAppDisabled)
	d := f.wantCheck("api1", "app1", access.EnvDev, access.ReasonGranted) // the app grant wins
	if *d.GrantID == app.ID || d.ExpiresAt == nil || !d.ExpiresAt.Equal(start.Add(60*24*time.Hour)) {
		t.Fatalf("got %+v, want the 60-day APP grant", d)
	}
	d = f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	if *d.GrantID != app.ID || len(d.Fields) != 3 {
		t.Fatalf("got %+v, want %s with all fields", d, app.ID)
	}
	f.advance(24 * time.Hour)
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonExpired)
	// the workspace grant covers another app of the workspace
	f.putApp("app3", "cons", "carol")
	f.wantCheck("api1", "app3", access.EnvDev, access.ReasonGranted)
	f.wantCheck("api1", "app3", access.EnvProd, access.ReasonNoGrant)
	// only checkers and tenant admins may check
	_, err := f.svc.Check(f.ctx, reviewer, access.CheckInput{APIID: "api1", AppID: "app1", Env: access.EnvProd})
	wantErr(t, err, access.CodeForbidden)
	_, err = f.svc.Check(f.ctx, checker, access.CheckInput{APIID: "api1", AppID: "app1", Env: "prod"})
	wantErr(t, err, access.CodeEnv)
}

func TestCheck_R14_AppMovesWorkspace(t *testing.T) {
	f := newFixture(t)
	f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30)))
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted) // caches cons for app1
	p := access.NewPrincipal("wsowner", "t1", "ws:cons:owner", "ws:other:owner")
	if _, err := f.svc.PutApp(f.ctx, act(p), "app1", access.AppInput{WorkspaceID: "other", Name: "app1", Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
}

func TestConcurrency_OneWinnerPerVersion(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, errs[i] = f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(31 + i)})
			} else {
				_, errs[i] = f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{})
			}
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case access.IsCode(err, access.CodeConcurrent), access.IsCode(err, access.CodeCancelPending), access.IsCode(err, access.CodeValidity):
		default:
			t.Errorf("goroutine %d: got %v, want nil or a conflict", i, err)
		}
	}
	if wins == 0 {
		t.Fatal("got no winner, want at least one")
	}
	final := must[access.Grant](t)(f.svc.GetGrantOn(f.ctx, reviewer, access.APIResource("api1"), g.ID))
	if final.Version != g.Version+int64(wins) {
		t.Fatalf("version: got %d, want %d (1 + %d successes): a lost update", final.Version, g.Version+int64(wins), wins)
	}
	entries := 0
	next := ""
	for {
		page := must[access.AuditPage](t)(f.svc.AuditOf(f.ctx, reviewer, access.APIResource("api1"), 100, next))
		for _, e := range page.Items {
			if e.GrantID == g.ID {
				entries++
			}
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if entries != 1+wins { // the creation plus one per success
		t.Fatalf("audit entries: got %d, want %d", entries, 1+wins)
	}
}

func TestIsolation_OtherTenantGetsNotFound(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	r := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvDev}, Validity: forDays(30)}))
	a := act(stranger)
	tests := []struct {
		name string
		do   func() error
		code string
	}{
		{"get api", func() error { _, err := f.svc.GetAPI(f.ctx, stranger, "api1"); return err }, access.CodeNotFoundAPI},
		{"grant", func() error {
			_, err := f.svc.GrantOn(f.ctx, a, access.APIResource("api1"), grantIn(appSubject("app1"), forDays(30), access.EnvDev))
			return err
		}, access.CodeNotFoundAPI},
		{"get grant", func() error {
			_, err := f.svc.GetGrantOn(f.ctx, stranger, access.APIResource("api1"), g.ID)
			return err
		}, access.CodeNotFoundGrant},
		{"cancel", func() error {
			_, err := f.svc.CancelOn(f.ctx, a, access.APIResource("api1"), g.ID, access.CancelInput{})
			return err
		}, access.CodeNotFoundGrant},
		{"renew", func() error {
			_, err := f.svc.RenewOn(f.ctx, a, access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(90)})
			return err
		}, access.CodeNotFoundGrant},
		{"revoke", func() error { _, err := f.svc.RevokeOn(f.ctx, a, access.APIResource("api1"), g.ID, ""); return err }, access.CodeNotFoundGrant},
		{"get app", func() error { _, err := f.svc.GetApp(f.ctx, stranger, "app1"); return err }, access.CodeNotFoundApp},
		{"get request", func() error { _, err := f.svc.GetRequest(f.ctx, stranger, r.Request.ID); return err }, access.CodeNotFoundRequest},
		{"approve", func() error { _, err := f.svc.Approve(f.ctx, a, r.Request.ID, ""); return err }, access.CodeNotFoundRequest},
		{"grants of api", func() error {
			_, err := f.svc.GrantsOf(f.ctx, stranger, access.APIResource("api1"), 10, "")
			return err
		}, access.CodeNotFoundAPI},
		{"audit", func() error { _, err := f.svc.AuditOf(f.ctx, stranger, access.APIResource("api1"), 10, ""); return err }, access.CodeNotFoundAPI},
		{"put api id taken", func() error {
			_, err := f.svc.PutAPI(f.ctx, a, "api1", access.APIInput{WorkspaceID: "prov", Name: "x", Path: "/x", Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead})
			return err
		}, access.CodeIDTaken},
		{"put api path taken", func() error {
			_, err := f.svc.PutAPI(f.ctx, a, "mine", access.APIInput{WorkspaceID: "prov", Name: "x", Path: "/orders", Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead})
			return err
		}, access.CodePathTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), tc.code) })
	}
	// a checker of another tenant: API_NOT_FOUND
	d := must[access.Decision](t)(f.svc.Check(f.ctx, access.NewPrincipal("gw2", "t2", access.RoleChecker), access.CheckInput{APIID: "api1", AppID: "app1", Env: access.EnvProd}))
	if d.Reason != access.ReasonAPINotFound {
		t.Fatalf("got %v, want API_NOT_FOUND", d.Reason)
	}
}

func TestIsolation_MemberWithoutRoleForbidden(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	r := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvDev}, Validity: forDays(30)}))
	a := act(dev) // a developer of the API's workspace, not a reviewer
	tests := []struct {
		name string
		do   func() error
	}{
		{"grant", func() error {
			_, err := f.svc.GrantOn(f.ctx, a, access.APIResource("api1"), grantIn(wsSubject("cons"), forDays(30)))
			return err
		}},
		{"cancel", func() error {
			_, err := f.svc.CancelOn(f.ctx, a, access.APIResource("api1"), g.ID, access.CancelInput{})
			return err
		}},
		{"renew", func() error {
			_, err := f.svc.RenewOn(f.ctx, a, access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(90)})
			return err
		}},
		{"patch", func() error {
			_, err := f.svc.PatchGrantOn(f.ctx, a, access.APIResource("api1"), g.ID, access.PatchInput{Fields: &[]string{"id"}})
			return err
		}},
		{"approve", func() error { _, err := f.svc.Approve(f.ctx, a, r.Request.ID, ""); return err }},
		{"reject", func() error { _, err := f.svc.Reject(f.ctx, a, r.Request.ID, ""); return err }},
		{"get grant", func() error { _, err := f.svc.GetGrantOn(f.ctx, dev, access.APIResource("api1"), g.ID); return err }},
		{"grants of api", func() error { _, err := f.svc.GrantsOf(f.ctx, dev, access.APIResource("api1"), 10, ""); return err }},
		{"audit", func() error { _, err := f.svc.AuditOf(f.ctx, dev, access.APIResource("api1"), 10, ""); return err }},
		{"granted apis", func() error { _, err := f.svc.GrantedAPIs(f.ctx, dev, "prov", access.PageQuery{}); return err }},
		{"authorized apis of another workspace", func() error {
			_, err := f.svc.AuthorizedAPIs(f.ctx, dev, "cons", access.AuthorizedFilter{}, access.PageQuery{})
			return err
		}},
		{"put api", func() error {
			_, err := f.svc.PutAPI(f.ctx, a, "api9", access.APIInput{WorkspaceID: "prov", Name: "x", Path: "/x9", Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead})
			return err
		}},
		{"delete api", func() error { return f.svc.DeleteAPI(f.ctx, a, "api1") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), access.CodeForbidden) })
	}
}

func TestCheck_R14_Authorizer(t *testing.T) {
	f := newFixture(t)
	p := access.NewPrincipal("wsowner", "t1", "ws:cons:owner")
	created := must[access.AppResult](t)(f.svc.PutApp(f.ctx, act(p), "app2", access.AppInput{WorkspaceID: "cons", Name: "app2", Owner: "alice"}))
	if created.AppCode == "" {
		t.Fatal("got no AppCode on creation, want one")
	}
	f.grant(reviewer, "api1", grantIn(appSubject("app2"), forDays(30)))
	az := must[access.Authorization](t)(f.svc.Authorize(f.ctx, created.AppCode, "/orders", access.EnvProd, access.ProtoHTTPS))
	if !az.Decision.Allowed || az.AppID != "app2" || az.APIID != "api1" {
		t.Fatalf("got %+v, want GRANTED for app2 on api1", az)
	}
	for _, tc := range []struct {
		name, code, path string
		want             access.Reason
	}{
		{"unknown path", created.AppCode, "/nope", access.ReasonAPINotFound},
		{"bad path", created.AppCode, "orders", access.ReasonAPINotFound},
		{"unknown code", "not-a-code", "/orders", access.ReasonAppNotFound},
		{"no code", "", "/orders", access.ReasonAppNotFound},
		{"no code, unknown path", "", "/nope", access.ReasonAPINotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			az := must[access.Authorization](t)(f.svc.Authorize(f.ctx, tc.code, tc.path, access.EnvProd, access.ProtoHTTPS))
			if az.Decision.Allowed || az.Decision.Reason != tc.want {
				t.Fatalf("got %v (allowed %v), want %v", az.Decision.Reason, az.Decision.Allowed, tc.want)
			}
		})
	}
	// R14's order holds for an unknown code too: the API's state comes first.
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Protocols = []access.Protocol{access.ProtoHTTP} }); err != nil {
		t.Fatal(err)
	}
	if az := must[access.Authorization](t)(f.svc.Authorize(f.ctx, "not-a-code", "/orders", access.EnvProd, access.ProtoHTTPS)); az.Decision.Reason != access.ReasonProtocolNotAllowed {
		t.Fatalf("unknown code, protocol removed: got %v, want PROTOCOL_NOT_ALLOWED", az.Decision.Reason)
	}
	if err := f.setAPI("api1", func(in *access.APIInput) { in.Protocols = []access.Protocol{access.ProtoHTTPS} }); err != nil {
		t.Fatal(err)
	}
	rot := must[access.AppCodeResult](t)(f.svc.RotateAppCode(f.ctx, act(alice), "app2"))
	az = must[access.Authorization](t)(f.svc.Authorize(f.ctx, created.AppCode, "/orders", access.EnvProd, access.ProtoHTTPS))
	if az.Decision.Allowed {
		t.Fatalf("old AppCode after rotation: got %v, want denied", az.Decision.Reason)
	}
	az = must[access.Authorization](t)(f.svc.Authorize(f.ctx, rot.Secret, "/orders", access.EnvProd, access.ProtoHTTPS))
	if !az.Decision.Allowed {
		t.Fatalf("new AppCode: got %v, want GRANTED", az.Decision.Reason)
	}
}

func TestConcurrency_R3_OneGrantPerSlot(t *testing.T) {
	f := newFixture(t)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), grantIn(appSubject("app1"), forDays(30+i)))
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case access.IsCode(err, access.CodeGrantExists), access.IsCode(err, access.CodeConcurrent):
		default:
			t.Errorf("goroutine %d: got %v, want nil or Conflict.GrantExists", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("got %d grants created, want exactly 1", wins)
	}
	page := must[access.GrantPage](t)(f.svc.GrantsOf(f.ctx, reviewer, access.APIResource("api1"), 100, ""))
	if len(page.Items) != 1 {
		t.Fatalf("got %d grants listed, want 1", len(page.Items))
	}
}

func TestConcurrency_R9_OneDecisionPerRequest(t *testing.T) {
	f := newFixture(t)
	r := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)}))
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, errs[i] = f.svc.Approve(f.ctx, act(reviewer), r.Request.ID, "")
			} else {
				_, errs[i] = f.svc.Reject(f.ctx, act(provOwner), r.Request.ID, "")
			}
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case access.IsCode(err, access.CodeRequestDecided), access.IsCode(err, access.CodeConcurrent):
		default:
			t.Errorf("goroutine %d: got %v, want nil or Conflict.RequestDecided", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("got %d decisions, want exactly 1", wins)
	}
	final := must[access.Request](t)(f.svc.GetRequest(f.ctx, reviewer, r.Request.ID))
	want := access.ReasonNoGrant
	if final.Status == access.RequestApproved {
		want = access.ReasonGranted
	}
	f.wantCheck("api1", "app1", access.EnvProd, want)
}

func TestReminders_R16_ArmedThroughStore(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(3)))
	stored := must[access.Grant](t)(f.svc.Store.GetGrantAt(f.ctx, g.Key()))
	if len(stored.Reminded) != 1 || stored.Reminded[0] != 7 {
		t.Fatalf("reminded: got %v, want [7] (past at creation)", stored.Reminded)
	}
	if want := g.EndTime.Add(-24 * time.Hour); stored.Due == nil || !stored.Due.Equal(want) {
		t.Fatalf("due: got %v, want %v", stored.Due, want)
	}
	res := must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(30)}))
	stored = must[access.Grant](t)(f.svc.Store.GetGrantAt(f.ctx, g.Key()))
	if len(stored.Reminded) != 0 {
		t.Fatalf("reminded after renewal: got %v, want none", stored.Reminded)
	}
	if want := res.Grant.EndTime.Add(-7 * 24 * time.Hour); stored.Due == nil || !stored.Due.Equal(want) {
		t.Fatalf("due after renewal: got %v, want %v", stored.Due, want)
	}
}

// forDays is a LIMITED validity of n days.
func forDays(n int) access.Validity { return access.Validity{Type: access.Limited, Days: &n} }

// until is a LIMITED validity ending at t.
func until(t time.Time) access.Validity { return access.Validity{Type: access.Limited, EndTime: &t} }
