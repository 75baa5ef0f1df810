package api_test

import (
	"strings"
	"testing"
	"time"
)

// TestHTTP_R26_Policies: a reviewer sets an API's policy (If-Match, idempotent), a
// tenant_admin the tenant default; grants, applications, renewals and changes beyond it
// are 400 InvalidParameter.Policy naming the policy; a tenant_admin's protected grant
// is exempt and its audit says so; a grant made before the policy keeps its end and the
// listing flags it.
func TestHTTP_R26_Policies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	before := e.grantApp(t, "api-orders", unlimited) // made before any policy

	path := "/v1/apis/api-orders/policy"
	r := e.do(t, reviewerA, "GET", path, nil)
	want(t, r, 200)
	if num(r.M(), "version") != 0 || r.M()["max_validity_days"] != nil {
		t.Fatalf("unset policy: %s", r)
	}
	body := map[string]any{"max_validity_days": 90, "max_renewal_days": 30, "reason": "sensitive"}
	want(t, e.do(t, devA, "PUT", path, body), 403, "Forbidden.Access")
	want(t, e.do(t, reviewerA, "PUT", path, map[string]any{"approvals_required": 4}), 400, "InvalidParameter")
	want(t, e.do(t, reviewerA, "PUT", path, body, ifMatch(3)), 412)
	r = e.do(t, reviewerA, "PUT", path, body, idem("r26-policy"))
	want(t, r, 200)
	if num(r.M(), "version") != 1 || num(r.M(), "max_validity_days") != 90 {
		t.Fatalf("policy: %s", r)
	}
	if again := e.do(t, reviewerA, "PUT", path, body, idem("r26-policy")); again.Status != 200 || num(again.M(), "version") != 1 {
		t.Fatalf("replay: %s", again)
	}
	want(t, e.do(t, reviewerA, "PUT", "/v1/tenant/policy", map[string]any{"max_validity_days": 365}), 403, "Forbidden.Access")
	want(t, e.do(t, admin1, "PUT", "/v1/tenant/policy", map[string]any{"max_validity_days": 365}), 200)

	beyond := func(r *resp, policy string) {
		t.Helper()
		want(t, r, 400, "InvalidParameter.Policy")
		if !strings.Contains(str(r.M(), "error_msg"), policy) {
			t.Fatalf("the error does not name %s: %s", policy, r)
		}
	}
	grant := func(v map[string]any, extra ...any) *resp {
		return e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, v, extra...))
	}
	beyond(grant(unlimited), "max_validity_days=90")
	beyond(grant(days(91)), "max_validity_days=90")
	// the tenant default caps an API without a policy of its own
	beyond(e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited)), "max_validity_days=365")
	beyond(e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": []string{"DEV"}, "validity": days(120)}), "max_validity_days=90")

	// exactly at the cap, then renewals: one may extend by at most 30 days
	g := first(t, grant(map[string]any{"type": "LIMITED", "end_time": t0.Add(90 * 24 * time.Hour).Format(time.RFC3339)}))
	renew := "/v1/apis/api-orders/grants/" + str(g, "grant_id") + "/renewal"
	e.clk.Advance(80 * 24 * time.Hour)
	beyond(e.do(t, reviewerA, "POST", renew, map[string]any{"validity": map[string]any{"type": "LIMITED", "end_time": t0.Add(121 * 24 * time.Hour).Format(time.RFC3339)}}), "max_renewal_days=30")
	want(t, e.do(t, reviewerA, "POST", renew, map[string]any{"validity": map[string]any{"type": "LIMITED", "end_time": t0.Add(120 * 24 * time.Hour).Format(time.RFC3339)}}), 200)
	beyond(e.do(t, reviewerA, "PATCH", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), map[string]any{"validity": unlimited}), "max_validity_days=90")

	// a tenant_admin's protected grant is exempt, and the audit says so
	p := e.do(t, admin1, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-c", "t1", prod, unlimited, "protected", true))
	want(t, p, 201)
	exempt := false
	for _, a := range e.audit(t, "api-orders") {
		if a.GrantID == str(first(t, p), "grant_id") && a.Action == "Grant Created" {
			exempt = strings.Contains(a.PolicyExemption, "max_validity_days=90")
		}
	}
	if !exempt {
		t.Fatal("the protected grant's audit entry does not record its exemption")
	}

	// the grant made before the policy keeps its end; the listing flags it
	r = e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants", nil)
	want(t, r, 200)
	for _, it := range items(t, r) {
		flagged := it["beyond_policy"] != nil
		if str(it, "grant_id") == str(before, "grant_id") != flagged && !it["protected"].(bool) {
			t.Fatalf("beyond_policy of %s: %v", str(it, "grant_id"), it["beyond_policy"])
		}
		if str(it, "grant_id") == str(before, "grant_id") && it["end_time"] != nil {
			t.Fatalf("the older grant changed: %v", it)
		}
	}
}
