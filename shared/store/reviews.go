package store

import (
	"context"
	"time"

	"gatepass/shared/access"
)

// reviewRetention is how long a review and its items (its report) are kept after its
// due date, as long as the audit.
const reviewRetention = auditRetention

// reviewItem is an access review (R28). While it is open it is in GSI2's due bucket of
// its next reminder or its due date, so the schedules read one item per due review.
type reviewItem struct {
	key
	GSI1PK        string `dynamodbav:"GSI1PK"`
	GSI1SK        string `dynamodbav:"GSI1SK"`
	GSI2PK        string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK        string `dynamodbav:"GSI2SK,omitempty"`
	Type          string `dynamodbav:"type"`
	TTL           int64  `dynamodbav:"ttl"`
	ReviewID      string `dynamodbav:"review_id"`
	TenantID      string `dynamodbav:"tenant_id"`
	WorkspaceID   string `dynamodbav:"workspace_id"`
	ScopeType     string `dynamodbav:"scope_type"`
	ScopeID       string `dynamodbav:"scope_id"`
	IfNotReviewed string `dynamodbav:"if_not_reviewed"`
	DueAt         string `dynamodbav:"due_at"`
	Reason        string `dynamodbav:"reason"`
	CreatorID     string `dynamodbav:"creator_id"`
	CreatedAt     string `dynamodbav:"created_at"`
	Status        string `dynamodbav:"status"`
	ItemCount     int    `dynamodbav:"item_count"`
	ClosedAt      string `dynamodbav:"closed_at,omitempty"`
	Reminded      []int  `dynamodbav:"reminded"`
	Cursor        string `dynamodbav:"cursor,omitempty"`
	Due           string `dynamodbav:"due,omitempty"`
	Version       int64  `dynamodbav:"version"`
}

func newReviewItem(r access.Review) reviewItem {
	it := reviewItem{
		key: reviewKey(r.ID), Type: TypeReview, TTL: ttlAt(r.DueAt.Add(reviewRetention)),
		ReviewID: r.ID, TenantID: r.TenantID, WorkspaceID: r.WorkspaceID, ScopeType: string(r.Scope.Type), ScopeID: r.Scope.ID,
		IfNotReviewed: string(r.IfNotReviewed), DueAt: fmtTime(r.DueAt), Reason: r.Reason, CreatorID: r.CreatorID,
		CreatedAt: fmtTime(r.CreatedAt), Status: string(r.Status), ItemCount: r.ItemCount, ClosedAt: fmtOptTime(r.ClosedAt),
		Reminded: r.Reminded, Cursor: r.Cursor, Due: fmtOptTime(r.Due), Version: r.Version,
	}
	if it.Reminded == nil {
		it.Reminded = []int{}
	}
	it.GSI1PK, it.GSI1SK = splitKey(reviewGSI1(r.TenantID, r.WorkspaceID, r.CreatedAt, r.ID))
	if r.Due != nil && r.Status == access.ReviewOpen {
		it.GSI2PK, it.GSI2SK = splitKey(dueGSI2(*r.Due, it.key))
	}
	return it
}

func (it reviewItem) review() (access.Review, error) {
	var p timeParser
	r := access.Review{
		ID: it.ReviewID, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID,
		Scope:         access.Resource{Type: access.ResourceType(it.ScopeType), ID: it.ScopeID},
		IfNotReviewed: access.ReviewDecision(it.IfNotReviewed), DueAt: p.at(it.DueAt), Reason: it.Reason,
		CreatorID: it.CreatorID, CreatedAt: p.at(it.CreatedAt), Status: access.ReviewStatus(it.Status),
		ItemCount: it.ItemCount, ClosedAt: p.opt(it.ClosedAt), Reminded: it.Reminded, Cursor: it.Cursor,
		Due: p.opt(it.Due), Version: it.Version,
	}
	return r, p.err
}

// reviewEntryItem is one grant under review and its decision (R28), in its review's
// partition by grant id. It copies what the report shows of the grant at the start.
type reviewEntryItem struct {
	key
	Type          string              `dynamodbav:"type"`
	TTL           int64               `dynamodbav:"ttl"`
	ReviewID      string              `dynamodbav:"review_id"`
	GrantID       string              `dynamodbav:"grant_id"`
	ResourceType  access.ResourceType `dynamodbav:"resource_type"`
	ResourceID    string              `dynamodbav:"resource_id"`
	APIID         string              `dynamodbav:"api_id,omitempty"`
	SubjectType   access.SubjectType  `dynamodbav:"subject_type"`
	SubjectID     string              `dynamodbav:"subject_id"`
	SubjectTenant string              `dynamodbav:"subject_tenant_id"`
	Env           access.Env          `dynamodbav:"env,omitempty"`
	EndTime       string              `dynamodbav:"end_time,omitempty"`
	Decision      string              `dynamodbav:"decision,omitempty"`
	Outcome       string              `dynamodbav:"outcome,omitempty"`
	DecidedBy     string              `dynamodbav:"decided_by,omitempty"`
	DecidedAt     string              `dynamodbav:"decided_at,omitempty"`
	Reason        string              `dynamodbav:"reason,omitempty"`
	CancelAt      string              `dynamodbav:"cancel_at,omitempty"`
	Version       int64               `dynamodbav:"version"`
	DueAt         string              `dynamodbav:"review_due_at"` // the review's: the item is kept as long as it
}

