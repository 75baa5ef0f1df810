package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gatepass/shared/access"
)

// R29: the workspace directory over HTTP.

var admin3 = who{"admin-3", "t3", []string{"tenant_admin"}} // a tenant the fixtures register nothing in

// TestWorkspaces_R29_UnregisteredIs404ForEachWrite: a grant (one subject, several, on a
// unit), an app and an application naming a workspace its tenant has not registered
// are 404 NotFound.Workspace, and write nothing.
func TestWorkspaces_R29_UnregisteredIs404ForEachWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.seedUnit(t, "u-1", "api-orders")
	ghost := map[string]any{"type": "WORKSPACE", "id": "ws-ghost", "tenant_id": "t1"}
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-ghost", "t1", prod, unlimited)), 404, access.CodeNotFoundWorkspace)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(both, unlimited, wsSub("ws-c"), ghost)), 404, access.CodeNotFoundWorkspace)
	want(t, e.do(t, ownerA, "POST", "/v1/service-units/u-1/grants", grantBody("WORKSPACE", "ws-ghost", "t1", prod, unlimited)), 404, access.CodeNotFoundWorkspace)
	// all or none: ws-c got nothing, so granting it now is no R3 conflict
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(both, unlimited, wsSub("ws-c"))), 201)

	ownerGhost := who{"owner-g", "t1", []string{"ws:ws-ghost:owner"}}
	want(t, e.do(t, ownerGhost, "PUT", "/v1/apps/app-g1", map[string]any{"workspace_id": "ws-ghost", "name": "G"}), 404, access.CodeNotFoundWorkspace)
	want(t, e.do(t, ownerGhost, "GET", "/v1/apps/app-g1", nil), 404, "NotFound.App")

	// an app written before the directory, in a workspace never registered, applies
	now := e.clk.Now()
	app := &access.App{ID: "app-old", TenantID: "t1", WorkspaceID: "ws-ghost", Name: "Old", Owner: "alice",
		Status: access.AppActive, CodeHash: access.HashAppCode(secret(t)), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := e.st.Commit(context.Background(), access.Change{Op: "test.seed", Writes: []access.Write{{App: app}}}); err != nil {
		t.Fatal(err)
	}
	apply := map[string]any{"app_id": "app-old", "envs": prod, "validity": unlimited, "reason": "old app"}
	want(t, e.do(t, alice, "POST", "/v1/apis/api-orders/applications", apply), 404, access.CodeNotFoundWorkspace)
	// registered (as the migration would), the same application goes through
	want(t, e.do(t, admin1, "POST", "/v1/workspaces", map[string]any{"id": "ws-ghost", "name": "Ghost"}), 201)
	want(t, e.do(t, alice, "POST", "/v1/apis/api-orders/applications", apply), 202)
}

// TestWorkspaces_R29_AnotherTenantsWorkspaceRevealsNothing: a workspace registered only
// in another tenant is 404 in the caller's, with the same answer as one no tenant has;
// a grant to another tenant's registered workspace (data sharing) goes through; the
// caller's listing and reads never show another tenant's directory.
func TestWorkspaces_R29_AnotherTenantsWorkspaceRevealsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	want(t, e.do(t, admin2, "POST", "/v1/workspaces", map[string]any{"id": "ws-secret", "name": "Secret plans"}), 201)
	asked := func(id, tenant string) string {
		r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", id, tenant, prod, unlimited))
		want(t, r, 404, access.CodeNotFoundWorkspace)
		// the answer echoes what was asked and nothing else
		return strings.NewReplacer(id, "<ws>", tenant, "<tenant>").Replace(fmt.Sprint(r.M()["error_msg"]))
	}
	inOther, inNone := asked("ws-secret", "t1"), asked("ws-nowhere", "t9")
	if inOther != inNone || strings.Contains(inOther, "Secret") {
		t.Fatalf("another tenant's workspace answers %q, no tenant's %q", inOther, inNone)
	}
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-secret", "t2", prod, unlimited)), 201)
	want(t, e.do(t, admin1, "GET", "/v1/workspaces/ws-secret", nil), 404, access.CodeNotFoundWorkspace)
	want(t, e.do(t, admin2, "GET", "/v1/workspaces/ws-secret", nil), 200)
	r := e.do(t, admin1, "GET", "/v1/workspaces?name=secret", nil)
	want(t, r, 200)
	if items, _ := r.M()["items"].([]any); len(items) != 0 {
		t.Fatalf("t1's listing shows %v", items)
	}
	r = e.do(t, bob, "GET", "/v1/workspaces?name=secret", nil)
	want(t, r, 200)
	if items, _ := r.M()["items"].([]any); len(items) != 1 || str(items[0].(map[string]any), "tenant_id") != "t2" {
		t.Fatalf("t2's listing: %v", items)
	}
}

