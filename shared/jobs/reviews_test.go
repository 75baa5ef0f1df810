package jobs

import (
	"testing"
	"time"

	"gatepass/shared/access"
)

// TestReviewsJob_R28_DueInstant: the minutely schedule reminds a review's reviewers
// before its due date and, from the due instant (not 1 ms before), applies
// if_not_reviewed REVOKE to the undecided items once: R7's cancellation with its notice
// counted from the due date, the kept grant untouched, the review CLOSED.
func TestReviewsJob_R28_DueInstant(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	unl := access.Validity{Type: access.Unlimited}
	keep := e.grant("api1", appSubject("app1"), unl)
	left := e.grant("api1", wsSubject(1), unl)
	due := t0.Add(3 * 24 * time.Hour)
	r, err := e.svc.StartReview(e.ctx, e.admin, access.StartReviewInput{Scope: access.APIResource("api1"), DueAt: &due, IfNotReviewed: access.DecisionRevoke})
	if err != nil || r.ItemCount != 2 {
		t.Fatalf("start: %v, %+v", err, r)
	}
	if _, err := e.svc.DecideReviewItem(e.ctx, e.admin, r.ID, keep.ID, access.DecideInput{Decision: access.DecisionKeep}); err != nil {
		t.Fatalf("keep: %v", err)
	}
	job := e.cancellations()
	job.Notice = 48 * time.Hour
	soon := due.Add(-24 * time.Hour)
	e.store.Reset()
	if res := e.runCancellations(soon.Add(-time.Millisecond), job); res.Changed != 0 || e.store.Reads() != 0 {
		t.Fatalf("before the 1-day reminder: got %+v and %d reads", res, e.store.Reads())
	}
	if res := e.runCancellations(soon, job); res.Changed != 1 || res.Events != 1 || e.store.Reads() != 1 {
		t.Fatalf("at the 1-day reminder: got %+v and %d reads, want one Review Due Soon from one read", res, e.store.Reads())
	}
	e.store.Reset()
	if res := e.runCancellations(due.Add(-time.Millisecond), job); res.Changed != 0 || e.store.Reads() != 0 {
		t.Fatalf("1 ms before the due date: got %+v and %d reads, want nothing", res, e.store.Reads())
	}
	if res := e.runCancellations(due, job); res.Changed != 1 || res.Events != 2 {
		t.Fatalf("at the due date: got %+v, want one step: a cancellation scheduled and Review Closed", res)
	}
	if res := e.runCancellations(due.Add(time.Millisecond), job); res.Changed != 0 {
		t.Fatalf("1 ms after, once closed: got %+v, want nothing", res)
	}
	got := e.grantAt(left)
	if got.CancelAt == nil || !got.CancelAt.Equal(due.Add(48*time.Hour)) {
		t.Fatalf("unreviewed grant: cancel_at %v, want due + notice", got.CancelAt)
	}
	if k := e.grantAt(keep); k.CancelAt != nil || k.Version != keep.Version {
		t.Fatalf("kept grant changed: %+v", k)
	}
	if d := e.check("api1", "app1", false); !d.Allowed {
		t.Fatalf("kept grant: %s", d.Reason)
	}
	// The notice runs, then the cancellations job revokes it as any R7 cancellation.
	e.runCancellations(due.Add(48*time.Hour), job)
	if g := e.grantAt(left); g.RevokedAt == nil {
		t.Fatalf("after the notice: not revoked: %+v", g)
	}
	closed, err := e.svc.GetReview(e.ctx, e.admin.Principal, r.ID)
	if err != nil || closed.Status != access.ReviewClosed || closed.ClosedAt == nil || !closed.ClosedAt.Equal(due) {
		t.Fatalf("review: %v, %+v", err, closed)
	}
	count := map[string]int{}
	for _, a := range e.audit("api1", "") {
		if a.ReviewID == r.ID {
			count[a.Action]++
		}
	}
	want := map[string]int{access.EventReviewStarted: 1, access.EventReviewItemDecided: 1, access.EventReviewDueSoon: 1,
		access.EventCancellationScheduled: 1, access.EventReviewClosed: 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: got %d, want %d (all: %v)", k, count[k], n, count)
		}
	}
}
