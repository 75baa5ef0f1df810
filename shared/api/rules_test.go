package api_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHTTP_R1_UnpublishedAPICannotBeGranted409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	b := apiBody("ws-a", "Orders API", "/orders", "READ", true, "id", "name", "email")
	b["status"] = "UNPUBLISHED"
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, unlimited)), 409, "Conflict.ApiNotPublished")
	want(t, e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}), 409, "Conflict.ApiNotPublished")
}

func TestHTTP_R1_ApprovalOfUnpublishedAPI409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
	want(t, r, 202)
	b := apiBody("ws-a", "Orders API", "/orders", "READ", true, "id", "name", "email")
	b["status"] = "UNPUBLISHED"
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+str(r.M(), "request_id")+"/approve", nil), 409, "Conflict.ApiNotPublished")
}

func TestHTTP_R2_ValidityForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	end := t0.Add(72 * time.Hour)
	cases := []struct {
		name     string
		validity any
		status   int
		end      any // expected end_time (nil: unlimited)
	}{
		{"unlimited", unlimited, 201, nil},
		{"rfc3339", map[string]any{"type": "LIMITED", "end_time": end.Format(time.RFC3339)}, 201, end.Format(time.RFC3339)},
		{"rfc3339 offset", map[string]any{"type": "LIMITED", "end_time": end.In(time.FixedZone("x", 8*3600)).Format(time.RFC3339)}, 201, end.Format(time.RFC3339)},
		{"unix seconds", map[string]any{"type": "LIMITED", "end_time": end.Unix()}, 201, end.Format(time.RFC3339)},
		{"days preset", days(180), 201, t0.Add(180 * 24 * time.Hour).Format(time.RFC3339)},
		{"days any", days(3650), 201, t0.Add(3650 * 24 * time.Hour).Format(time.RFC3339)},
		{"past end", map[string]any{"type": "LIMITED", "end_time": t0.Add(-time.Second).Format(time.RFC3339)}, 400, nil},
		{"end now", map[string]any{"type": "LIMITED", "end_time": t0.Unix()}, 400, nil},
		{"days 0", days(0), 400, nil},
		{"days 3651", days(3651), 400, nil},
		{"days fraction", map[string]any{"type": "LIMITED", "days": 1.5}, 400, nil},
		{"days string", map[string]any{"type": "LIMITED", "days": "30"}, 400, nil},
		{"both", map[string]any{"type": "LIMITED", "days": 3, "end_time": end.Unix()}, 400, nil},
		{"limited bare", map[string]any{"type": "LIMITED"}, 400, nil},
		{"unlimited with end", map[string]any{"type": "UNLIMITED", "days": 3}, 400, nil},
		{"unknown type", map[string]any{"type": "FOREVER"}, 400, nil},
		{"lower case type", map[string]any{"type": "unlimited"}, 400, nil},
		{"no type", map[string]any{"days": 3}, 400, nil},
		{"not an object", "UNLIMITED", 400, nil},
		{"bad time", map[string]any{"type": "LIMITED", "end_time": "next tuesday"}, 400, nil},
		{"negative unix", map[string]any{"type": "LIMITED", "end_time": -5}, 400, nil},
		{"year 10000", map[string]any{"type": "LIMITED", "end_time": 253402300800}, 400, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := e.workspace(t, fmt.Sprintf("ws-r2-%d", i)) // a fresh subject per case
			r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", ws, "t1", prod, nil, "validity", tc.validity))
			if tc.status != 201 {
				want(t, r, tc.status, "InvalidParameter.Validity")
				return
			}
			want(t, r, 201)
			if got := first(t, r)["end_time"]; got != tc.end {
				t.Fatalf("end_time: got %v, want %v", got, tc.end)
			}
		})
	}
}

func TestHTTP_R3_GrantExists409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(30))), 409, "Conflict.GrantExists")
	// All or none: PROD is taken, so DEV is not created either.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", both, days(30))), 409, "Conflict.GrantExists")
	r := e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants", nil)
	want(t, r, 200)
	if n := len(items(t, r)); n != 1 {
		t.Fatalf("got %d grants, want 1: %s", n, r)
	}
	// An application for a slot in force is refused too (use renewal).
	want(t, e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}), 409, "Conflict.GrantExists")
	// A pending cancellation is still in force.
	g := e.grantApp(t, "api-sales", unlimited)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants/"+str(g, "grant_id")+"/cancel", nil), 202)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("APP", "app-b1", "t1", prod, unlimited)), 409, "Conflict.GrantExists")
}

