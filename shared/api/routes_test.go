package api_test

import (
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/api"
)

// TestHTTP_SpecCoversEveryRoute checks that infra/openapi.yaml documents exactly the
// routes the handlers serve.
func TestHTTP_SpecCoversEveryRoute(t *testing.T) {
	t.Parallel()
	doc, _ := spec(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(documented)
	// Route keys need no table: this test runs without DynamoDB Local too.
	svc := access.NewService(nil, access.Config{})
	var keys []string
	for _, h := range []*api.Handler{api.Catalog(svc), api.Grant(svc), api.Revoke(svc), api.Renew(svc), api.List(svc), api.Check(svc).Handler} {
		keys = append(keys, api.RouteKeys(h)...)
	}
	slices.Sort(keys)
	if !slices.Equal(documented, keys) {
		t.Fatalf("routes: document has %v\nhandlers serve %v", documented, keys)
	}
	if len(keys) != 67 {
		t.Errorf("got %d routes, want 67 (every table of SPEC.md, POST /v1/check among them, R26's six policy routes, the 3 AppKey and the 3 AppCode routes, R29's four directory routes and R28's five review routes)", len(keys))
	}
}

func TestHTTP_Catalog_PutAPI201Then200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, ownerA, "PUT", "/v1/apis/api-1", apiBody("ws-a", "Orders", "/o/1", "READ", true, "id"))
	want(t, r, 201)
	if m := r.M(); str(m, "api_id") != "api-1" || str(m, "tenant_id") != "t1" || str(m, "status") != "PUBLISHED" || num(m, "version") != 1 {
		t.Fatalf("created API: %s", r)
	}
	e.clk.Advance(time.Minute)
	r = e.do(t, reviewerA, "PUT", "/v1/apis/api-1", apiBody("ws-a", "Orders v2", "/o/1", "READ", true, "id", "name"))
	want(t, r, 200)
	if m := r.M(); str(m, "name") != "Orders v2" || num(m, "version") != 2 || str(m, "created_at") != t0.Format(time.RFC3339) {
		t.Fatalf("updated API: %s", r)
	}
	r = e.do(t, devA, "GET", "/v1/apis/api-1", nil)
	want(t, r, 200)
	if str(r.M(), "name") != "Orders v2" {
		t.Fatalf("read API: %s", r)
	}
	r = e.do(t, admin1, "GET", "/v1/apis?workspace_id=ws-a", nil)
	want(t, r, 200)
	if m := r.M(); num(m, "total_count") != 1 || num(m, "page_number") != 1 || num(m, "page_size") != 10 {
		t.Fatalf("list: %s", r)
	}
}

func TestHTTP_Catalog_DeleteAPI204(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	want(t, e.do(t, ownerA, "DELETE", "/v1/apis/api-orders", nil), 204)
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders", nil), 404, "NotFound.Api")
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 404)
	want(t, e.do(t, ownerA, "DELETE", "/v1/apis/api-orders", nil), 404, "NotFound.Api")
	// The path is free again.
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders2", apiBody("ws-a", "Orders", "/orders", "READ", false)), 201)
}

func TestHTTP_Catalog_AppCodeOnlyOnCreationAndRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, ownerB, "PUT", "/v1/apps/app-1", map[string]any{"workspace_id": "ws-b", "name": "One", "owner": "alice"})
	want(t, r, 201)
	code := str(r.M(), "app_code")
	if len(code) < 32 || str(r.M(), "owner") != "alice" {
		t.Fatalf("created app: %s", r)
	}
	r = e.do(t, ownerB, "PUT", "/v1/apps/app-1", map[string]any{"workspace_id": "ws-b", "name": "One renamed"})
	want(t, r, 200)
	if _, ok := r.M()["app_code"]; ok {
		t.Fatalf("update shows an app_code: %s", r)
	}
	if str(r.M(), "owner") != "alice" {
		t.Fatalf("update without owner changed the owner: %s", r)
	}
	for _, w := range []who{alice, ownerB, devB} {
		r = e.do(t, w, "GET", "/v1/apps/app-1", nil)
		want(t, r, 200)
		mustContainNone(t, r, code)
		if _, ok := r.M()["app_code"]; ok {
			t.Fatalf("read shows an app_code: %s", r)
		}
	}
	r = e.do(t, alice, "POST", "/v1/apps/app-1/app-code", nil)
	want(t, r, 200)
	code2 := str(r.M(), "app_code")
	if code2 == "" || code2 == code {
		t.Fatalf("rotation: %s", r)
	}
	r = e.do(t, devB, "GET", "/v1/workspaces/ws-b/apps", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 || num(r.M(), "total_count") != 1 {
		t.Fatalf("apps: %s", r)
	}
	mustContainNone(t, r, code, code2)
}