func newReviewEntryItem(e access.ReviewItem) reviewEntryItem {
	return reviewEntryItem{
		key: reviewEntryKey(e.ReviewID, e.GrantID), Type: TypeReviewItem,
		TTL:      ttlAt(e.DueAt.Add(reviewRetention)), // as long as its review
		ReviewID: e.ReviewID, GrantID: e.GrantID, ResourceType: e.Resource.Type, ResourceID: e.Resource.ID, APIID: e.APIID,
		SubjectType: e.Subject.Type, SubjectID: e.Subject.ID, SubjectTenant: e.Subject.TenantID, Env: e.Env,
		EndTime: fmtOptTime(e.EndTime), Decision: string(e.Decision), Outcome: string(e.Outcome), DecidedBy: e.DecidedBy,
		DecidedAt: fmtOptTime(e.DecidedAt), Reason: e.Reason, CancelAt: fmtOptTime(e.CancelAt), Version: e.Version,
		DueAt: fmtTime(e.DueAt),
	}
}

func (it reviewEntryItem) entry() (access.ReviewItem, error) {
	var p timeParser
	e := access.ReviewItem{
		ReviewID: it.ReviewID, GrantID: it.GrantID, Resource: access.Resource{Type: it.ResourceType, ID: it.ResourceID},
		APIID: it.APIID, Subject: access.Subject{Type: it.SubjectType, ID: it.SubjectID, TenantID: it.SubjectTenant},
		Env: it.Env, EndTime: p.opt(it.EndTime), Decision: access.ReviewDecision(it.Decision), Outcome: access.ReviewOutcome(it.Outcome),
		DecidedBy: it.DecidedBy, DecidedAt: p.opt(it.DecidedAt), Reason: it.Reason, CancelAt: p.opt(it.CancelAt), Version: it.Version,
		DueAt: p.at(it.DueAt),
	}
	return e, p.err
}

// GetReview reads a review (R28), strongly consistent; NotFound.Review when absent
// (also while a review is being started: its items come first).
func (s *Store) GetReview(ctx context.Context, id string) (access.Review, error) {
	const op = "store.get_review"
	var it reviewItem
	ok, err := s.getItem(ctx, op, reviewKey(id), &it)
	if err != nil {
		return access.Review{}, err
	}
	if !ok {
		return access.Review{}, notFound(op, access.CodeNotFoundReview, "review "+id)
	}
	r, err := it.review()
	if err != nil {
		return access.Review{}, internal(op, err)
	}
	return r, nil
}

// GetReviewItem reads one item of a review; NotFound.Grant when the grant is not in it.
func (s *Store) GetReviewItem(ctx context.Context, reviewID, grantID string) (access.ReviewItem, error) {
	const op = "store.get_review_item"
	var it reviewEntryItem
	ok, err := s.getItem(ctx, op, reviewEntryKey(reviewID, grantID), &it)
	if err != nil {
		return access.ReviewItem{}, err
	}
	if !ok {
		return access.ReviewItem{}, notFound(op, access.CodeNotFoundGrant, "grant "+grantID+" of review "+reviewID)
	}
	e, err := it.entry()
	if err != nil {
		return access.ReviewItem{}, internal(op, err)
	}
	return e, nil
}

// ReviewItems pages through a review's items by grant id: one Query of its partition.
// The token is the last item's key, bound to this review.
func (s *Store) ReviewItems(ctx context.Context, reviewID string, pageSize int, next string) (access.ReviewItemPage, error) {
	const op = "store.review_items"
	if err := checkPageSize(op, pageSize); err != nil {
		return access.ReviewItemPage{}, err
	}
	l := listing{name: "review_items", pk: reviewPartition(reviewID), skPrefix: skReviewItem}
	start, err := l.decode(op, next)
	if err != nil {
		return access.ReviewItemPage{}, err
	}
	in, err := s.queryInput("", keyCond(AttrPK, l.pk).And(keyPrefix(AttrSK, l.skPrefix)), nil, true)
	if err != nil {
		return access.ReviewItemPage{}, internal(op, err)
	}
	in.ExclusiveStartKey = start
	found, tok, err := s.queryPage(ctx, op, l, in, pageSize)
	if err != nil {
		return access.ReviewItemPage{}, err
	}
	items, err := decodeAll(op, found, reviewEntryItem.entry)
	if err != nil {
		return access.ReviewItemPage{}, err
	}
	return access.ReviewItemPage{Items: items, Next: tok}, nil
}

// reviewsPartition is a workspace's reviews in GSI1 (R28).
func reviewsPartition(tenantID, workspaceID string) string {
	pk, _ := splitKey(reviewGSI1(tenantID, workspaceID, time.Time{}, ""))
	return pk
}

var gsi1 = &gsi{IndexGSI1, AttrGSI1PK, AttrGSI1SK}

// ReviewsByWorkspace pages through a workspace's reviews, newest first (GSI1). The
// token is the last review's index sort key, bound to this workspace's listing.
func (s *Store) ReviewsByWorkspace(ctx context.Context, tenantID, workspaceID string, pageSize int, next string) (access.ReviewPage, error) {
	const op = "store.reviews_by_workspace"
	pk := reviewsPartition(tenantID, workspaceID)
	l := mergedListing{name: "reviews", log: pk, index: gsi1, partitions: []string{pk}}
	items, tok, err := pageOf(ctx, s, op, l, pageSize, next, reviewItem.review)
	if err != nil {
		return access.ReviewPage{}, err
	}
	return access.ReviewPage{Items: items, Next: tok}, nil
}