func TestHTTP_R3_NewGrantReplacesExpiredOrRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	old := e.grantApp(t, "api-orders", days(1))
	e.clk.Advance(25 * time.Hour)
	r := e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants/"+str(old, "grant_id"), nil)
	want(t, r, 200)
	if str(r.M(), "status") != "EXPIRED" {
		t.Fatalf("old grant: %s", r)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "EXPIRED" {
		t.Fatalf("check: %v", d)
	}
	g := e.grantApp(t, "api-orders", unlimited)
	if str(g, "grant_id") == str(old, "grant_id") {
		t.Fatal("the replacement has the old id")
	}
	// The old id no longer names the slot's grant.
	want(t, e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants/"+str(old, "grant_id"), nil), 404, "NotFound.Grant")
	want(t, e.do(t, alice, "DELETE", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 204)
	e.grantApp(t, "api-orders", unlimited)
}

func TestHTTP_R4_UnpublishRevokesAllProtectedIncluded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	app := e.grantApp(t, "api-orders", unlimited)
	r := e.do(t, admin1, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-b", "t1", both, unlimited, "protected", true))
	want(t, r, 201)
	prot := first(t, r)
	b := apiBody("ws-a", "Orders API", "/orders", "READ", true, "id", "name", "email")
	b["status"] = "UNPUBLISHED"
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "API_UNPUBLISHED" {
		t.Fatalf("check: %v", d)
	}
	b["status"] = "PUBLISHED"
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	// Republishing restores none: they are removed, not tombstones.
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "NO_GRANT" || d["allowed"] != false {
		t.Fatalf("check after republish: %v", d)
	}
	for _, g := range []map[string]any{app, prot} {
		want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 404, "NotFound.Grant")
	}
	for _, path := range []string{"/v1/apis/api-orders/grants", "/v1/workspaces/ws-b/authorized-apis", "/v1/workspaces/ws-a/granted-apis"} {
		w := ownerA
		if strings.Contains(path, "ws-b") {
			w = ownerB
		}
		r := e.do(t, w, "GET", path, nil)
		want(t, r, 200)
		mustContainNone(t, r, str(app, "grant_id"), str(prot, "grant_id"))
	}
	// A new grant can be made at once.
	e.grantApp(t, "api-orders", unlimited)
}

func TestHTTP_R4_DeleteRevokesAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	want(t, e.do(t, ownerA, "DELETE", "/v1/apis/api-orders", nil), 204)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "API_NOT_FOUND" {
		t.Fatalf("check: %v", d)
	}
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", apiBody("ws-a", "Orders API", "/orders", "READ", true, "id")), 201)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); str(d, "reason") != "NO_GRANT" {
		t.Fatalf("check after re-creation: %v", d)
	}
}

func TestHTTP_R5_ProtocolRemovalIsImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	if d := e.check(t, "api-orders", "app-b1", "PROD", "protocol", "HTTP"); d["allowed"] != true {
		t.Fatalf("check: %v", d)
	}
	b := apiBody("ws-a", "Orders API", "/orders", "READ", true, "id", "name", "email")
	b["protocols"] = []string{"HTTPS"}
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	if d := e.check(t, "api-orders", "app-b1", "PROD", "protocol", "HTTP"); d["allowed"] != false || str(d, "reason") != "PROTOCOL_NOT_ALLOWED" {
		t.Fatalf("check over HTTP: %v", d)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD", "protocol", "HTTPS"); d["allowed"] != true {
		t.Fatalf("check over HTTPS: %v", d)
	}
}

func TestHTTP_R6_RenewalOnlyExtends400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30))
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id") + "/renewal"
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": days(10)}), 400, "InvalidParameter.Validity")
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": days(30)}), 400, "InvalidParameter.Validity")
	want(t, e.do(t, alice, "POST", path, map[string]any{"validity": days(10)}), 400, "InvalidParameter.Validity")
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": unlimited}), 200)
	// Unlimited is the latest: to limited shortens, to unlimited does not extend.
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": days(3650)}), 400, "InvalidParameter.Validity")
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": unlimited}), 400, "InvalidParameter.Validity")
	if n := e.auditOf(t, "api-orders", str(g, "grant_id"), "Grant Renewed"); n != 1 {
		t.Fatalf("got %d renewals audited, want 1", n)
	}
}

func TestHTTP_R6_OnlyGrantInForceRenews409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(1))
	e.clk.Advance(48 * time.Hour)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id") + "/renewal"
	want(t, e.do(t, ownerA, "POST", path, map[string]any{"validity": days(30)}), 409, "Conflict.GrantNotInForce")
	want(t, e.do(t, alice, "POST", path, map[string]any{"validity": days(30)}), 409, "Conflict.GrantNotInForce")
	g2 := e.grantApp(t, "api-sales", unlimited)
	want(t, e.do(t, alice, "DELETE", "/v1/apis/api-sales/grants/"+str(g2, "grant_id"), nil), 204)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants/"+str(g2, "grant_id")+"/renewal", map[string]any{"validity": unlimited}), 409, "Conflict.GrantNotInForce")
}

