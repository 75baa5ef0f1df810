package api_test

import (
	"testing"
	"time"
)

func appSub(id, tenant string) map[string]any {
	return map[string]any{"type": "APP", "id": id, "tenant_id": tenant}
}

func wsSub(id string) map[string]any {
	return map[string]any{"type": "WORKSPACE", "id": id, "tenant_id": "t1"}
}

// subjectsBody is a grant request naming several subjects (R18).
func subjectsBody(envs []string, validity map[string]any, subs ...map[string]any) map[string]any {
	list := make([]any, len(subs))
	for i, s := range subs {
		list[i] = s
	}
	return map[string]any{"subjects": list, "envs": envs, "validity": validity, "reason": "bulk"}
}

// pairs returns the failing pairs of an error answer as "subject_id/env/error_code".
func pairs(t *testing.T, r *resp) map[string]any {
	t.Helper()
	out := map[string]any{}
	ps, _ := r.M()["pairs"].([]any)
	for _, p := range ps {
		m := p.(map[string]any)
		sub := m["subject"].(map[string]any)
		out[str(sub, "id")+"/"+str(m, "env")+"/"+str(m, "error_code")] = m["grant_id"]
	}
	return out
}

func TestHTTP_R18_SubjectsAllOrNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	held := str(e.grantApp(t, "api-orders", unlimited), "grant_id") // app-b1 in PROD
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(both, unlimited, wsSub("ws-b"), appSub("app-b1", "t1"), wsSub("ws-c")))
	want(t, r, 409, "Conflict.GrantExists")
	if ps := pairs(t, r); len(ps) != 1 || ps["app-b1/PROD/Conflict.GrantExists"] != held {
		t.Fatalf("pairs: got %v, want app-b1/PROD naming %s", ps, held)
	}
	r = e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants", nil)
	want(t, r, 200)
	if n := len(items(t, r)); n != 1 {
		t.Fatalf("got %d grants after the failed bulk request, want the 1 held before", n)
	}
	// 404 (an unknown app) outranks 409, and every pair is listed, grant_id null where none
	r = e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, appSub("app-b1", "t1"), appSub("ghost", "t1")))
	want(t, r, 404, "NotFound.App")
	if ps := pairs(t, r); len(ps) != 2 || ps["ghost/PROD/NotFound.App"] != nil || ps["app-b1/PROD/Conflict.GrantExists"] != held {
		t.Fatalf("pairs: got %v", ps)
	}
	// limits and shape: 400
	many := make([]map[string]any, 11)
	for i := range many {
		many[i] = wsSub("ws-" + string(rune('a'+i)))
	}
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, many...)), 400, "InvalidParameter.TooMany")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, wsSub("ws-b"), wsSub("ws-b"))), 400, "InvalidParameter.Subject")
	dual := subjectsBody(prod, unlimited, wsSub("ws-b"))
	dual["subject"] = wsSub("ws-c")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", dual), 400, "InvalidParameter.Subject")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, wsSub("ws-b")), ifMatch(1)), 400, "InvalidParameter.IfMatch")
	// the roles: only a reviewer of the API's workspace
	for _, w := range []who{devA, ownerB, alice, nobody1} {
		want(t, e.do(t, w, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, wsSub("ws-b"))), 403, "Forbidden.Access")
	}
	// ten subjects in both envs: twenty grants, one per pair
	ten := many[:10]
	r = e.do(t, reviewerA, "POST", "/v1/apis/api-sales/grants", subjectsBody(both, days(30), ten...), idem("bulk-1"))
	want(t, r, 201)
	if gs, _ := r.M()["grants"].([]any); len(gs) != 20 {
		t.Fatalf("got %d grants, want 20", len(gs))
	}
	again := e.do(t, reviewerA, "POST", "/v1/apis/api-sales/grants", subjectsBody(both, days(30), ten...), idem("bulk-1"))
	want(t, again, 201)
	if string(again.Body) != string(r.Body) {
		t.Fatal("the replay differs from the first answer")
	}
}

