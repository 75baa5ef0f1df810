package access_test

import (
	"fmt"
	"testing"
	"time"

	"gatepass/shared/access"
)

// Unit tests of R28's pure functions, at exact instants.

var reviewT0 = time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)

func openReview(due time.Time, dflt access.ReviewDecision) access.Review {
	r := access.Review{ID: "r1", TenantID: "t1", WorkspaceID: "prov", Scope: access.APIResource("api1"), IfNotReviewed: dflt,
		DueAt: due, CreatedAt: reviewT0, Status: access.ReviewOpen, Version: 1}
	r.Due = r.NextDue([]int{7, 1})
	return r
}

func TestReview_R28_CheckStart(t *testing.T) {
	now := reviewT0
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	ok := access.StartReviewInput{Scope: access.APIResource("api1"), DueAt: at(time.Hour), IfNotReviewed: access.DecisionRevoke}
	cases := []struct {
		name string
		mod  func(*access.StartReviewInput)
		want string
	}{
		{"valid", func(*access.StartReviewInput) {}, ""},
		{"workspace scope", func(in *access.StartReviewInput) {
			in.Scope = access.Resource{Type: access.ResourceWorkspace, ID: "cons"}
		}, ""},
		{"app scope is not reviewed", func(in *access.StartReviewInput) { in.Scope = access.AppResource("app1") }, access.CodeInvalid},
		{"if_not_reviewed must be explicit", func(in *access.StartReviewInput) { in.IfNotReviewed = "" }, access.CodeIfNotReviewed},
		{"if_not_reviewed KEEP or REVOKE", func(in *access.StartReviewInput) { in.IfNotReviewed = "keep" }, access.CodeIfNotReviewed},
		{"no due_at", func(in *access.StartReviewInput) { in.DueAt = nil }, access.CodeDueTime},
		{"due_at now is not future", func(in *access.StartReviewInput) { in.DueAt = at(0) }, access.CodeDueTime},
		{"due_at 1 ms ahead", func(in *access.StartReviewInput) { in.DueAt = at(time.Millisecond) }, ""},
		{"due_at 365 days ahead", func(in *access.StartReviewInput) { in.DueAt = at(365 * 24 * time.Hour) }, ""},
		{"due_at beyond 365 days", func(in *access.StartReviewInput) { in.DueAt = at(365*24*time.Hour + time.Millisecond) }, access.CodeDueTime},
		{"reason over 128 characters", func(in *access.StartReviewInput) { in.Reason = fmt.Sprintf("%0129d", 0) }, access.CodeReason},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.mod(&in)
			err := access.CheckReviewStart("test", in, now)
			if c.want == "" && err != nil || c.want != "" && access.ErrorCode(err) != c.want {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// TestReview_R28_RemindersBeforeTheDueDate: one Review Due Soon per threshold, from
// its exact instant; thresholds past at the start are skipped; a late run catches up.
func TestReview_R28_RemindersBeforeTheDueDate(t *testing.T) {
	day := 24 * time.Hour
	due := reviewT0.Add(10 * day)
	r := openReview(due, access.DecisionKeep)
	if !r.Due.Equal(due.Add(-7 * day)) {
		t.Fatalf("first due: got %v, want 7 days before", r.Due)
	}
	if _, _, ok := access.ReviewRemindChange(r, due.Add(-7*day-time.Millisecond), []int{7, 1}); ok {
		t.Fatal("1 ms before the 7-day threshold: announced")
	}
	c, next, ok := access.ReviewRemindChange(r, due.Add(-7*day), []int{7, 1})
	if !ok || len(c.Audit) != 1 || c.Audit[0].Action != access.EventReviewDueSoon || c.Audit[0].ThresholdDays != 7 || c.Audit[0].ReviewID != "r1" {
		t.Fatalf("at the 7-day threshold: got %v %+v", ok, c.Audit)
	}
	if next.Version != 2 || !next.Due.Equal(due.Add(-day)) || c.Writes[0].Cond.Version != 1 {
		t.Fatalf("after it: version %d due %v", next.Version, next.Due)
	}
	if _, _, ok := access.ReviewRemindChange(next, due.Add(-2*day), []int{7, 1}); ok {
		t.Fatal("announced twice")
	}
	late, last, ok := access.ReviewRemindChange(r, due.Add(-time.Hour), []int{7, 1})
	if !ok || len(late.Audit) != 2 || !last.Due.Equal(due) {
		t.Fatalf("late run: got %d announcements, due %v; want both thresholds and the due date next", len(late.Audit), last.Due)
	}
	if _, _, ok := access.ReviewRemindChange(r, due, []int{7, 1}); ok {
		t.Fatal("at the due date: a reminder instead of the close")
	}
	short := openReview(reviewT0.Add(3*day), access.DecisionKeep)
	if c, _, ok := access.ReviewRemindChange(short, reviewT0.Add(3*day-time.Hour), []int{7, 1}); !ok || len(c.Audit) != 1 || c.Audit[0].ThresholdDays != 1 {
		t.Fatalf("a 7-day threshold past at the start: got %+v, want the 1-day one only", c.Audit)
	}
}

// TestReview_R28_OpenUntilTheDueInstant: decisions are taken before due_at, not at it.
func TestReview_R28_OpenUntilTheDueInstant(t *testing.T) {
	due := reviewT0.Add(time.Hour)
	r := openReview(due, access.DecisionRevoke)
	for _, c := range []struct {
		at   time.Time
		open bool
	}{{due.Add(-time.Millisecond), true}, {due, false}, {due.Add(time.Millisecond), false}} {
		if got := r.Open(c.at); got != c.open {
			t.Errorf("at due%+v: open %v, want %v", c.at.Sub(due), got, c.open)
		}
	}
}

// TestReview_R28_CloseStepAppliesTheDefault: undecided items get if_not_reviewed;
// REVOKE is R7's cancellation with its notice counted from due_at; decided items,
// protected and gone grants are left as they are and recorded.
func TestReview_R28_CloseStepAppliesTheDefault(t *testing.T) {
	due := reviewT0.Add(time.Hour)
	now := due.Add(30 * time.Second)
	notice := 48 * time.Hour
	grant := func(id string, protected bool) access.Grant {
		return access.Grant{ID: id, Resource: access.APIResource("api1"), APIID: "api1", TenantID: "t1",
			Subject: appSubject("app-" + id), Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage},
			Protected: protected, CreatedAt: reviewT0.Add(-time.Hour), Version: 3, Generation: 1}
	}
	item := func(g access.Grant, decided access.ReviewDecision) access.ReviewItem {
		return access.ReviewItem{ReviewID: "r1", GrantID: g.ID, Resource: g.Resource, Subject: g.Subject, Env: g.Env, Decision: decided, Version: 1}
	}
	live, kept, prot, gone := grant("g1", false), grant("g2", false), grant("g3", true), grant("g4", false)
	items := []access.ReviewItem{item(live, ""), item(kept, access.DecisionKeep), item(prot, ""), item(gone, "")}
	gens := map[access.Resource]int64{access.APIResource("api1"): 1}

	r := openReview(due, access.DecisionRevoke)
	c := access.ReviewCloseStep(r, items, []access.Grant{live, kept, prot}, gens, "", now, notice, []int{7, 1})
	var revoked *access.Grant
	outcomes := map[string]access.ReviewOutcome{}
	var closed *access.Review
	for _, w := range c.Writes {
		switch {
		case w.Grant != nil:
			revoked = w.Grant
			if w.Cond.Kind != access.CondVersion || w.Cond.Version != 3 {
				t.Errorf("grant write not conditional on the version read: %+v", w.Cond)
			}
		case w.ReviewItem != nil:
			outcomes[w.ReviewItem.GrantID] = w.ReviewItem.Outcome
			if w.ReviewItem.Decision != access.DecisionRevoke || w.ReviewItem.DecidedBy != access.ActorReviews || !w.ReviewItem.DecidedAt.Equal(due) {
				t.Errorf("item %s: %+v", w.ReviewItem.GrantID, w.ReviewItem)
			}
		case w.Review != nil:
			closed = w.Review
		}
	}
	wantCancel := due.Add(notice)
	if revoked == nil || revoked.ID != "g1" || revoked.CancelAt == nil || !revoked.CancelAt.Equal(wantCancel) || revoked.Version != 4 {
		t.Fatalf("revoked grant: got %+v, want g1 cancelled at due+notice", revoked)
	}
	want := map[string]access.ReviewOutcome{"g1": access.OutcomeCancellationScheduled, "g3": access.OutcomeProtected, "g4": access.OutcomeGone}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("outcomes: got %v, want %v (g2 was decided: untouched)", outcomes, want)
	}
	if closed == nil || closed.Status != access.ReviewClosed || closed.Due != nil || closed.Version != 2 {
		t.Fatalf("review: got %+v, want CLOSED", closed)
	}
	actions := map[string]int{}
	for _, e := range c.Audit {
		actions[e.Action]++
		if e.ReviewID != "r1" {
			t.Errorf("entry %s names no review", e.Action)
		}
	}
	if actions[access.EventCancellationScheduled] != 1 || actions[access.EventReviewClosed] != 1 || len(c.Audit) != 2 {
		t.Fatalf("audit: got %v", actions)
	}

	// A page with more to come moves the cursor and keeps the review open; KEEP by default
	// records KEEP and writes no grant.
	k := openReview(due, access.DecisionKeep)
	c = access.ReviewCloseStep(k, items[:1], nil, gens, "tok", now, notice, nil)
	if len(c.Writes) != 2 || c.Writes[0].ReviewItem.Outcome != access.OutcomeKept || c.Writes[1].Review.Cursor != "tok" || c.Writes[1].Review.Status != access.ReviewOpen || len(c.Audit) != 0 {
		t.Fatalf("KEEP step: got %+v", c)
	}
	// With a notice of 0 the default REVOKE takes effect at the due date itself.
	c = access.ReviewCloseStep(r, items[:1], []access.Grant{live}, gens, "", now, 0, nil)
	if g := c.Writes[0].Grant; g == nil || g.RevokedAt == nil || !g.RevokedAt.Equal(due) {
		t.Fatalf("notice 0: got %+v, want revoked at the due date", c.Writes[0])
	}
}

// Through the store (DynamoDB Local).

func (f *fixture) startReview(p access.Principal, scope access.Resource, due time.Time, dflt access.ReviewDecision) access.Review {
	f.t.Helper()
	r, err := f.svc.StartReview(f.ctx, act(p), access.StartReviewInput{Scope: scope, DueAt: &due, IfNotReviewed: dflt, Reason: "quarterly"})
	if err != nil {
		f.t.Fatalf("start review: %v", err)
	}
	return r
}

// TestReview_R28_StartDecideAndReportThroughStore: a review holds the grants in force
// at its start (not one made after); a reviewer decides each item once, under If-Match;
// REVOKE is R7's cancellation with notice; the report pages by grant id; from the due
// instant no decision is taken.
func TestReview_R28_StartDecideAndReportThroughStore(t *testing.T) {
	f := newFixture(t)
	unl := access.Validity{Type: access.Unlimited}
	g1 := f.grant(reviewer, "api1", grantIn(appSubject("app1"), unl))
	g2 := f.grant(reviewer, "api1", grantIn(wsSubject("w1"), unl))
	g3 := f.grant(reviewer, "api1", grantIn(wsSubject("w2"), forDays(30)))
	ended := f.grant(reviewer, "api1", grantIn(wsSubject("w3"), unl))
	if _, err := f.svc.RevokeOn(f.ctx, act(access.NewPrincipal("x", "t1", "ws:w3:owner")), access.APIResource("api1"), ended.ID, ""); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	outsider := access.NewPrincipal("dev", "t1", "ws:prov:developer")
	due := f.at().Add(10 * 24 * time.Hour)
	if _, err := f.svc.StartReview(f.ctx, act(outsider), access.StartReviewInput{Scope: access.APIResource("api1"), DueAt: &due, IfNotReviewed: access.DecisionKeep}); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("a developer starts a review: got %v", err)
	}
	r := f.startReview(reviewer, access.APIResource("api1"), due, access.DecisionRevoke)
	if r.ItemCount != 3 || r.Status != access.ReviewOpen || r.WorkspaceID != "prov" {
		t.Fatalf("review: got %+v, want 3 items (the revoked grant is not in force)", r)
	}
	f.advance(time.Minute)
	late := f.grant(reviewer, "api1", grantIn(wsSubject("fine"), unl))

	other := access.NewPrincipal("rev", "t2", "ws:prov:reviewer")
	if _, err := f.svc.GetReview(f.ctx, other, r.ID); !access.IsCode(err, access.CodeNotFoundReview) {
		t.Fatalf("another tenant reads it: got %v", err)
	}
	if _, err := f.svc.DecideReviewItem(f.ctx, act(reviewer), r.ID, late.ID, access.DecideInput{Decision: access.DecisionKeep}); !access.IsCode(err, access.CodeNotFoundGrant) {
		t.Fatalf("a grant made after the start: got %v, want it outside the review", err)
	}
	if _, err := f.svc.DecideReviewItem(f.ctx, act(outsider), r.ID, g1.ID, access.DecideInput{Decision: access.DecisionKeep}); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("a developer decides: got %v", err)
	}
	if _, err := f.svc.DecideReviewItem(f.ctx, access.Actor{Principal: reviewer, IfMatch: 7}, r.ID, g1.ID, access.DecideInput{Decision: access.DecisionKeep}); !access.IsCode(err, access.CodePrecondition) {
		t.Fatalf("stale If-Match: got %v", err)
	}
	kept := must[access.ReviewItem](t)(f.svc.DecideReviewItem(f.ctx, access.Actor{Principal: reviewer, IfMatch: 1}, r.ID, g1.ID, access.DecideInput{Decision: access.DecisionKeep, Reason: "still used"}))
	if kept.Outcome != access.OutcomeKept || kept.DecidedBy != "rev" || !kept.DecidedAt.Equal(f.at()) || kept.Version != 2 {
		t.Fatalf("kept: got %+v", kept)
	}
	if _, err := f.svc.DecideReviewItem(f.ctx, act(provOwner), r.ID, g1.ID, access.DecideInput{Decision: access.DecisionRevoke}); !access.IsCode(err, access.CodeReviewItemDecided) {
		t.Fatalf("decided twice: got %v", err)
	}
	rev := must[access.ReviewItem](t)(f.svc.DecideReviewItem(f.ctx, act(provOwner), r.ID, g2.ID, access.DecideInput{Decision: access.DecisionRevoke, Reason: "unused"}))
	if rev.Outcome != access.OutcomeCancellationScheduled || rev.CancelAt == nil || !rev.CancelAt.Equal(f.at().Add(48*time.Hour)) {
		t.Fatalf("revoked: got %+v, want R7's notice", rev)
	}
	if s := f.status("api1", g2.ID); s != access.StatusCancellationPending {
		t.Fatalf("revoked grant: got %s, want CANCELLATION_PENDING", s)
	}
	if s := f.status("api1", g1.ID); s != access.StatusActive {
		t.Fatalf("kept grant: got %s", s)
	}

	p1 := must3(t)(f.svc.ReviewReport(f.ctx, reviewer, r.ID, 2, ""))
	if len(p1.Items) != 2 || p1.Next == "" {
		t.Fatalf("report page 1: got %d items, next %q", len(p1.Items), p1.Next)
	}
	p2 := must3(t)(f.svc.ReviewReport(f.ctx, reviewer, r.ID, 2, p1.Next))
	if len(p2.Items) != 1 || p2.Next != "" {
		t.Fatalf("report page 2: got %d items, next %q", len(p2.Items), p2.Next)
	}
	seen := map[string]access.ReviewItem{}
	for _, it := range append(p1.Items, p2.Items...) {
		seen[it.GrantID] = it
	}
	if seen[g1.ID].Decision != access.DecisionKeep || seen[g2.ID].Decision != access.DecisionRevoke || seen[g3.ID].Decision != "" || seen[g3.ID].EndTime == nil {
		t.Fatalf("report: got %+v", seen)
	}
	if _, _, err := f.svc.ReviewReport(f.ctx, reviewer, "01OTHERREVIEW", 2, p1.Next); !access.IsCode(err, access.CodeNotFoundReview) {
		t.Fatalf("unknown review: got %v", err)
	}

	f.now.Store(due.Add(-time.Millisecond).UnixNano())
	if _, err := f.svc.DecideReviewItem(f.ctx, act(reviewer), r.ID, g3.ID, access.DecideInput{Decision: access.ReviewDecision("MAYBE")}); !access.IsCode(err, access.CodeDecision) {
		t.Fatalf("bad decision: got %v", err)
	}
	f.now.Store(due.UnixNano())
	if _, err := f.svc.DecideReviewItem(f.ctx, act(reviewer), r.ID, g3.ID, access.DecideInput{Decision: access.DecisionKeep}); !access.IsCode(err, access.CodeReviewClosed) {
		t.Fatalf("at the due instant: got %v, want %s", err, access.CodeReviewClosed)
	}
	entries := must[access.AuditPage](t)(f.svc.AuditOf(f.ctx, reviewer, access.APIResource("api1"), 100, ""))
	count := map[string]int{}
	for _, e := range entries.Items {
		if e.ReviewID == r.ID {
			count[e.Action]++
		}
	}
	if count[access.EventReviewStarted] != 1 || count[access.EventReviewItemDecided] != 2 || count[access.EventCancellationScheduled] != 1 {
		t.Fatalf("audit of the review: got %v", count)
	}
}

