package api_test

import (
	"fmt"
	"strings"
	"testing"

	"gatepass/shared/access"
)

// objects are t1's objects the isolation matrix aims at.
type objects struct {
	grantID, pendingID, requestID string
}

// t1Objects makes, in t1: a grant of api-orders to app-b1 (PROD), a grant of api-sales
// to app-b1 with a pending cancellation, and a pending application of alice.
func (e *env) t1Objects(t *testing.T) objects {
	t.Helper()
	var o objects
	o.grantID = str(e.grantApp(t, "api-orders", unlimited, "permissions", []string{"PROXY"}), "grant_id")
	o.pendingID = str(e.grantApp(t, "api-sales", unlimited), "grant_id")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants/"+o.pendingID+"/cancel", nil), 202)
	r := e.do(t, alice, "POST", "/v1/apis/api-write/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited, "reason": "secret-reason-1"})
	want(t, r, 202)
	o.requestID = str(r.M(), "request_id")
	return o
}

// TestHTTP_TenantIsolation runs every route as callers of another tenant (t2) against
// t1's objects: each answers 404 as if the object did not exist (403 for a route naming
// a workspace, 409 Conflict.IdTaken for a PUT of a taken id), and no answer carries
// any of the object's data.
func TestHTTP_TenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	o := e.t1Objects(t)
	// What t1 holds and t2 must never read back (the ids a caller names itself are
	// excluded per case).
	secrets := []string{"Orders API", "Sales Report", "Write Orders", "Billing", "/orders", "/sales", "grp-1",
		"ws-a", "ws-b", "alice", "owner-a", "owner-b", "app-b1", "secret-reason-1", "test grant",
		o.grantID, o.pendingID, o.requestID, `"t1"`}
	gp := "/v1/apis/api-orders/grants/" + o.grantID
	// R22-R24: a unit with a grant, an app grant, a user grant
	e.seedUnit(t, "u-1", "api-orders")
	up := "/v1/service-units/u-1/grants/" + str(first(t, e.do(t, ownerA, "POST", "/v1/service-units/u-1/grants", grantBody("APP", "app-b1", "t1", prod, unlimited))), "grant_id")
	ap := "/v1/apps/app-b1/grants/" + str(first(t, e.do(t, alice, "POST", "/v1/apps/app-b1/grants", map[string]any{"subject": userSub("carol@corp"), "validity": unlimited})), "grant_id")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("USER", "carol@corp", "t1", prod, unlimited)), 201)
	secrets = append(secrets, "Unit u-1", "carol@corp")
	cases := []struct {
		method, path string
		body         any
		status       []int // allowed answers
	}{
		{"PUT", "/v1/apis/api-orders", apiBody("ws-x", "Mine", "/mine", "READ", false), []int{409, 403}},
		{"GET", "/v1/apis/api-orders", nil, []int{404}},
		{"DELETE", "/v1/apis/api-orders", nil, []int{404}},
		{"GET", "/v1/apis?workspace_id=ws-a", nil, []int{200}},
		{"GET", "/v1/apis?api_name_keyword=orders", nil, []int{200}},
		{"PUT", "/v1/apps/app-b1", map[string]any{"workspace_id": "ws-x", "name": "Mine"}, []int{409, 403}},
		{"GET", "/v1/apps/app-b1", nil, []int{404}},
		{"POST", "/v1/apps/app-b1/app-code", nil, []int{404}},
		{"GET", "/v1/workspaces/ws-b/apps", nil, []int{403, 200}},
		{"POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-x1", "t2", prod, unlimited), []int{404}},
		{"POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, appSub("app-x1", "t2"), appSub("app-b1", "t1")), []int{404}},
		{"POST", "/v1/apis/api-orders/grants/cancel", map[string]any{"subjects": []any{appSub("app-b1", "t1")}, "envs": prod}, []int{404}},
		{"PATCH", "/v1/apis/api-orders/grants/" + o.grantID, map[string]any{"validity": days(1)}, []int{404}},
		{"GET", "/v1/apis/api-orders/grants", nil, []int{404}},
		{"POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-x1", "envs": prod, "validity": unlimited}, []int{404}},
		{"POST", "/v1/requests/" + o.requestID + "/approve", nil, []int{404}},
		{"POST", "/v1/requests/" + o.requestID + "/reject", nil, []int{404}},
		{"POST", "/v1/requests/" + o.requestID + "/withdraw", nil, []int{404}},
		{"GET", "/v1/requests/" + o.requestID, nil, []int{404}},
		{"GET", "/v1/requests?workspace_id=ws-a", nil, []int{403, 200}},
		{"GET", "/v1/requests?app_id=app-b1", nil, []int{404}},
		{"GET", gp, nil, []int{404}},
		{"GET", "/v1/apis/api-x/grants/" + o.grantID, nil, []int{404}}, // a t1 grant id under a t2 API
		{"PATCH", gp, map[string]any{"fields": []string{"id"}}, []int{404}},
		{"DELETE", gp, nil, []int{404}},
		{"POST", gp + "/cancel", nil, []int{404}},
		{"DELETE", "/v1/apis/api-sales/grants/" + o.pendingID + "/cancel", nil, []int{404}},
		{"POST", gp + "/renewal", map[string]any{"validity": unlimited}, []int{404}},
		{"GET", "/v1/workspaces/ws-b/authorized-apis", nil, []int{403, 200}},
		{"GET", "/v1/workspaces/ws-a/granted-apis", nil, []int{403, 200}},
		{"GET", "/v1/apis/api-orders/audit", nil, []int{404}},
		{"POST", "/v1/service-units/u-1/grants", grantBody("APP", "app-x1", "t2", prod, unlimited), []int{404}},
		{"GET", "/v1/service-units/u-1/grants", nil, []int{404}},
		{"GET", up, nil, []int{404}},
		{"PATCH", up, map[string]any{"validity": days(1)}, []int{404}},
		{"DELETE", up, nil, []int{404}},
		{"POST", up + "/cancel", nil, []int{404}},
		{"DELETE", up + "/cancel", nil, []int{404}},
		{"POST", up + "/renewal", map[string]any{"validity": unlimited}, []int{404}},
		{"POST", "/v1/service-units/u-1/grants/cancel", map[string]any{"subjects": []any{appSub("app-b1", "t1")}, "envs": prod}, []int{404}},
		{"POST", "/v1/service-units/u-1/applications", map[string]any{"app_id": "app-x1", "envs": prod, "validity": unlimited}, []int{404}},
		{"GET", "/v1/service-units/u-1/audit", nil, []int{404}},
		{"POST", "/v1/apps/app-b1/grants", map[string]any{"subject": map[string]any{"type": "USER", "id": "bob", "tenant_id": "t2"}, "validity": unlimited}, []int{404}},
		{"GET", "/v1/apps/app-b1/grants", nil, []int{404}},
		{"DELETE", ap, nil, []int{404}},
		{"GET", "/v1/users/carol@corp/authorized-apis", nil, []int{200, 403}},
		{"GET", "/v1/requests?requester=me", nil, []int{200}},
	}
	for _, w := range []who{admin2, ownerX, reviewerX, bob} {
		for _, c := range cases {
			t.Run(w.sub+" "+c.method+" "+c.path, func(t *testing.T) {
				r := e.do(t, w, c.method, c.path, c.body)
				ok := false
				for _, s := range c.status {
					ok = ok || r.Status == s
				}
				if !ok {
					t.Fatalf("got %s, want one of %v", r, c.status)
				}
				if r.Status == 200 {
					if its := items(t, r); len(its) != 0 {
						t.Fatalf("another tenant's listing is not empty: %s", r)
					}
				}
				for _, s := range secrets {
					if strings.Contains(c.path, s) || (c.body != nil && strings.Contains(fmt.Sprint(c.body), s)) {
						continue // named by the caller itself
					}
					mustContainNone(t, r, s)
				}
			})
		}
	}
	// The check of another tenant's checker: the API does not exist for it.
	r := e.do(t, checker2, "POST", "/v1/check", map[string]any{"api_id": "api-orders", "app_id": "app-b1", "env": "PROD"})
	want(t, r, 200)
	if d := r.M(); d["allowed"] != false || str(d, "reason") != "API_NOT_FOUND" || d["grant_id"] != nil {
		t.Fatalf("check: %s", r)
	}
	mustContainNone(t, r, o.grantID, "email")
	// Nothing of t1 changed.
	r = e.do(t, ownerA, "GET", gp, nil)
	want(t, r, 200)
	if num(r.M(), "version") != 1 || str(r.M(), "status") != "ACTIVE" {
		t.Fatalf("t1's grant changed: %s", r)
	}
	r = e.do(t, alice, "GET", "/v1/requests/"+o.requestID, nil)
	want(t, r, 200)
	if str(r.M(), "status") != "PENDING" {
		t.Fatalf("t1's request changed: %s", r)
	}
}