func TestHTTP_R6_RenewalRequestApprovedAfterExpiry409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(1))
	r := e.do(t, alice, "POST", "/v1/apis/api-orders/grants/"+str(g, "grant_id")+"/renewal", map[string]any{"validity": days(30)})
	want(t, r, 202)
	e.clk.Advance(48 * time.Hour)
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+str(r.M(), "request_id")+"/approve", nil), 409, "Conflict.GrantNotInForce")
}

func TestHTTP_R7_CancellationTakesEffectAtCancelAt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	want(t, e.do(t, ownerA, "POST", path+"/cancel", map[string]any{"reason": "bye"}), 202)
	want(t, e.do(t, ownerA, "POST", path+"/cancel", map[string]any{"reason": "again"}), 409, "Conflict.CancellationPending")
	e.clk.Advance(48*time.Hour - time.Second)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true {
		t.Fatalf("a second before cancel_at: %v", d)
	}
	e.clk.Advance(time.Second)
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != false || str(d, "reason") != "CANCELLED" {
		t.Fatalf("at cancel_at: %v", d)
	}
	r := e.do(t, ownerA, "GET", path, nil)
	want(t, r, 200)
	if str(r.M(), "status") != "REVOKED" {
		t.Fatalf("grant: %s", r)
	}
	want(t, e.do(t, ownerA, "DELETE", path+"/cancel", nil), 409, "Conflict.NoCancellationPending")
	want(t, e.do(t, ownerA, "POST", path+"/cancel", nil), 409, "Conflict.GrantNotInForce")
}

func TestHTTP_R8_WorkspaceOwnerCancelsWorkspaceGrantAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited))
	want(t, r, 201)
	path := "/v1/apis/api-sales/grants/" + str(first(t, r), "grant_id")
	want(t, e.do(t, devB, "DELETE", path, nil), 403, "Forbidden.Access")
	want(t, e.do(t, alice, "DELETE", path, nil), 403, "Forbidden.Access")
	want(t, e.do(t, ownerA, "DELETE", path, nil), 403, "Forbidden.Access") // the API side cancels with notice
	want(t, e.do(t, ownerB, "DELETE", path, nil), 204)
	if d := e.check(t, "api-sales", "app-b1", "PROD"); str(d, "reason") != "CANCELLED" {
		t.Fatalf("check: %v", d)
	}
	want(t, e.do(t, ownerB, "DELETE", path, nil), 409, "Conflict.GrantNotInForce")
}

func TestHTTP_R9_DecidedRequest409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
	want(t, r, 202)
	id := str(r.M(), "request_id")
	want(t, e.do(t, alice, "POST", "/v1/requests/"+id+"/approve", nil), 403, "Forbidden.Access")
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+id+"/withdraw", nil), 403, "Forbidden.Access")
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+id+"/approve", nil), 200)
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+id+"/approve", nil), 409, "Conflict.RequestDecided")
	want(t, e.do(t, reviewerA, "POST", "/v1/requests/"+id+"/reject", nil), 409, "Conflict.RequestDecided")
	want(t, e.do(t, alice, "POST", "/v1/requests/"+id+"/withdraw", nil), 409, "Conflict.RequestDecided")
	r = e.do(t, alice, "POST", "/v1/apis/api-sales/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
	want(t, r, 202)
	id = str(r.M(), "request_id")
	want(t, e.do(t, alice, "POST", "/v1/requests/"+id+"/withdraw", map[string]any{"reason": "changed my mind"}), 200)
	want(t, e.do(t, ownerA, "POST", "/v1/requests/"+id+"/approve", nil), 409, "Conflict.RequestDecided")
}