func must3(t *testing.T) func(access.Review, access.ReviewItemPage, error) access.ReviewItemPage {
	return func(_ access.Review, p access.ReviewItemPage, err error) access.ReviewItemPage {
		t.Helper()
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		return p
	}
}

// TestReview_R28_LargeScopeWrittenInChunks: a scope of more grants than one
// transaction holds is written in chunks, the review itself last, so it is read whole;
// a workspace's review holds the grants whose subject is that workspace.
func TestReview_R28_LargeScopeWrittenInChunks(t *testing.T) {
	f := newFixture(t)
	admin := access.NewPrincipal("boss", "t1", access.RoleTenantAdmin)
	envs := []access.Env{access.EnvProd, access.EnvDev}
	for batch := range 5 { // 5 bulk grants of 10 users in 2 envs: 100 grants
		var subs []access.Subject
		for i := range 10 {
			subs = append(subs, access.Subject{Type: access.SubjectUser, ID: fmt.Sprintf("u%02d", batch*10+i), TenantID: "t1"})
		}
		if _, err := f.svc.GrantOn(f.ctx, act(admin), access.APIResource("api1"), access.GrantInput{Subjects: subs, Envs: envs, Validity: access.Validity{Type: access.Unlimited}}); err != nil {
			t.Fatalf("bulk grant %d: %v", batch, err)
		}
	}
	ws := f.grant(admin, "api1", grantIn(wsSubject("w1"), access.Validity{Type: access.Unlimited}))
	r := f.startReview(admin, access.APIResource("api1"), f.at().Add(time.Hour), access.DecisionKeep)
	if r.ItemCount != 101 {
		t.Fatalf("items: got %d, want 101", r.ItemCount)
	}
	n, next := 0, ""
	for {
		p := must3(t)(f.svc.ReviewReport(f.ctx, admin, r.ID, 100, next))
		n += len(p.Items)
		if next = p.Next; next == "" {
			break
		}
	}
	if n != 101 {
		t.Fatalf("report: got %d items, want 101", n)
	}
	wr := f.startReview(access.NewPrincipal("o", "t1", "ws:w1:owner"), access.Resource{Type: access.ResourceWorkspace, ID: "w1"}, f.at().Add(time.Hour), access.DecisionRevoke)
	p := must3(t)(f.svc.ReviewReport(f.ctx, admin, wr.ID, 10, ""))
	if wr.ItemCount != 1 || len(p.Items) != 1 || p.Items[0].GrantID != ws.ID {
		t.Fatalf("workspace review: got %+v, %+v", wr, p.Items)
	}
	if _, err := f.svc.StartReview(f.ctx, act(reviewer), access.StartReviewInput{Scope: access.Resource{Type: access.ResourceWorkspace, ID: "w1"}, DueAt: &r.DueAt, IfNotReviewed: access.DecisionKeep}); !access.IsCode(err, access.CodeForbidden) {
		t.Fatalf("a reviewer of another workspace reviews w1: got %v", err)
	}
}

