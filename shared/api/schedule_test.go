package api_test

import (
	"testing"
	"time"
)

// TestHTTP_R25_ScheduledStart drives R25 through the routes: a grant, a bulk grant and
// an application with start_time; SCHEDULED until the start (the check answers
// NOT_YET_VALID with starts_at), its slot held (409), changed with If-Match, cancelled
// at once without notice, and GRANTED from the start instant on.
func TestHTTP_R25_ScheduledStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	start := t0.Add(72 * time.Hour)
	startS := start.Format(time.RFC3339)

	for _, bad := range []time.Time{t0, t0.Add(366 * 24 * time.Hour)} {
		want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(30), "start_time", bad.Format(time.RFC3339))), 400, "InvalidParameter.StartTime")
	}
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(30), "start_time", startS), idem("r25-grant"))
	want(t, r, 201)
	g := first(t, r)
	if str(g, "status") != "SCHEDULED" || str(g, "start_time") != startS || str(g, "end_time") != start.Add(30*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("scheduled grant: %v", g)
	}
	if again := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(30), "start_time", startS), idem("r25-grant")); again.Status != 201 || str(first(t, again), "grant_id") != str(g, "grant_id") {
		t.Fatalf("replay: %s", again)
	}
	d := e.check(t, "api-orders", "app-b1", "PROD")
	if d["allowed"] != false || str(d, "reason") != "NOT_YET_VALID" || str(d, "starts_at") != startS {
		t.Fatalf("check before the start: %v", d)
	}
	// R3: the scheduled grant holds its slot.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, unlimited)), 409, "Conflict.GrantExists")

	// Change: move the start a day later, with If-Match; days then count from it.
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	later := start.Add(24 * time.Hour)
	want(t, e.do(t, reviewerA, "PATCH", path, map[string]any{"start_time": later.Format(time.RFC3339)}, ifMatch(9)), 412)
	r = e.do(t, reviewerA, "PATCH", path, map[string]any{"start_time": later.Format(time.RFC3339), "validity": days(10)}, ifMatch(1))
	want(t, r, 200)
	if str(r.M(), "start_time") != later.Format(time.RFC3339) || str(r.M(), "end_time") != later.Add(10*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("rescheduled: %s", r)
	}

	// A bulk grant and an application may be scheduled too.
	r = e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", map[string]any{
		"subjects": []any{map[string]any{"type": "APP", "id": "app-b1", "tenant_id": "t1"}, map[string]any{"type": "WORKSPACE", "id": "ws-b", "tenant_id": "t1"}},
		"envs":     both, "validity": unlimited, "start_time": startS})
	want(t, r, 201)
	for _, x := range r.M()["grants"].([]any) {
		if str(x.(map[string]any), "status") != "SCHEDULED" {
			t.Fatalf("bulk: %s", r)
		}
	}
	r = e.do(t, alice, "POST", "/v1/apis/api-write/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": days(5), "start_time": startS})
	want(t, r, 202)
	if str(r.M(), "start_time") != startS {
		t.Fatalf("application: %s", r)
	}
	r = e.do(t, reviewerA, "POST", "/v1/requests/"+str(r.M(), "request_id")+"/approve", map[string]any{"reason": "ok"})
	want(t, r, 200)
	if ag := r.M()["grants"].([]any)[0].(map[string]any); str(ag, "status") != "SCHEDULED" || str(ag, "end_time") != start.Add(5*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("approved application: %s", r)
	}

	// Cancel before the start: at once (200, not 202), no notice; the slot is free again.
	sales := e.do(t, ownerA, "GET", "/v1/apis/api-sales/grants", nil)
	want(t, sales, 200)
	var wsGrant string
	for _, it := range items(t, sales) {
		if it["subject"].(map[string]any)["type"] == "WORKSPACE" && str(it, "env") == "PROD" {
			wsGrant = str(it, "grant_id")
		}
	}
	r = e.do(t, reviewerA, "POST", "/v1/apis/api-sales/grants/"+wsGrant+"/cancel", map[string]any{"reason": "plan changed"})
	want(t, r, 200)
	if str(r.M(), "status") != "REVOKED" || r.M()["cancel_at"] != nil {
		t.Fatalf("cancel before the start: %s", r)
	}
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited)), 201)

	// At the start instant the grant is in force: decided by time, whatever the jobs did.
	e.clk.Advance(later.Sub(t0) - time.Millisecond)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "NOT_YET_VALID" {
		t.Fatalf("a millisecond before the start: %v", d)
	}
	e.clk.Advance(time.Millisecond)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true || str(d, "expires_at") != later.Add(10*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("at the start: %v", d)
	}
	if n := e.auditOf(t, "api-orders", str(g, "grant_id"), "Grant Created", "Grant Changed"); n != 2 {
		t.Fatalf("got %d audit entries, want Grant Created and Grant Changed", n)
	}
}