func TestHTTP_R9_ApplyOnlyForOwnAppOfOwnTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	body := map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}
	want(t, e.do(t, devB, "POST", "/v1/apis/api-orders/applications", body), 403, "Forbidden.Access")
	want(t, e.do(t, ownerB, "POST", "/v1/apis/api-orders/applications", body), 403, "Forbidden.Access")
	// bob owns app-x1 (t2): t1's API is not visible to him.
	want(t, e.do(t, bob, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-x1", "envs": prod, "validity": unlimited}), 404, "NotFound.Api")
	// alice cannot apply with t2's app.
	want(t, e.do(t, alice, "POST", "/v1/apis/api-orders/applications", map[string]any{"app_id": "app-x1", "envs": prod, "validity": unlimited}), 404, "NotFound.App")
}

func TestHTTP_R10_ProtectedGrant403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	body := grantBody("APP", "app-b1", "t1", prod, unlimited, "protected", true)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body), 403, "Forbidden.Access")
	r := e.do(t, admin1, "POST", "/v1/apis/api-orders/grants", body)
	want(t, r, 201)
	g := first(t, r)
	if g["protected"] != true {
		t.Fatalf("grant: %v", g)
	}
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	want(t, e.do(t, ownerA, "POST", path+"/cancel", nil), 403, "Forbidden.GrantProtected")
	want(t, e.do(t, admin1, "POST", path+"/cancel", map[string]any{"immediate": true}), 403, "Forbidden.GrantProtected")
	want(t, e.do(t, alice, "DELETE", path, nil), 403, "Forbidden.GrantProtected")
	want(t, e.do(t, admin1, "DELETE", path, nil), 403, "Forbidden.GrantProtected")
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_R11_ProxyOnlyCancellationKeepsUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited, "permissions", []string{"PROXY"})
	if !slices.Equal(toStrings(g["permissions"]), []string{"USAGE", "PROXY"}) {
		t.Fatalf("PROXY implies USAGE: %v", g)
	}
	path := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	r := e.do(t, ownerA, "POST", path+"/cancel", map[string]any{"permissions": []string{"PROXY"}})
	want(t, r, 202)
	if !slices.Equal(toStrings(r.M()["cancel_permissions"]), []string{"PROXY"}) {
		t.Fatalf("cancel: %s", r)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD", "proxy", true); d["allowed"] != true || d["expires_at"] != nil {
		t.Fatalf("proxy while pending (a PROXY cancellation does not end usage): %v", d)
	}
	e.clk.Advance(49 * time.Hour)
	if d := e.check(t, "api-orders", "app-b1", "PROD", "proxy", true); d["allowed"] != false || str(d, "reason") != "PROXY_NOT_GRANTED" {
		t.Fatalf("proxy after: %v", d)
	}
	if d := e.check(t, "api-orders", "app-b1", "PROD"); d["allowed"] != true || !slices.Equal(toStrings(d["permissions"]), []string{"USAGE"}) {
		t.Fatalf("usage after: %v", d)
	}
	r = e.do(t, ownerA, "GET", path, nil)
	want(t, r, 200)
	if m := r.M(); str(m, "status") != "ACTIVE" || !slices.Equal(toStrings(m["permissions"]), []string{"USAGE"}) {
		t.Fatalf("grant after: %s", r)
	}
	// Nothing left to take but usage.
	want(t, e.do(t, ownerA, "POST", path+"/cancel", map[string]any{"permissions": []string{"PROXY"}}), 400, "InvalidParameter.Permissions")
}

func TestHTTP_R11_RevokingUsageTakesProxy(t *testing.T) {
	t.Parallel()
	e := newEnvNotice(t, 0)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited, "permissions", []string{"USAGE", "PROXY"})
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants/"+str(g, "grant_id")+"/cancel", map[string]any{"permissions": []string{"USAGE"}}), 200)
	if d := e.check(t, "api-orders", "app-b1", "PROD", "proxy", true); d["allowed"] != false || str(d, "reason") != "CANCELLED" {
		t.Fatalf("check: %v", d)
	}
}