func TestHTTP_Grant_Create201OnePerEnv(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, reviewerA, "POST", "/v1/apis/api-orders/grants",
		grantBody("APP", "app-b1", "t1", both, days(30), "permissions", []string{"USAGE", "PROXY"}, "fields", []string{"id", "name"}))
	want(t, r, 201)
	gs := r.M()["grants"].([]any)
	if len(gs) != 2 {
		t.Fatalf("want 2 grants: %s", r)
	}
	envs := []string{}
	for _, x := range gs {
		g := x.(map[string]any)
		envs = append(envs, str(g, "env"))
		if str(g, "status") != "ACTIVE" || num(g, "version") != 1 || str(g, "api_name") != "Orders API" ||
			str(g, "end_time") != t0.Add(30*24*time.Hour).Format(time.RFC3339) || str(g, "creator_id") != "rev-a" {
			t.Fatalf("grant: %v", g)
		}
	}
	slices.Sort(envs)
	if !slices.Equal(envs, []string{"DEV", "PROD"}) {
		t.Fatalf("envs %v", envs)
	}
	g := gs[0].(map[string]any)
	for _, w := range []who{reviewerA, ownerA, admin1, alice, ownerB, devB} {
		want(t, e.do(t, w, "GET", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 200)
	}
	r = e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants", nil)
	want(t, r, 200)
	if len(items(t, r)) != 2 {
		t.Fatalf("grants of API: %s", r)
	}
}

func TestHTTP_Apply_202ThenApprove200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, alice, "POST", "/v1/apis/api-orders/applications",
		map[string]any{"app_id": "app-b1", "envs": prod, "validity": days(90), "reason": "need orders"})
	want(t, r, 202)
	req := r.M()
	if str(req, "status") != "PENDING" || str(req, "kind") != "APPLY" || str(req, "requester") != "alice" || req["decided_at"] != nil {
		t.Fatalf("request: %s", r)
	}
	if _, ok := req["grants"]; ok {
		t.Fatalf("a pending request carries grants: %s", r)
	}
	id := str(req, "request_id")
	want(t, e.do(t, alice, "GET", "/v1/requests/"+id, nil), 200)
	r = e.do(t, reviewerA, "GET", "/v1/requests?workspace_id=ws-a&status=PENDING", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("pending: %s", r)
	}
	r = e.do(t, alice, "GET", "/v1/requests?app_id=app-b1", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("app's requests: %s", r)
	}
	e.clk.Advance(time.Hour)
	r = e.do(t, reviewerA, "POST", "/v1/requests/"+id+"/approve", map[string]any{"reason": "ok"})
	want(t, r, 200)
	m := r.M()
	if str(m, "status") != "APPROVED" || str(m, "reviewer") != "rev-a" || len(m["grants"].([]any)) != 1 {
		t.Fatalf("approved: %s", r)
	}
	g := m["grants"].([]any)[0].(map[string]any)
	// R2: days count from the approval.
	if str(g, "end_time") != t0.Add(time.Hour+90*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("end_time %s", str(g, "end_time"))
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true || str(d, "grant_id") != str(g, "grant_id") {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_Apply_201WhenApplicantReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	// owner-a owns ws-a (reviews the API) and, here, also owns an app in ws-a.
	want(t, e.do(t, ownerA, "PUT", "/v1/apps/app-a1", map[string]any{"workspace_id": "ws-a", "name": "Own"}), 201)
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/applications",
		map[string]any{"app_id": "app-a1", "envs": both, "validity": unlimited})
	want(t, r, 201)
	if m := r.M(); str(m, "status") != "APPROVED" || len(m["grants"].([]any)) != 2 || m["decided_at"] == nil {
		t.Fatalf("auto-approved: %s", r)
	}
}

