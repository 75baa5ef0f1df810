package api_test

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestHTTP_R17_IdempotentReplay sends each mutating route twice with the same key and
// request: the same status and body (same ids), and one audit entry, not two.
func TestHTTP_R17_IdempotentReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-sales", unlimited)
	gp := "/v1/apis/api-sales/grants/" + str(g, "grant_id")
	cases := []struct {
		name         string
		w            who
		method, path string
		body         any
		status       int
		api          string // whose audit to count; "" for app routes
	}{
		{"create grants", ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", both, days(30)), 201, "api-orders"},
		{"apply", alice, "POST", "/v1/apis/api-write/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited}, 202, "api-write"},
		{"renew", ownerA, "POST", gp + "/renewal", map[string]any{"validity": unlimited}, 400, ""}, // unlimited→unlimited: a 4xx is not stored
		{"patch", ownerA, "PATCH", gp, map[string]any{"fields": []string{"region"}}, 200, "api-sales"},
		{"cancel", ownerA, "POST", gp + "/cancel", map[string]any{"reason": "r"}, 202, "api-sales"},
		{"withdraw cancellation", ownerA, "DELETE", gp + "/cancel", nil, 200, "api-sales"},
		{"revoke", alice, "DELETE", gp + "?reason=done", nil, 204, "api-sales"},
		{"put api", ownerA, "PUT", "/v1/apis/api-new", apiBody("ws-a", "New", "/new", "READ", false), 201, "api-new"},
		{"delete api", ownerA, "DELETE", "/v1/apis/api-new", nil, 204, "api-new"},
		{"put app", ownerB, "PUT", "/v1/apps/app-new", map[string]any{"workspace_id": "ws-b", "name": "New"}, 201, ""},
		{"rotate app code", alice, "POST", "/v1/apps/app-new/app-code", nil, 403, ""},
		{"rotate own app code", ownerB, "POST", "/v1/apps/app-new/app-code", nil, 200, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := fmt.Sprintf("key-%d", i)
			before := 0
			if c.api != "" {
				before = len(e.audit(t, c.api))
			}
			r1 := e.do(t, c.w, c.method, c.path, c.body, idem(key))
			want(t, r1, c.status)
			mid := 0
			if c.api != "" {
				mid = len(e.audit(t, c.api))
			}
			e.clk.Advance(time.Minute) // a replay is the first answer, not a recomputation
			r2 := e.do(t, c.w, c.method, c.path, c.body, idem(key))
			// The replay is the first answer, less a secret shown once (never kept).
			if r2.Status != r1.Status || (r1.Status < 400 && !bytes.Equal(withoutSecrets(t, r1.Body), r2.Body)) {
				t.Fatalf("replay:\n first %s\nsecond %s", r1, r2)
			}
			if c.api != "" {
				after := len(e.audit(t, c.api))
				if r1.Status < 300 && mid == before {
					t.Fatalf("the first call wrote no audit entry")
				}
				if after != mid {
					t.Fatalf("the replay wrote %d audit entries", after-mid)
				}
			}
		})
	}
	// Without a key the same request is a new one.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", both, days(30))), 409, "Conflict.GrantExists")
}

func TestHTTP_R17_KeyReuseWithDifferentRequest422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(30)), idem("k1")), 201)
	// Another body, another path, another method, another query: all 422.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", prod, days(31)), idem("k1")), 422, "InvalidParameter.IdempotencyKeyReuse")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-sales/grants", grantBody("APP", "app-b1", "t1", prod, days(30)), idem("k1")), 422, "InvalidParameter.IdempotencyKeyReuse")
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", apiBody("ws-a", "Orders API", "/orders", "READ", true, "id"), idem("k1")), 422, "InvalidParameter.IdempotencyKeyReuse")
	// The key is scoped to (tenant, sub): another caller's k1 is its own.
	want(t, e.do(t, reviewerA, "POST", "/v1/apis/api-sales/grants", grantBody("APP", "app-b1", "t1", prod, days(30)), idem("k1")), 201)
	want(t, e.do(t, ownerX, "POST", "/v1/apis/api-x/grants", grantBody("APP", "app-x1", "t2", prod, days(30)), idem("k1")), 201)
	// Nothing was written by the refused ones.
	if n := len(e.audit(t, "api-orders")); n != 2 { // API Changed, Grant Created
		t.Fatalf("api-orders audit: %d entries, want 2", n)
	}
	// Keys must be printable ASCII of at most 255 characters.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-write/grants", grantBody("APP", "app-b1", "t1", prod, days(30)), idem(string(bytes.Repeat([]byte("k"), 256)))), 400)
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-write/grants", grantBody("APP", "app-b1", "t1", prod, days(30)), idem("ключ")), 400)
}

