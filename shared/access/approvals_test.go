package access

import (
	"testing"
	"time"
)

func TestApproval_R27_DistinctReviewersNeverTheRequester(t *testing.T) {
	now := time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)
	reviewerOf := func(sub string) Actor { return Actor{Principal: NewPrincipal(sub, "t1", "ws:prov:reviewer")} }
	pending := func(required int, approvers ...string) Request {
		r := Request{ID: "r1", Status: RequestPending, TenantID: "t1", WorkspaceID: "prov", Requester: "req",
			ApprovalsRequired: required, CreatedAt: now.Add(-time.Hour), Version: int64(1 + len(approvers))}
		for _, s := range approvers {
			r.Approvals = append(r.Approvals, Approval{Reviewer: s, ApprovedAt: now.Add(-time.Minute)})
		}
		return r
	}
	tests := []struct {
		name      string
		r         Request
		by        string
		wantCode  string
		wantFinal bool
		wantCount int
	}{
		{"one required: the approval decides", pending(1), "rev1", "", true, 1},
		{"one required: a reviewing requester may approve (R9)", pending(1), "req", "", true, 1},
		{"stored before R27 (0): one decides", pending(0), "rev1", "", true, 1},
		{"two required: the first is recorded", pending(2), "rev1", "", false, 1},
		{"two required: the second decides", pending(2, "rev1"), "rev2", "", true, 2},
		{"two required: the same reviewer twice", pending(2, "rev1"), "rev1", CodeAlreadyApproved, false, 0},
		{"two required: never the requester", pending(2), "req", CodeForbidden, false, 0},
		{"three required: the second is recorded", pending(3, "rev1"), "rev2", "", false, 2},
		{"three required: the third decides", pending(3, "rev1", "rev2"), "rev3", "", true, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, final, err := Approved("request.approve", tc.r, reviewerOf(tc.by), "ok", now)
			if tc.wantCode != "" {
				if !IsCode(err, tc.wantCode) {
					t.Fatalf("got %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v", err)
			}
			if final != tc.wantFinal || len(next.Approvals) != tc.wantCount || next.Version != tc.r.Version+1 {
				t.Fatalf("got final %v, %d approvals, version %d; want %v, %d, %d", final, len(next.Approvals), next.Version, tc.wantFinal, tc.wantCount, tc.r.Version+1)
			}
			last := next.Approvals[len(next.Approvals)-1]
			if last.Reviewer != tc.by || !last.ApprovedAt.Equal(now) {
				t.Fatalf("last approval: got %+v, want %s at %s", last, tc.by, now)
			}
			wantStatus := RequestPending
			if final {
				wantStatus = RequestApproved
			}
			if next.Status != wantStatus || (final && (next.Reviewer != tc.by || next.DecidedAt == nil)) {
				t.Fatalf("got %s by %q, want %s", next.Status, next.Reviewer, wantStatus)
			}
			if len(tc.r.Approvals) > 0 && len(tc.r.Approvals) == len(next.Approvals) {
				t.Fatal("the request read was changed")
			}
		})
	}
}

func TestRequest_R27_ExpiresAtTheTTL(t *testing.T) {
	created := time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)
	r := pendingFor(Request{ID: "r1", Status: RequestPending, CreatedAt: created, Version: 1},
		Limits{ApprovalsRequired: 2, RequestTTLDays: 3}, created)
	exp := created.Add(3 * dayLength)
	if r.ExpiresAt == nil || !r.ExpiresAt.Equal(exp) || r.ApprovalsRequired != 2 {
		t.Fatalf("stamped: got expires %v, required %d", r.ExpiresAt, r.ApprovalsRequired)
	}
	old := Request{Status: RequestPending, CreatedAt: created} // stored before R27: 14 days
	approved := r
	approved.Status = RequestApproved
	tests := []struct {
		name string
		r    Request
		at   time.Time
		want RequestStatus
	}{
		{"a nanosecond before the TTL", r, exp.Add(-time.Nanosecond), RequestPending},
		{"at the TTL", r, exp, RequestExpired},
		{"after the TTL", r, exp.Add(time.Hour), RequestExpired},
		{"decided before the TTL stays decided", approved, exp.Add(time.Hour), RequestApproved},
		{"stored before R27: 14 days less a nanosecond", old, created.Add(14*dayLength - time.Nanosecond), RequestPending},
		{"stored before R27: at 14 days", old, created.Add(14 * dayLength), RequestExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.StatusAt(tc.at); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRequest_R27_ExpireChange(t *testing.T) {
	created := time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)
	r := pendingFor(Request{ID: "r1", Status: RequestPending, TenantID: "t1", APIID: "api1", CreatedAt: created, Version: 4},
		Limits{ApprovalsRequired: 1, RequestTTLDays: 14}, created)
	exp := *r.ExpiresAt
	if _, _, ok := ExpireChange(r, exp.Add(-time.Nanosecond)); ok {
		t.Fatal("before the TTL: got a change")
	}
	c, next, ok := ExpireChange(r, exp.Add(time.Minute))
	if !ok || next.Status != RequestExpired || next.DecidedAt == nil || !next.DecidedAt.Equal(exp) || next.Version != 5 {
		t.Fatalf("at the TTL: got ok %v, %+v", ok, next)
	}
	if len(c.Writes) != 1 || c.Writes[0].Cond.Kind != CondVersion || c.Writes[0].Cond.Version != 4 ||
		len(c.Audit) != 1 || c.Audit[0].Action != EventRequestExpired || c.Audit[0].Actor != ActorExpiry {
		t.Fatalf("change: got %+v", c)
	}
	if _, _, ok := ExpireChange(next, exp.Add(time.Hour)); ok {
		t.Fatal("an expired request expires again")
	}
}

func TestApply_R27_SelfApprovalOnlyWhereOneIsRequired(t *testing.T) {
	for _, tc := range []struct {
		reviews  bool
		required int
		want     bool
	}{{true, 1, true}, {true, 2, false}, {true, 3, false}, {false, 1, false}} {
		if got := selfApproves(tc.reviews, Limits{ApprovalsRequired: tc.required}); got != tc.want {
			t.Errorf("reviews %v, required %d: got %v, want %v", tc.reviews, tc.required, got, tc.want)
		}
	}
}