func TestHTTP_Request_RejectAndWithdraw200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	apply := func() string {
		r := e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
		want(t, r, 202)
		return str(r.M(), "request_id")
	}
	id := apply()
	r := e.do(t, ownerA, "POST", "/v1/requests/"+id+"/reject", map[string]any{"reason": "no"})
	want(t, r, 200)
	if str(r.M(), "status") != "REJECTED" {
		t.Fatalf("reject: %s", r)
	}
	id = apply()
	r = e.do(t, alice, "POST", "/v1/requests/"+id+"/withdraw", nil) // the body is optional
	want(t, r, 200)
	if str(r.M(), "status") != "WITHDRAWN" {
		t.Fatalf("withdraw: %s", r)
	}
}

func TestHTTP_Cancel_202DeferredThenWithdraw200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	r := e.do(t, reviewerA, "POST", path+"/cancel", map[string]any{"reason": "sunset"})
	want(t, r, 202)
	if m := r.M(); str(m, "status") != "CANCELLATION_PENDING" || str(m, "cancel_at") != t0.Add(48*time.Hour).Format(time.RFC3339) || num(m, "version") != 2 {
		t.Fatalf("cancel: %s", r)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true || str(d, "expires_at") != t0.Add(48*time.Hour).Format(time.RFC3339) {
		t.Fatalf("check while pending: %v", d)
	}
	r = e.do(t, reviewerA, "DELETE", path+"/cancel", nil)
	want(t, r, 200)
	if m := r.M(); str(m, "status") != "ACTIVE" || m["cancel_at"] != nil || num(m, "version") != 3 {
		t.Fatalf("withdraw: %s", r)
	}
	want(t, e.do(t, reviewerA, "DELETE", path+"/cancel", nil), 409, "Conflict.NoCancellationPending")
}

func TestHTTP_Cancel_200WhenNoticeIsZero(t *testing.T) {
	t.Parallel()
	e := newEnvNotice(t, 0)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	r := e.do(t, reviewerA, "POST", "/v1/apis/api-orders/grants/"+str(g, "grant_id")+"/cancel", map[string]any{"reason": "now"})
	want(t, r, 200)
	if str(r.M(), "status") != "REVOKED" {
		t.Fatalf("cancel: %s", r)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != false || str(d, "reason") != "CANCELLED" {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_Cancel_ImmediateByTenantAdmin200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id") + "/cancel"
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"immediate": true}), 403, "Forbidden.Access")
	r := e.do(t, admin1, "POST", path, map[string]any{"immediate": true, "reason": "breach"})
	want(t, r, 200)
	if str(r.M(), "status") != "REVOKED" {
		t.Fatalf("immediate: %s", r)
	}
}