func TestHTTP_R12_GrantShape400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	cases := []struct {
		name, api string
		body      map[string]any
		code      string
	}{
		{"proxy to a workspace", "api-orders", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited, "permissions", []string{"PROXY"}), "InvalidParameter.Permissions"},
		{"proxy on a non-row-level API", "api-sales", grantBody("APP", "app-b1", "t1", prod, unlimited, "permissions", []string{"PROXY"}), "InvalidParameter.Permissions"},
		{"proxy on a CREATE API", "api-write", grantBody("APP", "app-b1", "t1", prod, unlimited, "permissions", []string{"PROXY"}), "InvalidParameter.Permissions"},
		{"fields on a CREATE API", "api-write", grantBody("APP", "app-b1", "t1", prod, unlimited, "fields", []string{"id"}), "InvalidParameter.Fields"},
		{"unknown field", "api-orders", grantBody("APP", "app-b1", "t1", prod, unlimited, "fields", []string{"ssn"}), "InvalidParameter.Fields"},
		{"field twice", "api-orders", grantBody("APP", "app-b1", "t1", prod, unlimited, "fields", []string{"id", "id"}), "InvalidParameter.Fields"},
		{"unknown permission", "api-orders", grantBody("APP", "app-b1", "t1", prod, unlimited, "permissions", []string{"ADMIN"}), "InvalidParameter.Permissions"},
		{"unknown env", "api-orders", grantBody("APP", "app-b1", "t1", []string{"STAGING"}, unlimited), "InvalidParameter.Env"},
		{"env twice", "api-orders", grantBody("APP", "app-b1", "t1", []string{"PROD", "PROD"}, unlimited), "InvalidParameter.Env"},
		{"no env", "api-orders", grantBody("APP", "app-b1", "t1", []string{}, unlimited), "InvalidParameter.Env"},
		{"unknown subject type", "api-orders", grantBody("TEAM", "u1", "t1", prod, unlimited), "InvalidParameter.Subject"},
		{"user id with a space", "api-orders", grantBody("USER", "u 1", "t1", prod, unlimited), "InvalidParameter.Subject"},
		{"user with PROXY", "api-orders", grantBody("USER", "u1", "t1", prod, unlimited, "permissions", []string{"PROXY"}), "InvalidParameter.Permissions"},
		{"DEVELOPMENT on an API", "api-orders", grantBody("USER", "u1", "t1", prod, unlimited, "permissions", []string{"DEVELOPMENT"}), "InvalidParameter.Permissions"},
		{"subject without tenant", "api-orders", grantBody("APP", "app-b1", "", prod, unlimited), "InvalidParameter.Subject"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want(t, e.do(t, ownerA, "POST", "/v1/apis/"+tc.api+"/grants", tc.body), 400, tc.code)
		})
	}
	// The same rules hold for a PATCH.
	g := e.grantApp(t, "api-sales", unlimited)
	path := "/v1/apis/api-sales/grants/" + str(g, "grant_id")
	want(t, e.do(t, ownerA, "PATCH", path, map[string]any{"add_permissions": []string{"PROXY"}}), 400, "InvalidParameter.Permissions")
	want(t, e.do(t, ownerA, "PATCH", path, map[string]any{"fields": []string{"ssn"}}), 400, "InvalidParameter.Fields")
	want(t, e.do(t, ownerA, "PATCH", path, map[string]any{"reason": "nothing"}), 400)
	r := e.do(t, ownerA, "PATCH", path, map[string]any{"fields": []string{}})
	want(t, r, 200) // an empty list resets to all of the API's
	if fs := toStrings(r.M()["fields"]); len(fs) != 0 {
		t.Fatalf("fields: %s", r)
	}
}

