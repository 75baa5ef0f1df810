package access_test

import (
	"sync"
	"testing"
	"time"

	"gatepass/shared/access"
)

// needApprovals sets api1's approvals_required (and request_ttl_days when ttl > 0).
func (f *fixture) needApprovals(n, ttl int) {
	f.t.Helper()
	in := access.PolicyInput{ApprovalsRequired: &n}
	if ttl > 0 {
		in.RequestTTLDays = &ttl
	}
	if _, err := f.svc.PutPolicy(f.ctx, act(provOwner), access.APIResource("api1"), in); err != nil {
		f.t.Fatalf("policy: %v", err)
	}
}

// due lists what the sweeps would read in [from, to] (all DuePage pages).
func (f *fixture) due(from, to time.Time, _ int) ([]access.DueItem, error) {
	var out []access.DueItem
	cursor := ""
	for {
		items, next, err := f.svc.Store.(access.DueSweep).DuePage(f.ctx, from, to, 100, cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

func (f *fixture) applyApp1(p access.Principal) access.Request {
	f.t.Helper()
	res, err := f.svc.ApplyOn(f.ctx, act(p), access.APIResource("api1"), access.ApplyInput{AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)})
	if err != nil {
		f.t.Fatalf("apply: %v", err)
	}
	return res.Request
}

func TestApproval_R27_TwoReviewersThroughStore(t *testing.T) {
	f := newFixture(t)
	f.needApprovals(2, 0)
	r := f.applyApp1(alice)
	if r.Status != access.RequestPending || r.ApprovalsRequired != 2 || r.ExpiresAt == nil || !r.ExpiresAt.Equal(f.clock().Add(14*24*time.Hour)) {
		t.Fatalf("submitted: got %s, required %d, expires %v", r.Status, r.ApprovalsRequired, r.ExpiresAt)
	}
	first := must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), r.ID, "looks fine"))
	if first.Request.Status != access.RequestPending || len(first.Request.Approvals) != 1 || len(first.Grants) != 0 {
		t.Fatalf("first approval: got %s, %d approvals, %d grants", first.Request.Status, len(first.Request.Approvals), len(first.Grants))
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
	if _, err := f.svc.Approve(f.ctx, act(reviewer), r.ID, ""); !access.IsCode(err, access.CodeAlreadyApproved) {
		t.Fatalf("same reviewer again: got %v, want %s", err, access.CodeAlreadyApproved)
	}
	stale := access.Actor{Principal: provOwner, IfMatch: r.Version}
	if _, err := f.svc.Approve(f.ctx, stale, r.ID, ""); !access.IsCode(err, access.CodePrecondition) {
		t.Fatalf("If-Match of the version before the first approval: got %v, want %s", err, access.CodePrecondition)
	}
	read := must[access.Request](t)(f.svc.GetRequest(f.ctx, alice, r.ID))
	if len(read.Approvals) != 1 || read.Approvals[0].Reviewer != "rev" || !read.Approvals[0].ApprovedAt.Equal(f.clock()) {
		t.Fatalf("who approved so far: got %+v", read.Approvals)
	}
	f.advance(time.Minute)
	last := must[access.RequestResult](t)(f.svc.Approve(f.ctx, access.Actor{Principal: provOwner, IfMatch: read.Version}, r.ID, ""))
	if last.Request.Status != access.RequestApproved || len(last.Request.Approvals) != 2 || len(last.Grants) != 1 || last.Request.Reviewer != "powner" {
		t.Fatalf("second approval: got %s, %+v, %d grants", last.Request.Status, last.Request.Approvals, len(last.Grants))
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
	page := must[access.AuditPage](t)(f.svc.AuditOf(f.ctx, reviewer, access.APIResource("api1"), 100, ""))
	recorded, approved := 0, 0
	for _, e := range page.Items {
		switch e.Action {
		case access.EventApprovalRecorded:
			recorded++
			if e.Actor != "rev" || e.RequestID != r.ID {
				t.Errorf("approval recorded: got %+v", e)
			}
		case access.EventRequestApproved:
			approved++
		}
	}
	if recorded != 1 || approved != 1 {
		t.Fatalf("audit: got %d Request Approval Recorded and %d Request Approved, want 1 and 1", recorded, approved)
	}
}

func TestApproval_R27_RequesterNeverApproves(t *testing.T) {
	f := newFixture(t)
	f.putApp("app2", "prov", "rev") // the reviewer owns an app of its own workspace
	f.needApprovals(2, 0)
	res := must[access.RequestResult](t)(f.svc.ApplyOn(f.ctx, act(reviewer), access.APIResource("api1"), access.ApplyInput{AppID: "app2", Envs: []access.Env{access.EnvProd}, Validity: forDays(30)}))
	if res.Request.Status != access.RequestPending || len(res.Grants) != 0 {
		t.Fatalf("a reviewer's application needing 2 approvals: got %s with %d grants, want PENDING (R9's self-approval does not apply)", res.Request.Status, len(res.Grants))
	}
	if _, err := f.svc.Approve(f.ctx, act(reviewer), res.Request.ID, ""); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("the requester approving: got %v, want %s", err, access.CodeForbidden)
	}
	must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(provOwner), res.Request.ID, ""))
	rej := must[access.Request](t)(f.svc.Reject(f.ctx, act(admin), res.Request.ID, "no"))
	if rej.Status != access.RequestRejected {
		t.Fatalf("one rejection after one approval: got %s, want REJECTED", rej.Status)
	}
	if _, err := f.svc.Approve(f.ctx, act(admin), res.Request.ID, ""); !access.IsCode(err, access.CodeRequestDecided) {
		t.Fatalf("approving a rejected request: got %v, want %s", err, access.CodeRequestDecided)
	}
}

