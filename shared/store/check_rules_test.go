package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// checkWorld is the check over the real store, on a client that counts the
// BatchGetItem requests it sends (an SDK middleware, so every request counts).
type checkWorld struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	svc     *access.Service
	now     time.Time
	batches atomic.Int64
}

func newCheckWorld(t *testing.T) *checkWorld {
	t.Parallel()
	w := &checkWorld{t: t, ctx: context.Background(), now: t0}
	clock := func() time.Time { return w.now }
	tbl := storetest.Open(t, store.Options{Now: clock})
	count := middleware.InitializeMiddlewareFunc("countBatchGet", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if awsmiddleware.GetOperationName(ctx) == "BatchGetItem" {
			w.batches.Add(1)
		}
		return next.HandleInitialize(ctx, in)
	})
	db := dynamodb.New(tbl.DB.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error { return s.Initialize.Add(count, middleware.After) })
	})
	w.st = store.New(db, tbl.Name, store.Options{Now: clock})
	w.svc = access.NewService(w.st, access.Config{Now: clock})
	return w
}

func (w *checkWorld) commit(writes ...access.Write) {
	w.t.Helper()
	if err := w.st.Commit(w.ctx, access.Change{Op: "test", Writes: writes}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *checkWorld) grant(r access.Resource, env access.Env, sub access.Subject, gen int64, end *time.Time, perms ...access.Permission) access.Grant {
	w.t.Helper()
	g := access.Grant{
		ID: "g-" + string(r.Type) + "-" + r.ID + "-" + string(env) + "-" + sub.ID, Resource: r, TenantID: tenant, WorkspaceID: "ws1",
		Subject: sub, Env: env, Permissions: perms, Fields: []string{"a"}, EndTime: end,
		CreatedAt: t0, ModifiedAt: t0, Version: 1, Generation: gen,
	}
	if r.Type == access.ResourceAPI {
		g.APIID = r.ID
	}
	w.commit(access.Write{Grant: &g})
	return g
}

var checker = access.NewPrincipal("gw", tenant, access.RoleChecker)

// decide checks twice: the first call may fill the per-container caches; the second,
// the steady state, must read with exactly one BatchGetItem.
func (w *checkWorld) decide(in access.CheckInput) access.Decision {
	w.t.Helper()
	if in.Env == "" {
		in.Env = access.EnvProd
	}
	if _, err := w.svc.Check(w.ctx, checker, in); err != nil {
		w.t.Fatal(err)
	}
	before := w.batches.Load()
	d, err := w.svc.Check(w.ctx, checker, in)
	if err != nil {
		w.t.Fatal(err)
	}
	if n := w.batches.Load() - before; n != 1 {
		w.t.Fatalf("check %+v read with %d BatchGetItem calls, want 1", in, n)
	}
	return d
}

func basis(d access.Decision) string {
	if d.Basis == nil {
		return "null"
	}
	return string(*d.Basis)
}

func wantDecision(t *testing.T, d access.Decision, reason access.Reason, b string) {
	t.Helper()
	if d.Reason != reason || basis(d) != b || d.Allowed != (reason == access.ReasonGranted) {
		t.Fatalf("got %s (basis %s, allowed %v), want %s (basis %s)", d.Reason, basis(d), d.Allowed, reason, b)
	}
}

// seedCheck registers: api-g (a grant to app1), api-u (in unit u1, granted to ws1 through
// the unit), api-d (no grant; app-def is ws1's default app), app1 and app-def in ws1,
// users alice (API grant on api-g) and carol (unit grant on u1), and bob's application
// permission on app1 (R24).
func seedCheck(w *checkWorld) {
	u := newUnit("u1", "ws1")
	w.commit(access.Write{Unit: &u})
	for _, id := range []string{"api-g", "api-u", "api-d"} {
		a := newAPI(id)
		if id == "api-u" {
			a.ServiceUnitID, a.UnitGeneration = &u.ID, u.Generation
		}
		w.commit(access.Write{API: &a})
	}
	app1, def := newApp("app1", "ws1"), newApp("app-def", "ws1")
	def.WorkspaceDefault = true
	w.commit(access.Write{App: &app1}, access.Write{App: &def})
	w.grant(access.APIResource("api-g"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: tenant}, 1, nil, access.PermUsage)
	w.grant(access.UnitResource("u1"), access.EnvProd, access.Subject{Type: access.SubjectWorkspace, ID: "ws1", TenantID: tenant}, 1, nil, access.PermUsage)
	w.grant(access.APIResource("api-g"), access.EnvProd, user("alice"), 1, nil, access.PermUsage)
	w.grant(access.UnitResource("u1"), access.EnvProd, user("carol"), 1, nil, access.PermUsage, access.PermDevelopment)
	w.grant(access.AppResource("app1"), "", user("bob"), 0, ptr(t0.Add(time.Hour)), access.PermUsage)
}

func user(sub string) access.Subject {
	return access.Subject{Type: access.SubjectUser, ID: sub, TenantID: tenant}
}

// The check reads everything in one BatchGetItem in steady state, whatever decides it.
func TestCheck_R14_OneBatchForEveryBasis(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	for _, tc := range []struct {
		name   string
		in     access.CheckInput
		reason access.Reason
		basis  string
	}{
		{"API grant to the app", access.CheckInput{APIID: "api-g", AppID: "app1"}, access.ReasonGranted, "GRANT"},
		{"unit grant to the app's workspace", access.CheckInput{APIID: "api-u", AppID: "app1"}, access.ReasonGranted, "SERVICE_UNIT"},
		{"default app", access.CheckInput{APIID: "api-d", AppID: "app-def"}, access.ReasonGranted, "WORKSPACE_DEFAULT"},
		{"API grant to a user", access.CheckInput{APIID: "api-g", UserID: "alice"}, access.ReasonGranted, "GRANT"},
		{"unit grant to a user", access.CheckInput{APIID: "api-u", UserID: "carol"}, access.ReasonGranted, "SERVICE_UNIT"},
		{"app for a permitted user", access.CheckInput{APIID: "api-g", AppID: "app1", UserID: "bob"}, access.ReasonGranted, "GRANT"},
		{"app for an unpermitted user", access.CheckInput{APIID: "api-g", AppID: "app1", UserID: "alice"}, access.ReasonUserNotPermitted, "null"},
		{"no grant", access.CheckInput{APIID: "api-d", AppID: "app1"}, access.ReasonNoGrant, "null"},
		{"user without a grant", access.CheckInput{APIID: "api-d", UserID: "alice"}, access.ReasonNoGrant, "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantDecision(t, w.decide(tc.in), tc.reason, tc.basis)
		})
	}
}