func TestHTTP_R13_ReasonOver128Chars400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	ok := strings.Repeat("é", 128) // 256 bytes, 128 characters
	long := strings.Repeat("é", 129)
	g := e.grantApp(t, "api-orders", days(30), "reason", ok)
	if str(g, "reason") != ok {
		t.Fatalf("reason: %v", g)
	}
	gp := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	r := e.do(t, alice, "POST", "/v1/apis/api-sales/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited, "reason": ok})
	want(t, r, 202)
	rp := "/v1/requests/" + str(r.M(), "request_id")
	const code = "InvalidParameter.Reason"
	for _, c := range []struct {
		w            who
		method, path string
		body         any
	}{
		{ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("APP", "app-b1", "t1", []string{"DEV"}, unlimited, "reason", long)},
		{alice, "POST", "/v1/apis/api-write/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited, "reason": long}},
		{ownerA, "POST", gp + "/renewal", map[string]any{"validity": days(60), "reason": long}},
		{alice, "POST", gp + "/renewal", map[string]any{"validity": days(60), "reason": long}},
		{ownerA, "POST", gp + "/cancel", map[string]any{"reason": long}},
		{alice, "DELETE", gp + "?reason=" + url.QueryEscape(long), nil},
		{ownerA, "PATCH", gp, map[string]any{"fields": []string{"id"}, "reason": long}},
		{ownerA, "POST", rp + "/approve", map[string]any{"reason": long}},
		{ownerA, "POST", rp + "/reject", map[string]any{"reason": long}},
		{alice, "POST", rp + "/withdraw", map[string]any{"reason": long}},
	} {
		t.Run(c.method+" "+c.path[:min(len(c.path), 60)], func(t *testing.T) {
			want(t, e.do(t, c.w, c.method, c.path, c.body), 400, code)
		})
	}
	want(t, e.do(t, ownerA, "POST", rp+"/reject", map[string]any{"reason": ok}), 200)
}

func TestHTTP_R14_CheckOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	unpub := apiBody("ws-a", "Hidden", "/hidden", "READ", false, "id")
	unpub["status"] = "UNPUBLISHED"
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-hidden", unpub), 201)
	httpsOnly := apiBody("ws-a", "Secure", "/secure", "READ", false, "id")
	httpsOnly["protocols"] = []string{"HTTPS"}
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-secure", httpsOnly), 201)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-off", map[string]any{"workspace_id": "ws-b", "name": "Off", "status": "DISABLED"}), 201)
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-b2", map[string]any{"workspace_id": "ws-b", "name": "B2"}), 201)
	// api-orders: app-b1 has an APP grant with a field list; ws-b a WORKSPACE grant.
	e.grantApp(t, "api-orders", days(10), "fields", []string{"email"})
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited)), 201)
	// api-sales: app-b1 only, expiring.
	e.grantApp(t, "api-sales", days(1))
	cases := []struct {
		name          string
		api, app, env string
		extra         []any
		allowed       bool
		reason        string
		fields        []string
	}{
		{"api not found", "api-none", "app-b1", "PROD", nil, false, "API_NOT_FOUND", nil},
		{"api of another tenant", "api-x", "app-b1", "PROD", nil, false, "API_NOT_FOUND", nil},
		{"api unpublished before app", "api-hidden", "app-none", "PROD", nil, false, "API_UNPUBLISHED", nil},
		{"protocol before app", "api-secure", "app-none", "PROD", []any{"protocol", "HTTP"}, false, "PROTOCOL_NOT_ALLOWED", nil},
		{"app not found", "api-orders", "app-none", "PROD", nil, false, "APP_NOT_FOUND", nil},
		{"app disabled", "api-orders", "app-off", "PROD", nil, false, "APP_DISABLED", nil},
		{"app grant wins, its fields", "api-orders", "app-b1", "PROD", nil, true, "GRANTED", []string{"email"}},
		{"workspace grant, all fields", "api-orders", "app-b2", "PROD", nil, true, "GRANTED", []string{"id", "name", "email"}},
		{"no grant in DEV", "api-orders", "app-b1", "DEV", nil, false, "NO_GRANT", nil},
		{"proxy not granted", "api-orders", "app-b1", "PROD", []any{"proxy", true}, false, "PROXY_NOT_GRANTED", []string{"email"}},
		{"no grant", "api-sales", "app-b2", "PROD", nil, false, "NO_GRANT", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := e.check(t, tc.api, tc.app, tc.env, tc.extra...)
			if d["allowed"] != tc.allowed || str(d, "reason") != tc.reason {
				t.Fatalf("got %v, want allowed=%v reason=%s", d, tc.allowed, tc.reason)
			}
			if tc.fields != nil && !slices.Equal(toStrings(d["fields"]), tc.fields) {
				t.Fatalf("fields: got %v, want %v", d["fields"], tc.fields)
			}
			if !tc.allowed && tc.reason != "PROXY_NOT_GRANTED" && (d["grant_id"] != nil || d["expires_at"] != nil) {
				t.Fatalf("a denial names a grant: %v", d)
			}
		})
	}
	d := e.check(t, "api-orders", "app-b1", "PROD")
	if str(d, "expires_at") != t0.Add(10*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("expires_at: %v", d)
	}
	if d := e.check(t, "api-orders", "app-b2", "PROD"); d["expires_at"] != nil {
		t.Fatalf("unlimited expires_at: %v", d)
	}
	e.clk.Advance(2 * 24 * time.Hour)
	if d := e.check(t, "api-sales", "app-b1", "PROD"); str(d, "reason") != "EXPIRED" {
		t.Fatalf("expired: %v", d)
	}
	// An expired APP grant gives way to a WORKSPACE grant in force.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("WORKSPACE", "ws-b", "t1", prod, unlimited)), 201)
	if d := e.check(t, "api-sales", "app-b1", "PROD"); d["allowed"] != true {
		t.Fatalf("workspace fallback: %v", d)
	}
}

func TestHTTP_R14_CheckOnlyForCheckers403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	body := map[string]any{"api_id": "api-orders", "app_id": "app-b1", "env": "PROD"}
	for _, w := range []who{ownerA, reviewerA, devA, alice, nobody1} {
		want(t, e.do(t, w, "POST", "/v1/check", body), 403, "Forbidden.Access")
	}
	want(t, e.do(t, admin1, "POST", "/v1/check", body), 200)
	want(t, e.do(t, checker1, "POST", "/v1/check", body), 200)
}

func TestHTTP_R14_CrossTenantAppGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	// Data sharing: t1's API granted to t2's app, initiated by the API side.
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-x1", "t2", prod, unlimited))
	want(t, r, 201)
	g := first(t, r)
	if d := e.check(t, "api-orders", "app-x1", "PROD"); d["allowed"] != true {
		t.Fatalf("check: %v", d)
	}
	// The grantee tenant sees it and its app owner may cancel at once.
	want(t, e.do(t, bob, "GET", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 200)
	r = e.do(t, bob, "GET", "/v1/workspaces/ws-x/authorized-apis", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("authorized: %s", r)
	}
	// A subject that names the wrong tenant for the app is not found.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-x1", "t1", []string{"DEV"}, unlimited)), 404, "NotFound.App")
	want(t, e.do(t, bob, "DELETE", "/v1/apis/api-orders/grants/"+str(g, "grant_id"), nil), 204)
}