func TestHTTP_R19_BulkCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(both, unlimited, wsSub("ws-b"), wsSub("ws-c"))), 201)
	protected := grantBody("WORKSPACE", "ws-d", "t1", prod, unlimited, "protected", true)
	want(t, e.do(t, admin1, "POST", "/v1/apis/api-orders/grants", protected), 201)
	body := func(subs ...map[string]any) map[string]any {
		b := subjectsBody(both, nil, subs...)
		delete(b, "validity")
		return b
	}
	path := "/v1/apis/api-orders/grants/cancel"
	// one protected grant among them (PROD), ws-d has no DEV grant: 404 outranks 403,
	// both pairs are listed, nothing is cancelled
	r := e.do(t, ownerA, "POST", path, body(wsSub("ws-b"), wsSub("ws-d"), wsSub("ws-c")))
	want(t, r, 404, "NotFound.Grant")
	if ps := pairs(t, r); len(ps) != 2 || ps["ws-d/PROD/Forbidden.GrantProtected"] == nil || ps["ws-d/DEV/NotFound.Grant"] != nil {
		t.Fatalf("pairs: got %v", ps)
	}
	onlyProd := body(wsSub("ws-b"), wsSub("ws-d"))
	onlyProd["envs"] = prod
	r = e.do(t, ownerA, "POST", path, onlyProd)
	want(t, r, 403, "Forbidden.GrantProtected")
	if ps := pairs(t, r); len(ps) != 1 {
		t.Fatalf("pairs: got %v", ps)
	}
	// the roles
	for _, w := range []who{devA, ownerB, alice} {
		want(t, e.do(t, w, "POST", path, body(wsSub("ws-b"))), 403, "Forbidden.Access")
	}
	imm := body(wsSub("ws-b"))
	imm["immediate"] = true
	want(t, e.do(t, ownerA, "POST", path, imm), 403, "Forbidden.Access")
	want(t, e.do(t, ownerA, "POST", path, body(wsSub("ws-b")), ifMatch(1)), 400, "InvalidParameter.IfMatch")
	// deferred: 202, every pair scheduled at now + notice
	r = e.do(t, reviewerA, "POST", path, body(wsSub("ws-b"), wsSub("ws-c")))
	want(t, r, 202)
	gs, _ := r.M()["grants"].([]any)
	if len(gs) != 4 {
		t.Fatalf("got %d grants, want 4", len(gs))
	}
	for _, g := range gs {
		m := g.(map[string]any)
		if str(m, "status") != "CANCELLATION_PENDING" || str(m, "cancel_at") != t0.Add(48*time.Hour).Format(time.RFC3339) {
			t.Fatalf("grant: %v", m)
		}
	}
	// again while pending: 409 for every pair
	r = e.do(t, reviewerA, "POST", path, body(wsSub("ws-b")))
	want(t, r, 409, "Conflict.CancellationPending")
	if len(pairs(t, r)) != 2 {
		t.Fatalf("pairs: %s", r)
	}
	// a tenant_admin's immediate bulk revocation: 200
	r = e.do(t, admin1, "POST", path, imm)
	want(t, r, 409, "Conflict.CancellationPending")
	want(t, e.do(t, admin1, "POST", "/v1/apis/api-sales/grants", subjectsBody(prod, unlimited, wsSub("ws-b"))), 201)
	r = e.do(t, admin1, "POST", "/v1/apis/api-sales/grants/cancel", map[string]any{"subjects": []any{wsSub("ws-b")}, "envs": prod, "immediate": true})
	want(t, r, 200)
	if g := r.M()["grants"].([]any)[0].(map[string]any); str(g, "status") != "REVOKED" {
		t.Fatalf("grant: %v", g)
	}
}

func TestHTTP_R19_ZeroNoticeAnswers200(t *testing.T) {
	t.Parallel()
	e := newEnvNotice(t, 0)
	e.seed(t)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", subjectsBody(prod, unlimited, wsSub("ws-b"), wsSub("ws-c"))), 201)
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants/cancel", map[string]any{"subjects": []any{wsSub("ws-b"), wsSub("ws-c")}, "envs": prod, "reason": "gone"})
	want(t, r, 200)
	for _, g := range r.M()["grants"].([]any) {
		if str(g.(map[string]any), "status") != "REVOKED" {
			t.Fatalf("grant: %v", g)
		}
	}
}

