package access_test

import (
	"testing"

	"gatepass/shared/access"
)

// TestWorkspaceIDs_PerTenant: a workspace id is unique only inside its tenant, in
// every key that names one (issue 20: a grant to t2's workspace "wsx" made a grant to
// t1's "wsx" 409 GrantExists, t1's default app in "shared" made t2's 409
// DefaultAppExists, and two WORKSPACE subjects "wsx" of two tenants in one request were
// a 500).
func TestWorkspaceIDs_PerTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ws := func(tenant string) access.Subject {
		return access.Subject{Type: access.SubjectWorkspace, ID: "wsx", TenantID: tenant}
	}
	unlimited := access.Validity{Type: access.Unlimited}

	// Grant slots: a grant in force to t2's wsx leaves t1's wsx free.
	f.grant(provOwner, "api1", grantIn(ws("t2"), unlimited))
	f.grant(provOwner, "api1", grantIn(ws("t1"), unlimited))
	// Both at once, in one request of two subjects: two grants, no conflict.
	gs, err := f.svc.GrantOn(f.ctx, act(provOwner), access.APIResource("api1"), access.GrantInput{
		Subjects: []access.Subject{ws("t1"), ws("t2")}, Envs: []access.Env{access.EnvDev}, Validity: unlimited, Reason: "both",
	})
	if err != nil || len(gs) != 2 {
		t.Fatalf("two tenants' wsx in one request: %d grants, %v", len(gs), err)
	}
	// The same workspace twice is still named twice.
	_, err = f.svc.GrantOn(f.ctx, act(provOwner), access.APIResource("api1"), access.GrantInput{
		Subjects: []access.Subject{ws("t3"), ws("t3")}, Envs: []access.Env{access.EnvDev}, Validity: unlimited, Reason: "twice",
	})
	if !access.IsCode(err, access.CodeSubject) {
		t.Fatalf("one workspace twice: %v, want %s", err, access.CodeSubject)
	}

	// The default-app lock (R21): each tenant's "shared" has its own default app.
	yes := true
	t1 := access.NewPrincipal("o1", "t1", "ws:shared:owner")
	t2 := access.NewPrincipal("o2", "t2", "ws:shared:owner")
	if _, err := f.svc.PutApp(f.ctx, act(t1), "app-t1", access.AppInput{WorkspaceID: "shared", Name: "a", Owner: "o1", WorkspaceDefault: &yes}); err != nil {
		t.Fatalf("t1's default app: %v", err)
	}
	if _, err := f.svc.PutApp(f.ctx, act(t2), "app-t2", access.AppInput{WorkspaceID: "shared", Name: "b", Owner: "o2", WorkspaceDefault: &yes}); err != nil {
		t.Fatalf("t2's default app in its own workspace shared: %v", err)
	}
	// ... and a second one in a tenant's own workspace is still refused.
	if _, err := f.svc.PutApp(f.ctx, act(t2), "app-t2b", access.AppInput{WorkspaceID: "shared", Name: "c", Owner: "o2", WorkspaceDefault: &yes}); !access.IsCode(err, access.CodeDefaultAppExists) {
		t.Fatalf("second default app of t2's shared: %v", err)
	}

	// Listings: each tenant's "shared" lists its own apps only.
	for _, c := range []struct {
		p    access.Principal
		want string
	}{{t1, "app-t1"}, {t2, "app-t2"}} {
		page, err := f.svc.ListApps(f.ctx, c.p, "shared", access.PageQuery{Number: 1, Size: 10})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != c.want {
			t.Fatalf("%s lists %v, %v; want only %s", c.p.TenantID, page.Items, err, c.want)
		}
	}
}

// TestRequest_FollowsItsAPI: a pending request is decided by the reviewers of its
// API's current workspace (issue 20: after the API moved, a reviewer of the old
// workspace, refused a direct grant, could still approve the request, and the new
// workspace's reviewers could not).
func TestRequest_FollowsItsAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res, err := f.svc.ApplyOn(f.ctx, act(alice), access.APIResource("api1"), access.ApplyInput{
		AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30), Reason: "reports"})
	if err != nil || res.Request.Status != access.RequestPending {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	api, err := f.svc.GetAPI(f.ctx, admin, "api1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutAPI(f.ctx, act(admin), "api1", access.APIInput{WorkspaceID: "prov2", Name: api.Name, Path: api.Path,
		Protocols: api.Protocols, Fields: api.Fields, Operation: api.Operation, RowLevel: api.RowLevel, Status: api.Status}); err != nil {
		t.Fatalf("move the API: %v", err)
	}
	newReviewer := access.NewPrincipal("rev2", "t1", "ws:prov2:reviewer")
	if _, err := f.svc.GetRequest(f.ctx, reviewer, res.Request.ID); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("the old workspace's reviewer reads it: %v", err)
	}
	if _, err := f.svc.Approve(f.ctx, act(reviewer), res.Request.ID, "old"); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("the old workspace's reviewer approves: %v, want %s", err, access.CodeForbidden)
	}
	if r, err := f.svc.GetRequest(f.ctx, newReviewer, res.Request.ID); err != nil || r.WorkspaceID != "prov2" {
		t.Fatalf("the new workspace's reviewer reads it: %+v, %v", r, err)
	}
	ap, err := f.svc.Approve(f.ctx, act(newReviewer), res.Request.ID, "new")
	if err != nil || ap.Request.Status != access.RequestApproved || ap.Request.WorkspaceID != "prov2" || len(ap.Grants) != 1 {
		t.Fatalf("the new workspace's reviewer approves: %+v, %v", ap, err)
	}
}