func TestHTTP_Revoke_AppSide204(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	r := e.do(t, alice, "DELETE", path+"?reason=no+longer+needed", nil)
	want(t, r, 204)
	if len(r.Body) != 0 {
		t.Fatalf("204 with a body: %s", r)
	}
	r = e.do(t, reviewerA, "GET", path, nil)
	want(t, r, 200)
	if str(r.M(), "status") != "REVOKED" {
		t.Fatalf("after revoke: %s", r)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "CANCELLED" {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_Renew_ReviewerAt200_AppOwner202(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30))
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id") + "/renewal"
	r := e.do(t, reviewerA, "POST", path, map[string]any{"validity": days(60), "reason": "extend"})
	want(t, r, 200)
	if m := r.M(); str(m, "end_time") != t0.Add(60*24*time.Hour).Format(time.RFC3339) || num(m, "version") != 2 {
		t.Fatalf("renewed: %s", r)
	}
	r = e.do(t, alice, "POST", path, map[string]any{"validity": days(90)})
	want(t, r, 202)
	req := r.M()
	if str(req, "kind") != "RENEW" || str(req, "grant_id") != str(g, "grant_id") || str(req, "status") != "PENDING" {
		t.Fatalf("renew request: %s", r)
	}
	e.clk.Advance(24 * time.Hour)
	r = e.do(t, ownerA, "POST", "/v1/requests/"+str(req, "request_id")+"/approve", nil)
	want(t, r, 200)
	ng := r.M()["grants"].([]any)[0].(map[string]any)
	if str(ng, "end_time") != t0.Add(24*time.Hour+90*24*time.Hour).Format(time.RFC3339) || num(ng, "version") != 3 {
		t.Fatalf("approved renewal: %s", r)
	}
}

func TestHTTP_Patch_FieldsAndProxy200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	r := e.do(t, reviewerA, "PATCH", path, map[string]any{"fields": []string{"id"}, "add_permissions": []string{"PROXY"}, "reason": "narrow"}, ifMatch(1))
	want(t, r, 200)
	if m := r.M(); num(m, "version") != 2 || !slices.Equal(toStrings(m["permissions"]), []string{"USAGE", "PROXY"}) || !slices.Equal(toStrings(m["fields"]), []string{"id"}) {
		t.Fatalf("patched: %s", r)
	}
	d := e.check(t, "api-orders", "app-b1", "PROD", "proxy", true)
	if d["allowed"] != true || !slices.Equal(toStrings(d["fields"]), []string{"id"}) {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_Lists_AuthorizedAndGranted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", both, days(7))), 201)
	r := e.do(t, devB, "GET", "/v1/workspaces/ws-b/authorized-apis", nil)
	want(t, r, 200)
	its := items(t, r)
	if len(its) != 3 || num(r.M(), "total_count") != 3 {
		t.Fatalf("authorized: %s", r)
	}
	if str(its[0], "api_name") != "Orders API" || str(its[2], "api_name") != "Sales Report" {
		t.Fatalf("order: %s", r)
	}
	r = e.do(t, devB, "GET", "/v1/workspaces/ws-b/authorized-apis?env=DEV&status=ACTIVE", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("filtered: %s", r)
	}
	r = e.do(t, devB, "GET", "/v1/workspaces/ws-b/authorized-apis?app_id=app-b1", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("by app: %s", r)
	}
	r = e.do(t, reviewerA, "GET", "/v1/workspaces/ws-a/granted-apis", nil)
	want(t, r, 200)
	its = items(t, r)
	if len(its) != 2 || str(its[0], "api_id") != "api-orders" || len(its[1]["authorization_records"].([]any)) != 2 {
		t.Fatalf("granted: %s", r)
	}
	// api-orders has two audit entries: API Changed, Grant Created (newest first).
	r = e.do(t, reviewerA, "GET", "/v1/apis/api-orders/audit?page_size=1", nil)
	want(t, r, 200)
	if its := items(t, r); len(its) != 1 || str(its[0], "action") != "Grant Created" || str(r.M(), "next_token") == "" {
		t.Fatalf("audit page 1: %s", r)
	}
	r = e.do(t, reviewerA, "GET", "/v1/apis/api-orders/audit?page_size=1&next_token="+str(r.M(), "next_token"), nil)
	want(t, r, 200)
	if its := items(t, r); len(its) != 1 || str(its[0], "action") != "API Changed" {
		t.Fatalf("audit page 2: %s", r)
	}
	if _, ok := r.M()["next_token"]; ok {
		t.Fatalf("the last page carries a next_token: %s", r)
	}
}

func toStrings(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