func TestHTTP_R15_PageSizeOver100Is400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for _, path := range []string{"/v1/apis", "/v1/workspaces/ws-b/authorized-apis", "/v1/workspaces/ws-a/granted-apis", "/v1/workspaces/ws-a/apps", "/v1/requests?workspace_id=ws-a", "/v1/apis/api-orders/grants", "/v1/apis/api-orders/audit"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		for _, size := range []string{"101", "0", "00", "-1", "ten", "1.5", "99999999999999999999"} {
			t.Run(path+" "+size, func(t *testing.T) {
				want(t, e.do(t, admin1, "GET", path+sep+"page_size="+size, nil), 400, "InvalidParameter.PageSize")
			})
		}
		want(t, e.do(t, admin1, "GET", path+sep+"page_size=100", nil), 200)
		want(t, e.do(t, admin1, "GET", path+sep+"page_size=1", nil), 200)
	}
	for _, n := range []string{"0", "-2", "x"} {
		want(t, e.do(t, admin1, "GET", "/v1/apis?page_number="+n, nil), 400, "InvalidParameter.PageNumber")
	}
}

func TestHTTP_R15_PagePastEndEmptyWithTotal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, devA, "GET", "/v1/apis?page_size=2&page_number=2", nil)
	want(t, r, 200)
	if m := r.M(); len(items(t, r)) != 1 || num(m, "total_count") != 3 || num(m, "page_number") != 2 || num(m, "page_size") != 2 {
		t.Fatalf("page 2: %s", r)
	}
	r = e.do(t, devA, "GET", "/v1/apis?page_size=2&page_number=50", nil)
	want(t, r, 200)
	if m := r.M(); len(items(t, r)) != 0 || num(m, "total_count") != 3 || num(m, "page_number") != 50 {
		t.Fatalf("past the end: %s", r)
	}
	if !strings.Contains(string(r.Body), `"items":[]`) {
		t.Fatalf("items must be an empty list, not null: %s", r)
	}
}

func TestHTTP_R15_KeywordCaseInsensitive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	e.grantApp(t, "api-sales", unlimited)
	for kw, n := range map[string]int64{"ORDERS": 2, "orders": 2, "rDeR": 2, "oRDERS%20api": 1} { // Orders API, Write Orders
		r := e.do(t, devA, "GET", "/v1/apis?api_name_keyword="+kw, nil)
		want(t, r, 200)
		if its := items(t, r); int64(len(its)) != n || num(r.M(), "total_count") != n {
			t.Fatalf("%s: %s", kw, r)
		}
		r = e.do(t, devB, "GET", "/v1/workspaces/ws-b/authorized-apis?api_name_keyword="+kw, nil)
		want(t, r, 200)
		if its := items(t, r); len(its) != 1 || str(its[0], "api_id") != "api-orders" {
			t.Fatalf("authorized %s: %s", kw, r)
		}
		r = e.do(t, ownerA, "GET", "/v1/workspaces/ws-a/granted-apis?api_name_keyword="+kw, nil)
		want(t, r, 200)
		if its := items(t, r); len(its) != 1 || str(its[0], "api_id") != "api-orders" {
			t.Fatalf("granted %s: %s", kw, r)
		}
	}
	r := e.do(t, devA, "GET", "/v1/apis?api_name_keyword=zzz", nil)
	want(t, r, 200)
	if len(items(t, r)) != 0 || num(r.M(), "total_count") != 0 {
		t.Fatalf("no match: %s", r)
	}
}

func TestHTTP_R15_SortedByNameThenID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, a := range []struct{ id, name string }{{"z-1", "beta"}, {"a-2", "Beta"}, {"m-3", "alpha"}, {"b-4", "Gamma"}, {"a-5", "beta"}} {
		want(t, e.do(t, ownerA, "PUT", "/v1/apis/"+a.id, apiBody("ws-a", a.name, "/p/"+a.id, "READ", false)), 201)
	}
	var got []string
	for page := 1; page <= 3; page++ {
		r := e.do(t, devA, "GET", fmt.Sprintf("/v1/apis?page_size=2&page_number=%d", page), nil)
		want(t, r, 200)
		for _, it := range items(t, r) {
			got = append(got, str(it, "api_id"))
		}
	}
	if w := []string{"m-3", "a-2", "a-5", "z-1", "b-4"}; !slices.Equal(got, w) {
		t.Fatalf("order: got %v, want %v", got, w)
	}
}