// TestReview_R28_ConcurrentDecisionsOneWins: two reviewers decide the same item at
// once; the item's version condition lets exactly one through, the other is 409.
func TestReview_R28_ConcurrentDecisionsOneWins(t *testing.T) {
	f := newFixture(t)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited}))
	r := f.startReview(reviewer, access.APIResource("api1"), f.at().Add(time.Hour), access.DecisionKeep)
	errs := make(chan error, 2)
	for _, d := range []access.ReviewDecision{access.DecisionKeep, access.DecisionRevoke} {
		go func() {
			_, err := f.svc.DecideReviewItem(f.ctx, act(reviewer), r.ID, g.ID, access.DecideInput{Decision: d})
			errs <- err
		}()
	}
	won, lost := 0, 0
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			won++
		case access.IsCode(err, access.CodeReviewItemDecided):
			lost++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("won %d, lost %d; want one each", won, lost)
	}
}

// TestReview_R28_CloseStepUnpublishedIsGone: the default REVOKE of a grant whose API
// has moved on to another generation (unpublished since the start, R4) writes nothing
// to it and records it GONE.
func TestReview_R28_CloseStepUnpublishedIsGone(t *testing.T) {
	due := reviewT0.Add(time.Hour)
	g := access.Grant{ID: "g1", Resource: access.APIResource("api1"), APIID: "api1", TenantID: "t1", Subject: appSubject("a"),
		Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage}, CreatedAt: reviewT0, Version: 1, Generation: 1}
	it := access.ReviewItem{ReviewID: "r1", GrantID: "g1", Resource: g.Resource, Subject: g.Subject, Env: g.Env, Version: 1}
	for name, gens := range map[string]map[access.Resource]int64{
		"unpublished (absent)": {},
		"next generation":      {access.APIResource("api1"): 2},
	} {
		c := access.ReviewCloseStep(openReview(due, access.DecisionRevoke), []access.ReviewItem{it}, []access.Grant{g}, gens, "", due, time.Hour, nil)
		if len(c.Writes) != 2 || c.Writes[0].ReviewItem == nil || c.Writes[0].ReviewItem.Outcome != access.OutcomeGone {
			t.Fatalf("%s: got %+v, want the item GONE and no grant write", name, c.Writes)
		}
	}
}