func TestHTTP_R20_PatchValidity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30))
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	earliest := t0.Add(48 * time.Hour)
	r := e.do(t, ownerA, "PATCH", path, map[string]any{"validity": map[string]any{"type": "LIMITED", "end_time": earliest.Add(-time.Second).Unix()}})
	want(t, r, 400, "InvalidParameter.Validity")
	if str(r.M(), "earliest_end_time") != earliest.Format(time.RFC3339) {
		t.Fatalf("earliest_end_time: %s", r)
	}
	for _, w := range []who{devA, ownerB, alice} {
		want(t, e.do(t, w, "PATCH", path, map[string]any{"validity": days(60)}), 403, "Forbidden.Access")
	}
	r = e.do(t, reviewerA, "PATCH", path, map[string]any{"validity": map[string]any{"type": "LIMITED", "end_time": earliest.Format(time.RFC3339)}, "reason": "shorter"}, ifMatch(1))
	want(t, r, 200)
	if str(r.M(), "end_time") != earliest.Format(time.RFC3339) || num(r.M(), "version") != 2 {
		t.Fatalf("shortened: %s", r)
	}
	r = e.do(t, reviewerA, "PATCH", path, map[string]any{"validity": unlimited}, ifMatch(2))
	want(t, r, 200)
	if r.M()["end_time"] != nil {
		t.Fatalf("extended: %s", r)
	}
	if n := e.auditOf(t, "api-orders", str(g, "grant_id"), "Grant Changed"); n != 2 {
		t.Fatalf("got %d Grant Changed entries, want 2", n)
	}
	// protected: extend yes, shorten never
	p := first(t, e.do(t, admin1, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, days(30), "protected", true)))
	pp := "/v1/apis/api-sales/grants/" + str(p, "grant_id")
	want(t, e.do(t, admin1, "PATCH", pp, map[string]any{"validity": days(10)}), 403, "Forbidden.GrantProtected")
	want(t, e.do(t, admin1, "PATCH", pp, map[string]any{"validity": days(100)}), 200)
	// not in force: 409
	x := e.grantApp(t, "api-sales", days(1))
	e.clk.Advance(24 * time.Hour)
	want(t, e.do(t, ownerA, "PATCH", "/v1/apis/api-sales/grants/"+str(x, "grant_id"), map[string]any{"validity": days(5)}), 409, "Conflict.GrantNotInForce")
}

func TestHTTP_R22_RequesterMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
	want(t, r, 202)
	mine := str(r.M(), "request_id")
	want(t, e.do(t, alice, "POST", "/v1/apis/api-sales/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}), 202)
	r = e.do(t, alice, "GET", "/v1/requests?requester=me", nil)
	want(t, r, 200)
	if its := items(t, r); len(its) != 2 || num(r.M(), "total_count") != 2 {
		t.Fatalf("alice's requests: %s", r)
	}
	r = e.do(t, alice, "GET", "/v1/requests?requester=me&api_name_keyword=orders", nil)
	if its := items(t, r); len(its) != 1 || str(its[0], "request_id") != mine {
		t.Fatalf("alice's orders request: %s", r)
	}
	// nobody else's: another user of the tenant, the same sub in another tenant
	for _, w := range []who{ownerA, devB, {"alice", "t2", nil}} {
		r = e.do(t, w, "GET", "/v1/requests?requester=me", nil)
		want(t, r, 200)
		if len(items(t, r)) != 0 {
			t.Fatalf("%s sees: %s", w, r)
		}
	}
	want(t, e.do(t, alice, "GET", "/v1/requests?requester=bob", nil), 400)
	want(t, e.do(t, alice, "GET", "/v1/requests?requester=me&app_id=app-b1", nil), 400)
}
