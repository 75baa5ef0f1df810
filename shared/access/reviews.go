package access

import (
	"context"
	"slices"
	"time"
)

// R28: access reviews. A reviewer starts a review of an API, a service unit or a
// workspace's granted APIs; every grant in force at the start becomes an item that a
// reviewer decides KEEP or REVOKE before the due date; at the due date the schedules
// apply the review's if_not_reviewed to the items left undecided and close it.

// ReviewDecision is what is decided for a grant under review.
type ReviewDecision string

const (
	DecisionKeep   ReviewDecision = "KEEP"
	DecisionRevoke ReviewDecision = "REVOKE"
)

// ReviewStatus is a review's state: OPEN until the schedules close it after its due date.
type ReviewStatus string

const (
	ReviewOpen   ReviewStatus = "OPEN"
	ReviewClosed ReviewStatus = "CLOSED"
)

// ReviewOutcome is what a decision did to the grant.
type ReviewOutcome string

const (
	OutcomeKept                  ReviewOutcome = "KEPT"
	OutcomeCancellationScheduled ReviewOutcome = "CANCELLATION_SCHEDULED" // R7's notice runs
	OutcomeRevoked               ReviewOutcome = "REVOKED"                // no notice was owed (notice 0, or a grant not yet started)
	OutcomeAlreadyPending        ReviewOutcome = "CANCELLATION_ALREADY_PENDING"
	OutcomeGone                  ReviewOutcome = "GONE"      // the grant was no longer in force
	OutcomeProtected             ReviewOutcome = "PROTECTED" // R10: the default REVOKE left a protected grant in force
)

// ResourceWorkspace names a workspace as a review's scope (R28); never a grant's resource.
const ResourceWorkspace ResourceType = "WORKSPACE"

// Error codes of R28.
const (
	CodeNotFoundReview    = "NotFound.Review"
	CodeReviewClosed      = "Conflict.ReviewClosed"
	CodeReviewItemDecided = "Conflict.ReviewItemDecided"
	CodeDueTime           = "InvalidParameter.DueTime"
	CodeIfNotReviewed     = "InvalidParameter.IfNotReviewed"
	CodeDecision          = "InvalidParameter.Decision"
)

// Events of R28.
const (
	EventReviewStarted     = "Review Started"
	EventReviewDueSoon     = "Review Due Soon"
	EventReviewItemDecided = "Review Item Decided"
	EventReviewClosed      = "Review Closed"
)

// ActorReviews is the actor of what the schedules do to a review.
const ActorReviews = "system:reviews"

// OpReviewSweep is the operation of the schedules' review changes.
const OpReviewSweep = "jobs.reviews"

// Bounds of a review.
const (
	// MaxReviewItems is the most grants one review holds: a larger scope is reviewed
	// by unit or by workspace.
	MaxReviewItems = 2000
	// MaxReviewDueDays bounds how far ahead a due date lies.
	MaxReviewDueDays = 365
	// reviewChunk is the items written per transaction when a review starts; the last
	// chunk goes with the review itself, so a review is visible only once complete.
	reviewChunk = 95
	// MaxReviewCloseBatch is the items one closing step of the schedules decides: a
	// revocation writes the grant, its GrantRef, the item and an audit entry, and the
	// step also writes the review (and its Review Closed entry): 4*22+2 ≤ 100.
	MaxReviewCloseBatch = 22
)