// TestConcurrency_R27_RaceForTheLastApproval: two reviewers give the last approval at
// once; exactly one grant is made and the other answers 409 Conflict.RequestDecided.
func TestConcurrency_R27_RaceForTheLastApproval(t *testing.T) {
	f := newFixture(t)
	f.needApprovals(2, 0)
	r := f.applyApp1(alice)
	must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), r.ID, ""))
	racers := []access.Principal{provOwner, admin}
	results := make([]access.RequestResult, len(racers))
	errs := make([]error, len(racers))
	var wg sync.WaitGroup
	for i, p := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.svc.Approve(f.ctx, act(p), r.ID, "")
		}()
	}
	wg.Wait()
	wins, grants := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			grants += len(results[i].Grants)
		case access.IsCode(err, access.CodeRequestDecided):
		default:
			t.Errorf("racer %d: got %v, want nil or %s", i, err, access.CodeRequestDecided)
		}
	}
	if wins != 1 || grants != 1 {
		t.Fatalf("got %d winners and %d grants, want exactly 1 and 1", wins, grants)
	}
	final := must[access.Request](t)(f.svc.GetRequest(f.ctx, reviewer, r.ID))
	if final.Status != access.RequestApproved || len(final.Approvals) != 2 {
		t.Fatalf("final: got %s with %+v", final.Status, final.Approvals)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
}

// TestRequest_R27_ExpiredByTimeAndDueForTheSweep: a PENDING request is EXPIRED at its
// TTL exactly, whatever the sweep did; it sits in the due buckets at that instant.
func TestRequest_R27_ExpiredByTimeAndDueForTheSweep(t *testing.T) {
	f := newFixture(t)
	f.needApprovals(2, 3)
	r := f.applyApp1(alice)
	exp := f.clock().Add(3 * 24 * time.Hour)
	must[access.RequestResult](t)(f.svc.Approve(f.ctx, act(reviewer), r.ID, ""))
	f.now.Store(exp.Add(-time.Nanosecond).UnixNano())
	if got := must[access.Request](t)(f.svc.GetRequest(f.ctx, alice, r.ID)); got.Status != access.RequestPending {
		t.Fatalf("a nanosecond before the TTL: got %s", got.Status)
	}
	due := must[[]access.DueItem](t)(f.due(exp.Add(-time.Hour), exp, 0))
	if len(due) != 1 || due[0].Request == nil || due[0].Request.ID != r.ID || len(due[0].Request.Approvals) != 1 {
		t.Fatalf("due at the TTL: got %+v, want the request with its approval", due)
	}
	f.now.Store(exp.UnixNano())
	if got := must[access.Request](t)(f.svc.GetRequest(f.ctx, alice, r.ID)); got.Status != access.RequestExpired {
		t.Fatalf("at the TTL: got %s, want EXPIRED", got.Status)
	}
	if _, err := f.svc.Approve(f.ctx, act(provOwner), r.ID, ""); !access.IsCode(err, access.CodeRequestDecided) {
		t.Fatalf("approving at the TTL: got %v, want %s", err, access.CodeRequestDecided)
	}
	if _, err := f.svc.Withdraw(f.ctx, act(alice), r.ID, ""); !access.IsCode(err, access.CodeRequestDecided) {
		t.Fatalf("withdrawing at the TTL: got %v, want %s", err, access.CodeRequestDecided)
	}
	for st, want := range map[access.RequestStatus]int{access.RequestExpired: 1, access.RequestPending: 0} {
		page := must[access.Page[access.Request]](t)(f.svc.Requests(f.ctx, reviewer, access.RequestFilter{WorkspaceID: "prov", Status: st}, access.PageQuery{}))
		if page.Total != want {
			t.Fatalf("listing %s before the sweep: got %d, want %d", st, page.Total, want)
		}
	}
	c, _, ok := access.ExpireChange(*due[0].Request, exp)
	if !ok {
		t.Fatal("no expire change at the TTL")
	}
	if err := f.svc.Store.Commit(f.ctx, c); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if left := must[[]access.DueItem](t)(f.due(exp.Add(-time.Hour), exp, 0)); len(left) != 0 {
		t.Fatalf("due after the sweep: got %+v, want none", left)
	}
	page := must[access.Page[access.Request]](t)(f.svc.Requests(f.ctx, reviewer, access.RequestFilter{WorkspaceID: "prov", Status: access.RequestExpired}, access.PageQuery{}))
	if page.Total != 1 {
		t.Fatalf("listing EXPIRED after the sweep: got %d, want 1", page.Total)
	}
}

// TestRequest_R27_DecisionRemovesItFromTheDueBuckets: a decided request is no longer due.
func TestRequest_R27_DecisionRemovesItFromTheDueBuckets(t *testing.T) {
	f := newFixture(t)
	r := f.applyApp1(alice)
	must[access.Request](t)(f.svc.Reject(f.ctx, act(reviewer), r.ID, ""))
	if due := must[[]access.DueItem](t)(f.due(r.ExpiresAt.Add(-time.Hour), r.ExpiresAt.Add(time.Hour), 0)); len(due) != 0 {
		t.Fatalf("due after the rejection: got %+v, want none", due)
	}
}
