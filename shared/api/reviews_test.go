package api_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// TestHTTP_R28_ReviewRoutes: a reviewer starts a review (Idempotency-Key replays it),
// decides its items (If-Match, once; REVOKE answers R7's notice), reads the report by
// page and as CSV; other tenants and non-reviewers get nothing.
func TestHTTP_R28_ReviewRoutes(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	g1 := e.grantApp(t, "api-orders", unlimited)
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("WORKSPACE", "ws-c", "t1", prod, days(30)))
	want(t, r, 201)
	g2 := first(t, r)
	due := t0.Add(10 * 24 * time.Hour).Format(time.RFC3339)
	body := map[string]any{"scope": map[string]any{"type": "API", "id": "api-orders"}, "due_at": due, "if_not_reviewed": "REVOKE", "reason": "quarterly"}
	want(t, e.do(t, devA, "POST", "/v1/reviews", body), 403, "Forbidden.Access")
	want(t, e.do(t, reviewerA, "POST", "/v1/reviews", map[string]any{"scope": body["scope"], "due_at": due}), 400, "InvalidParameter.IfNotReviewed")
	started := e.do(t, reviewerA, "POST", "/v1/reviews", body, idem("rv-1"))
	want(t, started, 201)
	rv := started.M()
	if num(rv, "item_count") != 2 || str(rv, "status") != "OPEN" || str(rv, "if_not_reviewed") != "REVOKE" {
		t.Fatalf("review: %s", started)
	}
	id := str(rv, "review_id")
	if again := e.do(t, reviewerA, "POST", "/v1/reviews", body, idem("rv-1")); again.Status != 201 || str(again.M(), "review_id") != id {
		t.Fatalf("replay: %s", again)
	}
	want(t, e.do(t, reviewerX, "GET", "/v1/reviews/"+id, nil), 404, "NotFound.Review")
	want(t, e.do(t, reviewerA, "GET", "/v1/reviews/"+id, nil), 200)
	listed := e.do(t, reviewerA, "GET", "/v1/reviews?workspace_id=ws-a", nil)
	want(t, listed, 200)
	if l := items(t, listed); len(l) != 1 || str(l[0], "review_id") != id {
		t.Fatalf("listing: %s", listed)
	}
	want(t, e.do(t, reviewerA, "GET", "/v1/reviews", nil), 400, "InvalidParameter.WorkspaceId")
	want(t, e.do(t, devB, "GET", "/v1/reviews?workspace_id=ws-a", nil), 403, "Forbidden.Access")
	if l := items(t, e.do(t, reviewerX, "GET", "/v1/reviews?workspace_id=ws-a", nil)); len(l) != 0 {
		t.Fatalf("another tenant's reviewer of its own ws-a sees %d reviews", len(l))
	}

	decide := func(w who, grantID, decision string, opts ...opt) *resp {
		return e.do(t, w, "POST", "/v1/reviews/"+id+"/items/"+grantID+"/decision", map[string]any{"decision": decision, "reason": "checked"}, opts...)
	}
	want(t, decide(reviewerA, str(g1, "grant_id"), "KEEP", ifMatch(5)), 412, "PreconditionFailed")
	kept := decide(reviewerA, str(g1, "grant_id"), "KEEP", ifMatch(1))
	want(t, kept, 200)
	if str(kept.M(), "outcome") != "KEPT" || str(kept.M(), "decided_by") != "rev-a" {
		t.Fatalf("kept: %s", kept)
	}
	want(t, decide(ownerA, str(g1, "grant_id"), "REVOKE"), 409, "Conflict.ReviewItemDecided")
	revoked := decide(ownerA, str(g2, "grant_id"), "REVOKE")
	want(t, revoked, 200)
	if str(revoked.M(), "outcome") != "CANCELLATION_SCHEDULED" || str(revoked.M(), "cancel_at") != t0.Add(48*time.Hour).Format(time.RFC3339) {
		t.Fatalf("revoked: %s", revoked)
	}
	g := e.do(t, reviewerA, "GET", "/v1/apis/api-orders/grants/"+str(g2, "grant_id"), nil)
	if str(g.M(), "status") != "CANCELLATION_PENDING" {
		t.Fatalf("revoked grant: %s", g)
	}

	page := e.do(t, reviewerA, "GET", "/v1/reviews/"+id+"/items?page_size=1", nil)
	want(t, page, 200)
	next := str(page.M(), "next_token")
	if len(items(t, page)) != 1 || next == "" {
		t.Fatalf("page 1: %s", page)
	}
	want(t, e.do(t, reviewerA, "GET", "/v1/reviews/"+id+"/items?page_size=1&next_token="+next, nil), 200)
	want(t, e.do(t, reviewerA, "GET", "/v1/reviews/"+id+"/items?format=xml", nil), 400, "InvalidParameter.Format")
	out := e.do(t, reviewerA, "GET", "/v1/reviews/"+id+"/items?format=csv", nil)
	want(t, out, 200)
	if !strings.HasPrefix(out.Headers["content-type"], "text/csv") {
		t.Fatalf("csv content type: %v", out.Headers)
	}
	rows, err := csv.NewReader(strings.NewReader(string(out.Body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "review_id" || rows[0][9] != "decision" {
		t.Fatalf("csv: %v %q", err, out.Body)
	}
	decided := map[string]string{}
	for _, row := range rows[1:] {
		decided[row[1]] = row[9] + "/" + row[10]
	}
	if decided[str(g1, "grant_id")] != "KEEP/KEPT" || decided[str(g2, "grant_id")] != "REVOKE/CANCELLATION_SCHEDULED" {
		t.Fatalf("csv decisions: %v", decided)
	}
	want(t, e.do(t, reviewerA, "GET", "/v1/apis/api-orders/audit?page_size=100", nil), 200) // the review's entries in the document's schema
	n := 0
	for _, a := range e.audit(t, "api-orders") {
		if a.ReviewID == id && (a.Action == "Review Started" || a.Action == "Review Item Decided") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("audit: %d review entries, want 3", n)
	}
}