// TestHTTP_CrossTenantRoleClaimsCountForNothing checks that a role naming a workspace
// grants nothing outside the caller's own tenant.
func TestHTTP_CrossTenantRoleClaimsCountForNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	// reviewerX (t2) claims ws:ws-a:owner; ws-a's APIs are t1's.
	want(t, e.do(t, reviewerX, "PUT", "/v1/apis/api-new", apiBody("ws-a", "Sneaky", "/sneaky", "READ", false)), 201)
	r := e.do(t, reviewerX, "GET", "/v1/apis?workspace_id=ws-a", nil)
	want(t, r, 200)
	for _, it := range items(t, r) {
		if str(it, "tenant_id") != "t2" {
			t.Fatalf("t2 caller lists a t1 API: %s", r)
		}
	}
	// t1's owner of ws-a does not see t2's API, though it is "in" ws-a.
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-new", nil), 404)
	r = e.do(t, ownerA, "GET", "/v1/apis?workspace_id=ws-a", nil)
	want(t, r, 200)
	mustContainNone(t, r, "Sneaky", "api-new")
	// The path of another tenant's API is taken all the same (paths are global).
	want(t, e.do(t, reviewerX, "PUT", "/v1/apis/api-new2", apiBody("ws-a", "Sneaky2", "/orders", "READ", false)), 409, "Conflict.PathTaken")
}