// TestWorkspaces_R29_ListingPagesAndKeyword: any caller of the tenant lists its
// directory by id, page by page, filtered on the name; a token of another listing is 400.
func TestWorkspaces_R29_ListingPagesAndKeyword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	names := map[string]string{"w1": "Sales EU", "w2": "Finance", "w3": "sales US", "w4": "Ops", "w5": "Presales"}
	for _, id := range []string{"w1", "w2", "w3", "w4", "w5"} {
		want(t, e.do(t, admin3, "POST", "/v1/workspaces", map[string]any{"id": id, "name": names[id]}), 201)
	}
	reader := who{"someone", "t3", nil} // no role at all: the drop-down is every caller's
	pages := func(query string) (ids []string, n int) {
		next := ""
		for {
			target := "/v1/workspaces?page_size=2" + query
			if next != "" {
				target += "&next_token=" + next
			}
			r := e.do(t, reader, "GET", target, nil)
			want(t, r, 200)
			items, _ := r.M()["items"].([]any)
			for _, it := range items {
				ids = append(ids, str(it.(map[string]any), "workspace_id"))
			}
			n++
			if next, _ = r.M()["next_token"].(string); next == "" || n > 10 {
				return ids, n
			}
		}
	}
	if ids, _ := pages(""); strings.Join(ids, ",") != "w1,w2,w3,w4,w5" {
		t.Fatalf("all: %v", ids)
	}
	if ids, _ := pages("&name=SALES"); strings.Join(ids, ",") != "w1,w3,w5" {
		t.Fatalf("keyword sales: %v", ids)
	}
	r := e.do(t, admin1, "GET", "/v1/workspaces?page_size=1", nil)
	want(t, r, 200)
	tok, _ := r.M()["next_token"].(string)
	if tok == "" {
		t.Fatal("t1's first page has no next_token")
	}
	want(t, e.do(t, reader, "GET", "/v1/workspaces?next_token="+tok, nil), 400, "InvalidParameter.NextToken")
	want(t, e.do(t, reader, "GET", "/v1/workspaces?page_size=101", nil), 400, "InvalidParameter.PageSize")
}

// TestWorkspaces_R29_OnlyTenantAdminRegisters: only a tenant_admin registers and
// renames; a second registration is 409, a retry under its Idempotency-Key replays the
// first answer; a rename takes If-Match.
func TestWorkspaces_R29_OnlyTenantAdminRegisters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"id": "ws-new", "name": "New"}
	for _, w := range []who{ownerA, reviewerA, checker1, nobody1} {
		want(t, e.do(t, w, "POST", "/v1/workspaces", body), 403, "Forbidden.Access")
	}
	first := e.do(t, admin1, "POST", "/v1/workspaces", body, idem("k1"))
	want(t, first, 201)
	again := e.do(t, admin1, "POST", "/v1/workspaces", body, idem("k1"))
	want(t, again, 201)
	if string(again.Body) != string(first.Body) {
		t.Fatalf("replay: got %s, want %s", again.Body, first.Body)
	}
	want(t, e.do(t, admin1, "POST", "/v1/workspaces", body), 409, access.CodeWorkspaceExists)
	want(t, e.do(t, admin1, "POST", "/v1/workspaces", map[string]any{"id": "bad id", "name": "x"}), 400)
	rename := map[string]any{"name": "Renamed"}
	want(t, e.do(t, ownerA, "PATCH", "/v1/workspaces/ws-new", rename), 403, "Forbidden.Access")
	want(t, e.do(t, admin1, "PATCH", "/v1/workspaces/ws-new", rename, ifMatch(7)), 412)
	r := e.do(t, admin1, "PATCH", "/v1/workspaces/ws-new", rename, ifMatch(1))
	want(t, r, 200)
	if m := r.M(); str(m, "name") != "Renamed" || m["version"] != float64(2) {
		t.Fatalf("renamed: %v", m)
	}
	want(t, e.do(t, admin2, "PATCH", "/v1/workspaces/ws-new", rename), 404, access.CodeNotFoundWorkspace)
	r = e.do(t, ownerA, "GET", "/v1/workspaces/ws-new", nil)
	want(t, r, 200)
	if str(r.M(), "name") != "Renamed" {
		t.Fatalf("get: %s", r.Body)
	}
}