func TestHTTP_R17_KeyExpiresAfter24Hours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	body := grantBody("APP", "app-b1", "t1", prod, days(30))
	r1 := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body, idem("k"))
	want(t, r1, 201)
	e.clk.Advance(23 * time.Hour)
	r2 := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body, idem("k"))
	if r2.Status != 201 || !bytes.Equal(r1.Body, r2.Body) {
		t.Fatalf("replay within 24h: %s", r2)
	}
	e.clk.Advance(2 * time.Hour)
	// Past 24 hours the key is forgotten: the request runs again (and meets R3).
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body, idem("k")), 409, "Conflict.GrantExists")
}

// TestHTTP_R17_ConcurrentTwinsOneChange sends the same keyed request from several
// goroutines at once: every answer is the one answer (or 409 RequestInProgress), and
// exactly one change is written.
func TestHTTP_R17_ConcurrentTwinsOneChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	body := grantBody("APP", "app-b1", "t1", both, days(30))
	const n = 8
	out := make([]*resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body, idem("twin"))
		}()
	}
	wg.Wait()
	var winner *resp
	for _, r := range out {
		switch {
		case r.Status == 201 && winner == nil:
			winner = r
		case r.Status == 201:
			if !bytes.Equal(r.Body, winner.Body) {
				t.Errorf("two different answers for one key:\n%s\n%s", winner, r)
			}
		case r.Status == 409 && (r.Code() == "Conflict.RequestInProgress" || r.Code() == "Conflict.Concurrent"):
			// in flight, or every transaction of the race was cancelled
		default:
			t.Errorf("twin answered %s", r)
		}
	}
	// A retry after the race replays the one answer (or makes the one change).
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body, idem("twin"))
	want(t, r, 201)
	if winner != nil && !bytes.Equal(r.Body, winner.Body) {
		t.Errorf("retry answered %s, the race %s", r, winner)
	}
	if n := e.auditOf(t, "api-orders", "", "Grant Created"); n != 0 {
		t.Fatalf("audit entries without a grant id: %d", n)
	}
	created := 0
	for _, a := range e.audit(t, "api-orders") {
		if a.Action == "Grant Created" {
			created++
		}
	}
	if created != 2 {
		t.Fatalf("got %d Grant Created entries, want 2 (one per env)", created)
	}
}

func TestHTTP_IfMatchStale412(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30), "permissions", []string{"PROXY"})
	gp := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	// version 1 → 2
	want(t, e.do(t, ownerA, "POST", gp+"/renewal", map[string]any{"validity": days(40)}, ifMatch(1)), 200)
	for _, c := range []struct {
		w            who
		method, path string
		body         any
	}{
		{ownerA, "POST", gp + "/renewal", map[string]any{"validity": days(50)}},
		{ownerA, "PATCH", gp, map[string]any{"fields": []string{"id"}}},
		{ownerA, "POST", gp + "/cancel", nil},
		{alice, "DELETE", gp, nil},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			want(t, e.do(t, c.w, c.method, c.path, c.body, ifMatch(1)), 412, "PreconditionFailed")
		})
	}
	// Weak and * forms are read too; a malformed one is 400.
	want(t, e.do(t, ownerA, "PATCH", gp, map[string]any{"fields": []string{"id"}}, withHeader("If-Match", `W/"2"`)), 200)
	want(t, e.do(t, ownerA, "POST", gp+"/cancel", nil, withHeader("if-match", `"3"`)), 202)
	want(t, e.do(t, ownerA, "DELETE", gp+"/cancel", nil, ifMatch(3)), 412, "PreconditionFailed")
	want(t, e.do(t, ownerA, "DELETE", gp+"/cancel", nil, withHeader("if-match", "*")), 200)
	for _, bad := range []string{`"abc"`, `"-1"`, `"0"`, `"1.5"`, `"99999999999999999999"`} {
		want(t, e.do(t, ownerA, "POST", gp+"/renewal", map[string]any{"validity": days(90)}, withHeader("if-match", bad)), 400)
	}
	// The grant is at version 5; nothing stale was written.
	r := e.do(t, ownerA, "GET", gp, nil)
	want(t, r, 200)
	if num(r.M(), "version") != 5 {
		t.Fatalf("version: %s", r)
	}
}

// withoutSecrets is an answer without the AppCode or AppSecret it shows once, as its
// idempotency record keeps it (the field order is the handler's).
func withoutSecrets(t *testing.T, body []byte) []byte {
	t.Helper()
	for _, k := range []string{"app_code", "app_secret"} {
		i := bytes.Index(body, []byte(`,"`+k+`":"`))
		if i < 0 {
			continue
		}
		end := bytes.IndexByte(body[i+len(k)+5:], '"')
		body = append(slices.Clone(body[:i]), body[i+len(k)+5+end+1:]...)
	}
	return body
}