// roleCase is one route of the role matrix.
type roleCase struct {
	name   string
	method string
	prep   func(t *testing.T, e *env, n int) (path string, body any) // n: a fresh number
	ok     map[string]int                                            // by caller sub; others 403
}

// TestHTTP_RoleMatrix runs every route as each role of SPEC.md "Callers and roles".
func TestHTTP_RoleMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	o := e.t1Objects(t)
	freshGrant := func(t *testing.T, e *env, n int) string {
		app := fmt.Sprintf("app-m%d", n)
		want(t, e.do(t, ownerB, "PUT", "/v1/apps/"+app, map[string]any{"workspace_id": "ws-b", "name": app, "owner": "alice"}), 201)
		r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", app, "t1", prod, days(30)))
		want(t, r, 201)
		return str(first(t, r), "grant_id")
	}
	freshRequest := func(t *testing.T, e *env, n int) string {
		id := fmt.Sprintf("api-q%d", n)
		want(t, e.do(t, ownerA, "PUT", "/v1/apis/"+id, apiBody("ws-a", "Q", "/q/"+id, "READ", false)), 201)
		r := e.do(t, alice, "POST", "/v1/apis/"+id+"/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
		want(t, r, 202)
		return str(r.M(), "request_id")
	}
	// R18-R24: a unit with a grant to app-b1 in PROD; fresh unit grants to fresh apps
	e.seedUnit(t, "u-1", "api-orders")
	unitGrant := str(first(t, e.do(t, ownerA, "POST", "/v1/service-units/u-1/grants", grantBody("APP", "app-b1", "t1", prod, unlimited))), "grant_id")
	freshUnitGrant := func(t *testing.T, e *env, n int) (string, string) {
		app := fmt.Sprintf("app-mu%d", n)
		want(t, e.do(t, ownerB, "PUT", "/v1/apps/"+app, map[string]any{"workspace_id": "ws-b", "name": app, "owner": "alice"}), 201)
		r := e.do(t, ownerA, "POST", "/v1/service-units/u-1/grants", grantBody("APP", app, "t1", prod, days(30)))
		want(t, r, 201)
		return str(first(t, r), "grant_id"), app
	}
	unitGrantPath := func(t *testing.T, e *env, n int) string {
		g, _ := freshUnitGrant(t, e, n)
		return "/v1/service-units/u-1/grants/" + g
	}
	freshAppGrant := func(t *testing.T, e *env, n int) string {
		r := e.do(t, alice, "POST", "/v1/apps/app-b1/grants", map[string]any{"subject": userSub(fmt.Sprintf("user-%d", n)), "validity": unlimited})
		want(t, r, 201)
		return "/v1/apps/app-b1/grants/" + str(first(t, r), "grant_id")
	}
	all200 := map[string]int{}
	for _, w := range []who{devA, reviewerA, ownerA, admin1, alice, ownerB, devB, checker1, nobody1} {
		all200[w.sub] = 200
	}
	reviewers := func(st int) map[string]int { return map[string]int{"rev-a": st, "owner-a": st, "admin-1": st} }
	cases := []roleCase{
		{"put api", "PUT", func(t *testing.T, e *env, n int) (string, any) {
			return fmt.Sprintf("/v1/apis/api-r%d", n), apiBody("ws-a", "R", fmt.Sprintf("/r/%d", n), "READ", false)
		}, reviewers(201)},
		{"get api", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apis/api-orders", nil }, all200},
		{"list apis", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apis", nil }, all200},
		{"delete api", "DELETE", func(t *testing.T, e *env, n int) (string, any) {
			id := fmt.Sprintf("api-d%d", n)
			want(t, e.do(t, ownerA, "PUT", "/v1/apis/"+id, apiBody("ws-a", "D", "/d/"+id, "READ", false)), 201)
			return "/v1/apis/" + id, nil
		}, reviewers(204)},
		{"put app", "PUT", func(t *testing.T, e *env, n int) (string, any) {
			return fmt.Sprintf("/v1/apps/app-p%d", n), map[string]any{"workspace_id": "ws-b", "name": "P"}
		}, map[string]int{"owner-b": 201, "admin-1": 201}},
		{"get app", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apps/app-b1", nil },
			map[string]int{"alice": 200, "owner-b": 200, "dev-b": 200, "admin-1": 200}},
		{"rotate app code", "POST", func(*testing.T, *env, int) (string, any) { return "/v1/apps/app-b1/app-code", nil },
			map[string]int{"alice": 200, "owner-b": 200, "admin-1": 200}},
		{"list apps", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/workspaces/ws-b/apps", nil },
			map[string]int{"alice": 200, "owner-b": 200, "dev-b": 200, "admin-1": 200}},
		{"create grant", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants", grantBody("WORKSPACE", e.workspace(t, fmt.Sprintf("ws-g%d", n)), "t1", prod, unlimited)
		}, reviewers(201)},
		{"apply", "POST", func(t *testing.T, e *env, n int) (string, any) {
			id := fmt.Sprintf("api-ap%d", n)
			want(t, e.do(t, ownerA, "PUT", "/v1/apis/"+id, apiBody("ws-a", "AP", "/ap/"+id, "READ", false)), 201)
			return "/v1/apis/" + id + "/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}
		}, map[string]int{"alice": 202}},
		{"approve", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/requests/" + freshRequest(t, e, n) + "/approve", nil
		}, reviewers(200)},
		{"reject", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/requests/" + freshRequest(t, e, n) + "/reject", nil
		}, reviewers(200)},
		{"withdraw", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/requests/" + freshRequest(t, e, n) + "/withdraw", nil
		}, map[string]int{"alice": 200}},
		{"get request", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/requests/" + o.requestID, nil },
			map[string]int{"alice": 200, "rev-a": 200, "owner-a": 200, "admin-1": 200}},
		{"list requests of workspace", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/requests?workspace_id=ws-a", nil }, reviewers(200)},
		{"list requests of app", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/requests?app_id=app-b1", nil },
			map[string]int{"alice": 200, "owner-b": 200, "admin-1": 200}},
		{"get grant", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apis/api-orders/grants/" + o.grantID, nil },
			map[string]int{"rev-a": 200, "owner-a": 200, "admin-1": 200, "alice": 200, "owner-b": 200, "dev-b": 200}},
		{"patch grant", "PATCH", func(*testing.T, *env, int) (string, any) {
			return "/v1/apis/api-orders/grants/" + o.grantID, map[string]any{"fields": []string{"id"}}
		}, reviewers(200)},
		{"revoke (app side)", "DELETE", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants/" + freshGrant(t, e, n), nil
		}, map[string]int{"alice": 204, "admin-1": 204}}, // R8: an APP grant by its owner only
		{"cancel (API side)", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants/" + freshGrant(t, e, n) + "/cancel", nil
		}, reviewers(202)},
		{"withdraw cancellation", "DELETE", func(t *testing.T, e *env, n int) (string, any) {
			g := freshGrant(t, e, n)
			want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants/"+g+"/cancel", nil), 202)
			return "/v1/apis/api-orders/grants/" + g + "/cancel", nil
		}, reviewers(200)},
		{"renew", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants/" + freshGrant(t, e, n) + "/renewal", map[string]any{"validity": days(60)}
		}, map[string]int{"rev-a": 200, "owner-a": 200, "admin-1": 200, "alice": 202}},
		{"authorized apis", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/workspaces/ws-b/authorized-apis", nil },
			map[string]int{"alice": 200, "owner-b": 200, "dev-b": 200, "admin-1": 200}},
		{"granted apis", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/workspaces/ws-a/granted-apis", nil }, reviewers(200)},
		{"grants of api", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apis/api-orders/grants", nil }, reviewers(200)},
		{"audit", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apis/api-orders/audit", nil }, reviewers(200)},
		{"check", "POST", func(*testing.T, *env, int) (string, any) {
			return "/v1/check", map[string]any{"api_id": "api-orders", "app_id": "app-b1", "env": "PROD"}
		}, map[string]int{"gateway-1": 200, "admin-1": 200}},
		// R18-R24
		{"create grants (subjects)", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, wsSub(e.workspace(t, fmt.Sprintf("ws-s%d", n))), wsSub(e.workspace(t, fmt.Sprintf("ws-t%d", n))))
		}, reviewers(201)},
		{"cancel grants (bulk)", "POST", func(t *testing.T, e *env, n int) (string, any) {
			freshGrant(t, e, n)
			return "/v1/apis/api-orders/grants/cancel", map[string]any{"subjects": []any{appSub(fmt.Sprintf("app-m%d", n), "t1")}, "envs": prod}
		}, reviewers(202)},
		{"patch validity", "PATCH", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apis/api-orders/grants/" + freshGrant(t, e, n), map[string]any{"validity": days(60)}
		}, reviewers(200)},
		{"create unit grant", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/service-units/u-1/grants", grantBody("WORKSPACE", e.workspace(t, fmt.Sprintf("ws-u%d", n)), "t1", prod, unlimited)
		}, reviewers(201)},
		{"get unit grant", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/service-units/u-1/grants/" + unitGrant, nil },
			map[string]int{"rev-a": 200, "owner-a": 200, "admin-1": 200, "alice": 200, "owner-b": 200, "dev-b": 200}},
		{"patch unit grant", "PATCH", func(t *testing.T, e *env, n int) (string, any) {
			return unitGrantPath(t, e, n), map[string]any{"validity": days(60)}
		}, reviewers(200)},
		{"revoke unit grant (grantee side)", "DELETE", func(t *testing.T, e *env, n int) (string, any) { return unitGrantPath(t, e, n), nil },
			map[string]int{"alice": 204, "admin-1": 204}},
		{"cancel unit grant", "POST", func(t *testing.T, e *env, n int) (string, any) { return unitGrantPath(t, e, n) + "/cancel", nil },
			reviewers(202)},
		{"withdraw unit cancellation", "DELETE", func(t *testing.T, e *env, n int) (string, any) {
			p := unitGrantPath(t, e, n)
			want(t, e.do(t, ownerA, "POST", p+"/cancel", nil), 202)
			return p + "/cancel", nil
		}, reviewers(200)},
		{"renew unit grant", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return unitGrantPath(t, e, n) + "/renewal", map[string]any{"validity": days(60)}
		}, map[string]int{"rev-a": 200, "owner-a": 200, "admin-1": 200, "alice": 202}},
		{"cancel unit grants (bulk)", "POST", func(t *testing.T, e *env, n int) (string, any) {
			_, app := freshUnitGrant(t, e, n)
			return "/v1/service-units/u-1/grants/cancel", map[string]any{"subjects": []any{appSub(app, "t1")}, "envs": prod}
		}, reviewers(202)},
		{"unit grants", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/service-units/u-1/grants", nil }, reviewers(200)},
		{"unit audit", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/service-units/u-1/audit", nil }, reviewers(200)},
		{"apply for unit", "POST", func(*testing.T, *env, int) (string, any) {
			return "/v1/service-units/u-1/applications", map[string]any{"app_id": "app-b1", "envs": []string{"DEV"}, "validity": unlimited}
		}, map[string]int{"alice": 202}},
		{"create app grant", "POST", func(t *testing.T, e *env, n int) (string, any) {
			return "/v1/apps/app-b1/grants", map[string]any{"subject": userSub(fmt.Sprintf("user-c%d", n)), "validity": unlimited}
		}, map[string]int{"alice": 201, "owner-b": 201, "admin-1": 201}},
		{"app grants", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/apps/app-b1/grants", nil },
			map[string]int{"alice": 200, "owner-b": 200, "admin-1": 200}},
		{"revoke app grant", "DELETE", func(t *testing.T, e *env, n int) (string, any) { return freshAppGrant(t, e, n), nil },
			map[string]int{"alice": 204, "owner-b": 204, "admin-1": 204}},
		{"user authorized apis", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/users/alice/authorized-apis", nil },
			map[string]int{"alice": 200, "admin-1": 200}},
		{"own requests", "GET", func(*testing.T, *env, int) (string, any) { return "/v1/requests?requester=me", nil }, all200},
	}
	// Cases run side by side (each makes fresh objects); a case's callers run in turn.
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// A refused caller changes nothing, so the refused ones share one object;
			// each caller that may act gets a fresh one.
			var denied []any
			for j, w := range []who{devA, reviewerA, ownerA, admin1, alice, ownerB, devB, checker1, nobody1} {
				n := 100*i + j
				t.Run(w.sub, func(t *testing.T) {
					st, ok := c.ok[w.sub]
					if !ok {
						st = 403
					}
					var path string
					var body any
					switch {
					case st != 403:
						path, body = c.prep(t, e, n)
					case denied == nil:
						path, body = c.prep(t, e, n)
						denied = []any{path, body}
					default:
						path, body = denied[0].(string), denied[1]
					}
					r := e.do(t, w, c.method, path, body)
					if st == 403 {
						want(t, r, 403, "Forbidden.Access")
						return
					}
					want(t, r, st)
				})
			}
		})
	}
}