// Review is an access review (R28).
type Review struct {
	ID            string         `json:"review_id"`
	TenantID      string         `json:"tenant_id"`
	WorkspaceID   string         `json:"workspace_id"` // whose reviewers decide
	Scope         Resource       `json:"scope"`        // {type: API|SERVICE_UNIT|WORKSPACE, id}
	IfNotReviewed ReviewDecision `json:"if_not_reviewed"`
	DueAt         time.Time      `json:"due_at"`
	Reason        string         `json:"reason,omitempty"`
	CreatorID     string         `json:"creator_id"`
	CreatedAt     time.Time      `json:"created_at"`
	Status        ReviewStatus   `json:"status"`
	ItemCount     int            `json:"item_count"`
	ClosedAt      *time.Time     `json:"closed_at,omitempty"`
	Version       int64          `json:"version"`
	// Reminded holds the thresholds (REMINDER_DAYS) already announced (Review Due Soon).
	Reminded []int `json:"-"`
	// Cursor is where the closing sweep stopped in the items (an opaque store token).
	Cursor string `json:"-"`
	// Due is when the schedules next have work on the review (a reminder, the due
	// date); nil once closed. The store indexes it in the due buckets (GSI2).
	Due *time.Time `json:"-"`
}

// ReviewItem is one grant under review and its decision.
type ReviewItem struct {
	ReviewID  string         `json:"review_id"`
	GrantID   string         `json:"grant_id"`
	Resource  Resource       `json:"resource"`
	APIID     string         `json:"api_id,omitempty"`
	Subject   Subject        `json:"subject"`
	Env       Env            `json:"env,omitempty"`
	EndTime   *time.Time     `json:"end_time"` // the grant's end at the start
	Decision  ReviewDecision `json:"decision,omitempty"`
	Outcome   ReviewOutcome  `json:"outcome,omitempty"`
	DecidedBy string         `json:"decided_by,omitempty"`
	DecidedAt *time.Time     `json:"decided_at,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	CancelAt  *time.Time     `json:"cancel_at,omitempty"` // when the revocation takes effect
	Version   int64          `json:"version"`
	// DueAt is the review's due date: the item is kept as long as the review.
	DueAt time.Time `json:"-"`
}

// Key is the slot of the item's grant.
func (it ReviewItem) Key() GrantKey { return SlotOf(it.Resource, it.Env, it.Subject) }

// ReviewItemPage is a page of a review's items, by grant id.
type ReviewItemPage struct {
	Items []ReviewItem
	Next  string
}

// ReviewPage is a page of a workspace's reviews, newest first.
type ReviewPage struct {
	Items []Review
	Next  string
}

// ReviewReader reads reviews (R28). A missing review is NotFound.Review, a missing
// item NotFound.Grant; ReviewItems pages by grant id (pageSize 1–100).
type ReviewReader interface {
	GetReview(ctx context.Context, id string) (Review, error)
	GetReviewItem(ctx context.Context, reviewID, grantID string) (ReviewItem, error)
	ReviewItems(ctx context.Context, reviewID string, pageSize int, next string) (ReviewItemPage, error)
	// ReviewsByWorkspace pages through a workspace's reviews, newest first.
	ReviewsByWorkspace(ctx context.Context, tenantID, workspaceID string, pageSize int, next string) (ReviewPage, error)
}

// StartReviewInput is the body of POST /v1/reviews.
type StartReviewInput struct {
	Scope         Resource       `json:"scope"`
	DueAt         *time.Time     `json:"due_at"`
	IfNotReviewed ReviewDecision `json:"if_not_reviewed"`
	Reason        string         `json:"reason"`
}

// DecideInput is the body of POST /v1/reviews/{review_id}/items/{grant_id}/decision.
type DecideInput struct {
	Decision ReviewDecision `json:"decision"`
	Reason   string         `json:"reason"`
}

// CheckReviewStart is R28's validation of a new review at now: a due date in the
// future, at most MaxReviewDueDays ahead; an explicit if_not_reviewed; a reason (R13).
func CheckReviewStart(op string, in StartReviewInput, now time.Time) error {
	if err := CheckReason(op, in.Reason); err != nil {
		return err
	}
	switch in.Scope.Type {
	case ResourceAPI, ResourceServiceUnit, ResourceWorkspace:
	default:
		return invalid(op, CodeInvalid, "scope.type must be API, SERVICE_UNIT or WORKSPACE")
	}
	if err := CheckID(op, "scope.id", in.Scope.ID); err != nil {
		return err
	}
	if in.IfNotReviewed != DecisionKeep && in.IfNotReviewed != DecisionRevoke {
		return invalid(op, CodeIfNotReviewed, "if_not_reviewed must be KEEP or REVOKE")
	}
	if in.DueAt == nil || !in.DueAt.After(now) {
		return invalid(op, CodeDueTime, "due_at must lie in the future")
	}
	if in.DueAt.After(now.Add(MaxReviewDueDays * dayLength)) {
		return invalid(op, CodeDueTime, "due_at must lie at most %d days ahead", MaxReviewDueDays)
	}
	return nil
}

// NextDue is when the schedules next have work on r: the earliest reminder threshold
// (days before due_at) not yet announced that lies after the start, else due_at; nil
// once closed (R28, as R16 for grants).
func (r Review) NextDue(days []int) *time.Time {
	if r.Status != ReviewOpen {
		return nil
	}
	due := r.DueAt
	for _, d := range days {
		at := r.DueAt.Add(-time.Duration(d) * dayLength)
		if at.After(r.CreatedAt) && !slices.Contains(r.Reminded, d) && at.Before(due) {
			due = at
		}
	}
	return &due
}

// Open reports whether r still takes decisions at now: OPEN and before its due date.
func (r Review) Open(now time.Time) bool { return r.Status == ReviewOpen && now.Before(r.DueAt) }

func reviewAudit(action string, r Review, actor, reason string, now time.Time) AuditEntry {
	e := AuditEntry{ID: newID(now), Action: action, At: now, TenantID: r.TenantID, Actor: actor, Reason: reason,
		ReviewID: r.ID, WorkspaceID: r.WorkspaceID}
	scope := r.Scope
	switch scope.Type {
	case ResourceAPI:
		e.APIID = scope.ID
	case ResourceWorkspace:
		scope = Resource{Type: ResourceTenant, ID: r.TenantID} // filed under the tenant
	}
	e.Resource = &scope
	return e
}

func reviewItemAudit(it ReviewItem, r Review, actor string, now time.Time) AuditEntry {
	e := reviewAudit(EventReviewItemDecided, r, actor, it.Reason, now)
	sub := it.Subject
	e.GrantID, e.Subject, e.Env, e.Decision, e.CancelAt = it.GrantID, &sub, it.Env, it.Decision, it.CancelAt
	return e
}

// R28: StartReview starts a review of the grants in force now on an API or a unit, or
// of a workspace's grants (those whose subject is the workspace, on resources of its
// own tenant), by a reviewer of the scope's workspace. The items are written in chunks
// of reviewChunk, the review itself with the last chunk and its Review Started entry:
// until that transaction commits the review does not exist (GetReview is NotFound), so
// a start that fails half way leaves only unreachable items, which expire.
func (s *Service) StartReview(ctx context.Context, a Actor, in StartReviewInput) (Review, error) {
	const op = "review.start"
	now := s.now()
	if err := CheckReviewStart(op, in, now); err != nil {
		return Review{}, err
	}
	r := Review{
		ID: newID(now), TenantID: a.TenantID, Scope: in.Scope, IfNotReviewed: in.IfNotReviewed, DueAt: in.DueAt.UTC(),
		Reason: in.Reason, CreatorID: a.Sub, CreatedAt: now, Status: ReviewOpen, Version: 1,
	}
	var grants []Grant
	switch in.Scope.Type {
	case ResourceWorkspace:
		if _, err := s.Store.GetWorkspace(ctx, a.TenantID, in.Scope.ID); err != nil {
			return Review{}, notFoundUnless(op, err, CodeNotFoundWorkspace, "workspace %s", in.Scope.ID)
		}
		r.WorkspaceID = in.Scope.ID
		if !a.IsReviewer(a.TenantID, r.WorkspaceID) {
			return Review{}, E(op, CodeForbidden, "only a reviewer of workspace %s may review its grants", r.WorkspaceID)
		}
		var err error
		if grants, err = s.workspaceGrantsInForce(ctx, op, a.TenantID, in.Scope.ID, now); err != nil {
			return Review{}, err
		}
	default:
		t, err := s.visibleTarget(ctx, op, a.Principal, in.Scope)
		if err != nil {
			return Review{}, err
		}
		r.WorkspaceID = t.WorkspaceID
		if !t.reviews(a.Principal) {
			return Review{}, E(op, CodeForbidden, "only a reviewer of workspace %s may review its grants", t.WorkspaceID)
		}
		if grants, err = s.resourceGrantsInForce(ctx, t, now); err != nil {
			return Review{}, err
		}
	}
	if len(grants) > MaxReviewItems {
		return Review{}, invalid(op, CodeTooMany, "%d grants in force; a review holds at most %d (review by unit or workspace)", len(grants), MaxReviewItems)
	}
	items := make([]ReviewItem, len(grants))
	for i, g := range grants {
		items[i] = ReviewItem{ReviewID: r.ID, GrantID: g.ID, Resource: g.On(), APIID: g.APIID, Subject: g.Subject, Env: g.Env,
			EndTime: g.EndTime, Version: 1, DueAt: r.DueAt}
	}
	r.ItemCount = len(items)
	r.Due = r.NextDue(s.ReminderDays)
	for len(items) > reviewChunk {
		c := Change{Op: op}
		for i := range items[:reviewChunk] {
			c.Writes = append(c.Writes, Write{ReviewItem: &items[i], Cond: Cond{Kind: CondAbsent}})
		}
		if err := s.Store.Commit(ctx, c); err != nil {
			return Review{}, withOp(op, err)
		}
		items = items[reviewChunk:]
	}
	c := Change{Op: op, Writes: []Write{{Review: &r, Cond: Cond{Kind: CondAbsent}}},
		Audit: []AuditEntry{reviewAudit(EventReviewStarted, r, a.Sub, in.Reason, now)}}
	for i := range items {
		c.Writes = append(c.Writes, Write{ReviewItem: &items[i], Cond: Cond{Kind: CondAbsent}})
	}
	if err := s.commit(ctx, a, c, r); err != nil {
		return Review{}, err
	}
	return r, nil
}

// resourceGrantsInForce reads every grant of t in force at now, all pages.
func (s *Service) resourceGrantsInForce(ctx context.Context, t target, now time.Time) ([]Grant, error) {
	var out []Grant
	next := ""
	for {
		p, err := s.Store.GrantsByResource(ctx, t.Resource, 100, next)
		if err != nil {
			return nil, err
		}
		for _, g := range p.Items {
			if g.InForce(now, t.Generation) {
				t.name(&g)
				out = append(out, g)
			}
		}
		if p.Next == "" {
			return out, nil
		}
		next = p.Next
	}
}

// workspaceGrantsInForce reads the grants in force at now whose subject is workspace
// ws of tenant, on APIs and units of that tenant (grants of another tenant's resources
// are that tenant's to review).
func (s *Service) workspaceGrantsInForce(ctx context.Context, op, tenant, ws string, now time.Time) ([]Grant, error) {
	all, err := s.Store.GrantsBySubject(ctx, Subject{Type: SubjectWorkspace, ID: ws, TenantID: tenant})
	if err != nil {
		return nil, err
	}
	targets := map[Resource]*target{}
	var out []Grant
	for _, g := range all {
		if g.TenantID != tenant || g.Subject.TenantID != tenant {
			continue
		}
		r := g.On()
		t, ok := targets[r]
		if !ok {
			tt, live, err := s.loadTarget(ctx, op, r)
			if err != nil && ErrorKind(err) != NotFound {
				return nil, err
			}
			if err == nil && live {
				t = &tt
			}
			targets[r] = t
		}
		if t != nil && g.InForce(now, t.Generation) {
			out = append(out, g)
		}
	}
	return out, nil
}

// GetReview reads a review of the caller's tenant, for a reviewer of its workspace.
func (s *Service) GetReview(ctx context.Context, p Principal, id string) (Review, error) {
	const op = "review.get"
	return s.reviewFor(ctx, op, p, id)
}

func (s *Service) reviewFor(ctx context.Context, op string, p Principal, id string) (Review, error) {
	if err := CheckID(op, "review_id", id); err != nil {
		return Review{}, err
	}
	r, err := s.Store.GetReview(ctx, id)
	if err != nil {
		return Review{}, notFoundUnless(op, err, CodeNotFoundReview, "review %s", id)
	}
	if r.TenantID != p.TenantID {
		return Review{}, E(op, CodeNotFoundReview, "review %s not found", id)
	}
	if !p.IsReviewer(r.TenantID, r.WorkspaceID) {
		return Review{}, E(op, CodeForbidden, "only a reviewer of workspace %s may read or decide its reviews", r.WorkspaceID)
	}
	return r, nil
}

// ListReviews pages through the reviews of a workspace of the caller's tenant, newest
// first, for a reviewer of that workspace.
func (s *Service) ListReviews(ctx context.Context, p Principal, workspaceID string, pageSize int, next string) (ReviewPage, error) {
	const op = "review.list"
	if err := CheckID(op, "workspace_id", workspaceID); err != nil {
		return ReviewPage{}, err
	}
	if !p.IsReviewer(p.TenantID, workspaceID) {
		return ReviewPage{}, E(op, CodeForbidden, "only a reviewer of workspace %s may list its reviews", workspaceID)
	}
	page, err := s.Store.ReviewsByWorkspace(ctx, p.TenantID, workspaceID, pageSize, next)
	if err != nil {
		return ReviewPage{}, withOp(op, err)
	}
	return page, nil
}

// ReviewReport pages through a review's items (its report): decisions, who, when and
// what was revoked, by grant id.
func (s *Service) ReviewReport(ctx context.Context, p Principal, id string, pageSize int, next string) (Review, ReviewItemPage, error) {
	const op = "review.report"
	r, err := s.reviewFor(ctx, op, p, id)
	if err != nil {
		return Review{}, ReviewItemPage{}, err
	}
	page, err := s.Store.ReviewItems(ctx, id, pageSize, next)
	if err != nil {
		return Review{}, ReviewItemPage{}, withOp(op, err)
	}
	return r, page, nil
}

// R28: DecideReviewItem records a reviewer's KEEP or REVOKE of one item while the
// review is open, once (409 Conflict.ReviewItemDecided after), under If-Match on the
// item's version. REVOKE is the API side's cancellation with R7's notice, in the same
// transaction as the decision; a protected grant is 403 (R10); a grant no longer in
// force, or whose cancellation is already pending, is recorded as such.
func (s *Service) DecideReviewItem(ctx context.Context, a Actor, reviewID, grantID string, in DecideInput) (ReviewItem, error) {
	const op = "review.decide"
	if err := CheckReason(op, in.Reason); err != nil {
		return ReviewItem{}, err
	}
	if in.Decision != DecisionKeep && in.Decision != DecisionRevoke {
		return ReviewItem{}, invalid(op, CodeDecision, "decision must be KEEP or REVOKE")
	}
	if err := CheckID(op, "grant_id", grantID); err != nil {
		return ReviewItem{}, err
	}
	r, err := s.reviewFor(ctx, op, a.Principal, reviewID)
	if err != nil {
		return ReviewItem{}, err
	}
	now := s.now()
	if !r.Open(now) {
		return ReviewItem{}, E(op, CodeReviewClosed, "review %s was due at %s", r.ID, r.DueAt.Format(time.RFC3339))
	}
	it, err := s.Store.GetReviewItem(ctx, reviewID, grantID)
	if err != nil {
		return ReviewItem{}, notFoundUnless(op, err, CodeNotFoundGrant, "grant %s is not in review %s", grantID, reviewID)
	}
	if err := checkIfMatch(op, a, it.Version); err != nil {
		return ReviewItem{}, err
	}
	if it.Decision != "" {
		return ReviewItem{}, E(op, CodeReviewItemDecided, "grant %s was decided %s in review %s", grantID, it.Decision, reviewID)
	}
	next := it
	next.Decision, next.DecidedBy, next.DecidedAt, next.Reason, next.Version = in.Decision, a.Sub, &now, in.Reason, it.Version+1
	next.Outcome = OutcomeKept
	c := Change{Op: op}
	if in.Decision == DecisionRevoke {
		g, t, found, err := s.reviewedGrant(ctx, op, it)
		if err != nil {
			return ReviewItem{}, err
		}
		switch {
		case !found || (!g.InForce(now, t.Generation) && !g.scheduled(now)):
			next.Outcome = OutcomeGone
		case g.Protected:
			return ReviewItem{}, refuseProtected(op, g)
		case g.CancelAt != nil && g.CancelAt.After(now) && g.cancelsUsage():
			next.Outcome, next.CancelAt = OutcomeAlreadyPending, g.CancelAt
		default:
			res, audit, err := s.cancelOne(op, g, t, []Permission{PermUsage}, false, a.Sub, in.Reason, now)
			if err != nil {
				return ReviewItem{}, err
			}
			next.Outcome = OutcomeRevoked
			if res.Deferred {
				next.Outcome = OutcomeCancellationScheduled
				next.CancelAt = res.Grant.CancelAt
			}
			for i := range audit {
				audit[i].ReviewID = r.ID
			}
			c.Writes = append(c.Writes, Write{Grant: &res.Grant, Cond: Cond{Kind: CondVersion, Version: g.Version}})
			c.Audit = append(c.Audit, audit...)
		}
	}
	c.Writes = append(c.Writes, Write{ReviewItem: &next, Cond: Cond{Kind: CondVersion, Version: it.Version},
		OnFail: E(op, CodeReviewItemDecided, "grant %s was decided meanwhile in review %s", grantID, reviewID)})
	c.Audit = append(c.Audit, reviewItemAudit(next, r, a.Sub, now))
	if err := s.commit(ctx, a, c, next); err != nil {
		return ReviewItem{}, err
	}
	return next, nil
}

// reviewedGrant reads the grant an item names, in its slot; found is false when the
// slot is empty, holds another grant, or its resource is gone.
func (s *Service) reviewedGrant(ctx context.Context, op string, it ReviewItem) (Grant, target, bool, error) {
	g, err := s.Store.GetGrantAt(ctx, it.Key())
	if ErrorKind(err) == NotFound {
		return Grant{}, target{}, false, nil
	}
	if err != nil {
		return Grant{}, target{}, false, err
	}
	t, live, err := s.loadTarget(ctx, op, it.Resource)
	if ErrorKind(err) == NotFound || (err == nil && !live) {
		return Grant{}, target{}, false, nil
	}
	if err != nil {
		return Grant{}, target{}, false, err
	}
	return g, t, g.ID == it.GrantID, nil
}

// ReviewRemindChange builds the Review Due Soon announcements due on r at now: one per
// REMINDER_DAYS threshold reached before due_at and not yet announced (thresholds
// already past at the start are skipped; a late run catches up), conditional on the
// version read. ok is false when none is due.
func ReviewRemindChange(r Review, now time.Time, days []int) (c Change, next Review, ok bool) {
	if !r.Open(now) {
		return Change{}, r, false
	}
	next = r
	next.Reminded = slices.Clone(r.Reminded)
	c = Change{Op: OpReviewSweep}
	for _, d := range days {
		at := r.DueAt.Add(-time.Duration(d) * dayLength)
		if !at.After(r.CreatedAt) || at.After(now) || slices.Contains(r.Reminded, d) {
			continue
		}
		next.Reminded = append(next.Reminded, d)
		e := reviewAudit(EventReviewDueSoon, r, ActorReviews, "", now)
		e.ThresholdDays, e.EndTime = d, &r.DueAt
		c.Audit = append(c.Audit, e)
	}
	if len(c.Audit) == 0 {
		return Change{}, r, false
	}
	next.Version = r.Version + 1
	next.Due = next.NextDue(days)
	c.Writes = []Write{{Review: &next, Cond: Cond{Kind: CondVersion, Version: r.Version}}}
	return c, next, true
}

// ReviewCloseStep builds one bounded step of closing r once due (now at or after
// due_at): it applies if_not_reviewed to each undecided item of items (a page read
// from r.Cursor, next being the token after it): KEEP is recorded; REVOKE is the API
// side's cancellation with R7's notice counted from due_at (at once with a notice of 0
// or a grant not yet started), conditional on the grant's version, with its audit
// entry; a grant gone (absent from grants, or not in force) or protected (R10) is
// recorded as such; generations are the live resources' (R4, R23: a grant of an
// unpublished API or a deleted unit is gone). The review moves its cursor on to next, or is CLOSED with a
// Review Closed entry when next is "". All of it is one transaction, conditional on
// the review's version, so a step that fails or runs twice decides nothing twice.
func ReviewCloseStep(r Review, items []ReviewItem, grants []Grant, generations map[Resource]int64, next string, now time.Time, notice time.Duration, days []int) Change {
	c := Change{Op: OpReviewSweep}
	at := r.DueAt
	byID := map[string]Grant{}
	for _, g := range grants {
		byID[g.ID] = g
	}
	for _, it := range items {
		if it.Decision != "" {
			continue
		}
		d := it
		d.Decision, d.DecidedBy, d.DecidedAt, d.Version = r.IfNotReviewed, ActorReviews, &at, it.Version+1
		d.Reason = "not reviewed by " + at.Format(time.RFC3339)
		d.Outcome = OutcomeKept
		if r.IfNotReviewed == DecisionRevoke {
			g, found := byID[it.GrantID]
			gen, live := generations[it.Resource]
			switch {
			case !found || !live || (!g.InForce(at, gen) && !g.scheduled(at)) || g.RevokedAt != nil:
				d.Outcome = OutcomeGone
			case g.Protected:
				d.Outcome = OutcomeProtected
			case g.CancelAt != nil && g.cancelsUsage():
				d.Outcome, d.CancelAt = OutcomeAlreadyPending, g.CancelAt
			default:
				ng := g
				ng.Version, ng.ModifiedAt = g.Version+1, now
				event := EventGrantRevoked
				if notice == 0 || g.scheduled(at) {
					ng = revokeNow(ng, []Permission{PermUsage}, at, days)
					d.Outcome, d.CancelAt = OutcomeRevoked, &at
				} else {
					ca := at.Add(notice)
					ng.CancelAt, ng.CancelPermissions = &ca, []Permission{PermUsage}
					ng.Due = ng.NextDue(days)
					d.Outcome, d.CancelAt = OutcomeCancellationScheduled, &ca
					event = EventCancellationScheduled
				}
				e := grantAudit(event, ng, ActorReviews, d.Reason, now)
				e.ReviewID = r.ID
				c.Writes = append(c.Writes, Write{Grant: &ng, Cond: Cond{Kind: CondVersion, Version: g.Version}})
				c.Audit = append(c.Audit, e)
			}
		}
		c.Writes = append(c.Writes, Write{ReviewItem: &d, Cond: Cond{Kind: CondVersion, Version: it.Version}})
	}
	nr := r
	nr.Cursor, nr.Version = next, r.Version+1
	if next == "" {
		nr.Status, nr.ClosedAt = ReviewClosed, &now
		nr.Due = nil
		c.Audit = append(c.Audit, reviewAudit(EventReviewClosed, nr, ActorReviews, "", now))
	}
	c.Writes = append(c.Writes, Write{Review: &nr, Cond: Cond{Kind: CondVersion, Version: r.Version}})
	return c
}