func TestHTTP_R15_ForgedNextToken400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for i := 0; i < 3; i++ {
		want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", e.workspace(t, fmt.Sprintf("ws-t%d", i)), "t1", prod, unlimited)), 201)
	}
	want(t, e.do(t, ownerX, "POST", "/v1/apis/api-x/grants", grantBody("WORKSPACE", "ws-y", "t2", prod, unlimited)), 201)
	r := e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants?page_size=1", nil)
	want(t, r, 200)
	tok := str(r.M(), "next_token")
	if tok == "" {
		t.Fatalf("no next_token: %s", r)
	}
	// A token is bound to its listing.
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-sales/grants?next_token="+tok, nil), 400, "InvalidParameter.NextToken")
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders/audit?next_token="+tok, nil), 400, "InvalidParameter.NextToken")
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	forged := []string{
		"garbage", "%00", base64.RawURLEncoding.EncodeToString([]byte("{}")),
		base64.RawURLEncoding.EncodeToString([]byte(`{"l":"grants","p":"API#api-x","s":"GRANT#PROD#WS#ws-y"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(strings.ReplaceAll(string(raw), "api-orders", "api-x"))),
		base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("A", 5000))),
	}
	for _, f := range forged {
		r := e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants?next_token="+f, nil)
		want(t, r, 400, "InvalidParameter.NextToken")
		mustContainNone(t, r, "ws-y")
	}
	// The genuine token works, twice (it is a cursor, not a one-time ticket).
	for i := 0; i < 2; i++ {
		want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants?page_size=1&next_token="+tok, nil), 200)
	}
}

// TestHTTP_R6_CrossTenantRenewalRequest: the owner of a grantee app of another tenant
// asks for a renewal; the API side's reviewer approves it.
func TestHTTP_R6_CrossTenantRenewalRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-x1", "t2", prod, days(10)))
	want(t, r, 201)
	gid := str(first(t, r), "grant_id")
	r = e.do(t, bob, "POST", "/v1/apis/api-orders/grants/"+gid+"/renewal", map[string]any{"validity": days(20)})
	want(t, r, 202)
	id := str(r.M(), "request_id")
	want(t, e.do(t, bob, "GET", "/v1/requests/"+id, nil), 200)
	want(t, e.do(t, ownerX, "GET", "/v1/requests/"+id, nil), 403, "Forbidden.Access")
	r = e.do(t, reviewerA, "GET", "/v1/requests?workspace_id=ws-a&status=PENDING", nil)
	want(t, r, 200)
	if len(items(t, r)) != 1 {
		t.Fatalf("the API side does not see the request: %s", r)
	}
	want(t, e.do(t, ownerX, "POST", "/v1/requests/"+id+"/approve", nil), 403, "Forbidden.Access")
	r = e.do(t, reviewerA, "POST", "/v1/requests/"+id+"/approve", nil)
	want(t, r, 200)
	if ng := r.M()["grants"].([]any)[0].(map[string]any); str(ng, "end_time") != t0.Add(20*24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("approved: %s", r)
	}
}

// TestHTTP_AccessBeforePrecondition: a caller who may not act on a grant learns
// nothing from If-Match (403, not 412 with the current version).
func TestHTTP_AccessBeforePrecondition(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	gp := "/v1/apis/api-orders/grants/" + str(e.grantApp(t, "api-orders", days(30)), "grant_id")
	for _, c := range []struct {
		w            who
		method, path string
		body         any
	}{
		{devA, "POST", gp + "/renewal", map[string]any{"validity": days(60)}},
		{nobody1, "POST", gp + "/renewal", map[string]any{"validity": days(60)}},
		{devB, "POST", gp + "/renewal", map[string]any{"validity": days(60)}},
		{devA, "PATCH", gp, map[string]any{"fields": []string{"id"}}},
		{devA, "POST", gp + "/cancel", nil},
		{devA, "DELETE", gp, nil},
	} {
		t.Run(c.w.sub+" "+c.method+" "+c.path, func(t *testing.T) {
			want(t, e.do(t, c.w, c.method, c.path, c.body, ifMatch(99)), 403, "Forbidden.Access")
		})
	}
}

// R15: GET /v1/requests, a listing by page, filters by api_name_keyword (a
// case-insensitive substring of the API name).
func TestHTTP_R15_RequestsKeyword(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	for _, api := range []string{"api-orders", "api-sales"} {
		r := e.do(t, alice, "POST", "/v1/apis/"+api+"/applications", map[string]any{
			"app_id": "app-b1", "envs": []string{"PROD"}, "validity": map[string]any{"type": "UNLIMITED"}, "reason": "need it",
		})
		want(t, r, 202)
	}
	r := e.do(t, ownerA, "GET", "/v1/requests?workspace_id=ws-a&api_name_keyword=SALES", nil)
	want(t, r, 200)
	if got := items(t, r); len(got) != 1 || str(got[0], "api_id") != "api-sales" {
		t.Fatalf("api_name_keyword=SALES: want only the api-sales request, got %d items: %s", len(got), r)
	}
}