// TestHTTP_Unauthorized401 sends every route without claims, without sub and without
// tenant_id.
func TestHTTP_Unauthorized401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, k := range e.keys {
		method, tmpl, _ := strings.Cut(k, " ")
		path := tmpl
		for _, p := range []string{"{api_id}", "{app_id}", "{grant_id}", "{request_id}", "{workspace_id}"} {
			path = strings.ReplaceAll(path, p, "x1")
		}
		body := `{}`
		for name, o := range map[string]opt{
			"no authorizer": noClaims(),
			"no sub":        claimsOf(map[string]string{"tenant_id": "t1", "roles": "[tenant_admin]"}),
			"blank sub":     claimsOf(map[string]string{"sub": "  ", "tenant_id": "t1", "roles": "[tenant_admin]"}),
			"no tenant":     claimsOf(map[string]string{"sub": "admin-1", "roles": "[tenant_admin]"}),
			"empty claims":  claimsOf(map[string]string{}),
		} {
			t.Run(k+"/"+name, func(t *testing.T) {
				want(t, e.do(t, admin1, method, path, body, o), 401, "Unauthorized")
			})
		}
	}
}

// TestHTTP_RolesClaimForms accepts the roles claim flattened, as a JSON-encoded string,
// and as one role; a claim that cannot be read unambiguously is 401 "malformed roles
// claim", never partly honoured.
func TestHTTP_RolesClaimForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for name, roles := range map[string]string{
		"flattened": "[ws:ws-a:reviewer checker]",
		"json":      `["ws:ws-a:reviewer","checker"]`,
		"single":    "ws:ws-a:reviewer",
	} {
		t.Run(name, func(t *testing.T) {
			c := map[string]string{"sub": "someone", "tenant_id": "t1", "roles": roles}
			want(t, e.do(t, nobody1, "GET", "/v1/apis/api-orders/grants", nil, claimsOf(c)), 200)
		})
	}
	c := map[string]string{"sub": "someone", "tenant_id": "t1", "roles": "[ws:ws-a:revieweR wss:ws-a:owner ws::owner]"}
	want(t, e.do(t, nobody1, "GET", "/v1/apis/api-orders/grants", nil, claimsOf(c)), 403, "Forbidden.Access")
	for _, roles := range []string{"ws:ws-a:developer,tenant_admin", "[ws:ws-a:developer,tenant_admin]", `["ws:ws-a:developer tenant_admin"]`, "[ws:ws-a:developer\ttenant_admin]"} {
		c := map[string]string{"sub": "someone", "tenant_id": "t1", "roles": roles}
		r := e.do(t, nobody1, "GET", "/v1/apis/api-orders/grants", nil, claimsOf(c))
		want(t, r, 401, "Unauthorized")
		if !strings.Contains(string(r.Body), "malformed roles claim") {
			t.Errorf("%q: got %s, want the message malformed roles claim", roles, r.Body)
		}
	}
}

// TestHTTP_RolesJSONFormatRefusesFlattenedLists: deployed with RolesClaimFormat json,
// the functions read only the JSON-encoded form (or one role).
func TestHTTP_RolesJSONFormatRefusesFlattenedLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.svc.RolesFormat = access.RolesJSON
	for roles, status := range map[string]int{
		`["ws:ws-a:reviewer","checker"]`: 200,
		"ws:ws-a:reviewer":               200,
		"[ws:ws-a:reviewer checker]":     401,
		"[ws:ws-a:reviewer]":             401,
	} {
		c := map[string]string{"sub": "someone", "tenant_id": "t1", "roles": roles}
		want(t, e.do(t, nobody1, "GET", "/v1/apis/api-orders/grants", nil, claimsOf(c)), status)
	}
}