func TestCheck_R21_DefaultApp(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	d := w.decide(access.CheckInput{APIID: "api-d", AppID: "app-def"})
	wantDecision(t, d, access.ReasonGranted, "WORKSPACE_DEFAULT")
	if d.GrantID != nil || d.ExpiresAt != nil || len(d.Fields) != 2 || len(d.Permissions) != 1 || d.Permissions[0] != access.PermUsage {
		t.Fatalf("got %+v, want no grant, no end, all fields, USAGE", d)
	}
	// Both envs; PROXY is not USAGE.
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", AppID: "app-def", Env: access.EnvDev}), access.ReasonGranted, "WORKSPACE_DEFAULT")
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", AppID: "app-def", Proxy: true}), access.ReasonProxyNotGranted, "null")
	// An in-force grant still wins, with its own fields.
	g := w.grant(access.APIResource("api-d"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app-def", TenantID: tenant}, 1, ptr(t0.Add(time.Hour)), access.PermUsage)
	d = w.decide(access.CheckInput{APIID: "api-d", AppID: "app-def"})
	if basis(d) != "GRANT" || d.GrantID == nil || *d.GrantID != g.ID || len(d.Fields) != 1 {
		t.Fatalf("got %+v, want the grant", d)
	}
	// Its lapse falls back to the default (exactly at the end).
	w.now = t0.Add(time.Hour)
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", AppID: "app-def"}), access.ReasonGranted, "WORKSPACE_DEFAULT")
	// An API of another workspace, and an unpublished API, are not the default app's.
	other := newAPI("api-other")
	other.WorkspaceID = "ws2"
	unpub := newAPI("api-unpub")
	unpub.Status = access.APIUnpublished
	w.commit(access.Write{API: &other}) // one API a transaction: each comes with its copies
	w.commit(access.Write{API: &unpub})
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-other", AppID: "app-def"}), access.ReasonNoGrant, "null")
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-unpub", AppID: "app-def"}), access.ReasonAPIUnpublished, "null")
}

func TestCheck_R23_UnitGrantOnlyWhileTheAPIIsInTheUnit(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	in := access.CheckInput{APIID: "api-u", AppID: "app1"}
	d := w.decide(in)
	wantDecision(t, d, access.ReasonGranted, "SERVICE_UNIT")
	if len(d.Fields) != 2 {
		t.Fatalf("got fields %v, want all of the API's", d.Fields)
	}
	// The API leaves the unit: the unit grant no longer reaches it, at once (the cached
	// unit id is confirmed by the API item in the same batch).
	api, err := w.st.GetAPI(w.ctx, "api-u")
	if err != nil {
		t.Fatal(err)
	}
	left := api
	left.ServiceUnitID, left.Version = nil, api.Version+1
	w.commit(access.Write{API: &left})
	if got, err := w.svc.Check(w.ctx, checker, access.CheckInput{APIID: "api-u", AppID: "app1", Env: access.EnvProd}); err != nil || got.Reason != access.ReasonNoGrant {
		t.Fatalf("first check after leaving: got %+v, %v; want NO_GRANT", got, err)
	}
	wantDecision(t, w.decide(in), access.ReasonNoGrant, "null")
	// Back in the unit: reachable again.
	w.commit(access.Write{API: &api})
	wantDecision(t, w.decide(in), access.ReasonGranted, "SERVICE_UNIT")
	// Unpublished and republished inside the unit: reachable again (R4 concerns the
	// API's own grants).
	unpub := api
	unpub.Status, unpub.Generation = access.APIUnpublished, api.Generation+1
	w.commit(access.Write{API: &unpub})
	wantDecision(t, w.decide(in), access.ReasonAPIUnpublished, "null")
	unpub.Status = access.APIPublished
	w.commit(access.Write{API: &unpub})
	wantDecision(t, w.decide(in), access.ReasonGranted, "SERVICE_UNIT")
	// The unit deleted (a new generation): its grants stop counting at once, and a
	// re-created unit restores none.
	u, _ := w.st.GetServiceUnit(w.ctx, "u1")
	u.Deleted, u.Generation = true, u.Generation+1
	w.commit(access.Write{Unit: &u})
	wantDecision(t, w.decide(in), access.ReasonNoGrant, "null")
	u.Deleted = false
	w.commit(access.Write{Unit: &u})
	wantDecision(t, w.decide(in), access.ReasonNoGrant, "null")
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-u", UserID: "carol"}), access.ReasonNoGrant, "null")
}

func TestCheck_R22_ByUser(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-g", UserID: "alice"}), access.ReasonGranted, "GRANT")
	// The same sub in another tenant is another user.
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-g", UserID: "alice", UserTenantID: "t2"}), access.ReasonNoGrant, "null")
	// A user's grant lapses by time like any grant (exactly at its end).
	w.grant(access.APIResource("api-d"), access.EnvProd, user("dan"), 1, ptr(t0.Add(time.Minute)), access.PermUsage)
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", UserID: "dan"}), access.ReasonGranted, "GRANT")
	w.now = t0.Add(time.Minute)
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", UserID: "dan"}), access.ReasonExpired, "null")
	for _, in := range []access.CheckInput{
		{APIID: "api-g", UserID: "has space"},
		{APIID: "api-g", UserID: "alice", UserTenantID: "bad#tenant"},
		{APIID: "api-g"},
	} {
		in.Env = access.EnvProd
		if _, err := w.svc.Check(w.ctx, checker, in); access.ErrorKind(err) != access.Invalid {
			t.Fatalf("%+v: got %v, want a 400", in, err)
		}
	}
}

func TestCheck_R24_UserThroughApp(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	in := access.CheckInput{APIID: "api-g", AppID: "app1", UserID: "bob"}
	d := w.decide(in)
	wantDecision(t, d, access.ReasonGranted, "GRANT")
	// The app's grant is unlimited: the answer ends with bob's permission.
	if d.ExpiresAt == nil || !d.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("got expires_at %v, want bob's permission's end %v", d.ExpiresAt, t0.Add(time.Hour))
	}
	// The app's owner (u1) needs no permission.
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-g", AppID: "app1", UserID: "u1"}), access.ReasonGranted, "GRANT")
	// The owner's sub in another tenant is not the owner.
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-g", AppID: "app1", UserID: "u1", UserTenantID: "t2"}), access.ReasonUserNotPermitted, "null")
	// A denial of the app comes first.
	wantDecision(t, w.decide(access.CheckInput{APIID: "api-d", AppID: "app1", UserID: "bob"}), access.ReasonNoGrant, "null")
	// Lapsed permission: USER_NOT_PERMITTED, exactly at its end.
	w.now = t0.Add(time.Hour - time.Millisecond)
	wantDecision(t, w.decide(in), access.ReasonGranted, "GRANT")
	w.now = t0.Add(time.Hour)
	wantDecision(t, w.decide(in), access.ReasonUserNotPermitted, "null")
}

// A container that sees an app for the first time does not know its workspace, so it
// cannot read the WORKSPACE slots with the rest. When the APP's own API grant is in
// force it decides by itself (R14's order), and the check stays one batch; otherwise
// the WORKSPACE and unit slots cost a second batch, and decide.
func TestCheck_R14_AppGrantDecidesOnFirstSight(t *testing.T) {
	w := newCheckWorld(t)
	seedCheck(w)
	past := t0.Add(-time.Hour)
	w.grant(access.APIResource("api-d"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: tenant}, 1, &past, access.PermUsage)
	w.grant(access.APIResource("api-d"), access.EnvProd, access.Subject{Type: access.SubjectWorkspace, ID: "ws1", TenantID: tenant}, 1, nil, access.PermUsage)
	for _, tc := range []struct {
		name    string
		apiID   string
		reason  access.Reason
		basis   string
		batches int64
	}{
		{"the app's grant in force", "api-g", access.ReasonGranted, "GRANT", 1},
		{"the app's grant expired, the workspace's in force", "api-d", access.ReasonGranted, "GRANT", 2},
		{"a unit grant to the workspace", "api-u", access.ReasonGranted, "SERVICE_UNIT", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := func() time.Time { return w.now }
			w.svc = access.NewService(w.st, access.Config{Now: clock}) // a new container: no hints
			d, n := w.check(access.CheckInput{APIID: tc.apiID, AppID: "app1", Env: access.EnvProd})
			wantDecision(t, d, tc.reason, tc.basis)
			if n != tc.batches {
				t.Fatalf("first sight: %d batches, want %d", n, tc.batches)
			}
		})
	}
}
