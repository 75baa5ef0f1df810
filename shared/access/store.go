package access

import (
	"context"
	"time"
)

// Clock tells the time; tests pass a fixed one.
type Clock func() time.Time

// Action is what a Write does to its item.
type Action uint8

const (
	ActionPut    Action = iota // create or replace the item
	ActionDelete               // delete the item
	ActionCheck                // only assert Cond (a ConditionCheck)
)

// CondKind is the condition a Write holds under; a failure cancels the whole change.
type CondKind uint8

const (
	CondNone          CondKind = iota
	CondAbsent                 // the item does not exist
	CondVersion                // the item exists with Version == Cond.Version
	CondReplaceable            // R3: the grant slot is absent, or its grant is not in force at Cond.Now (expired, revoked, of a generation other than Cond.Generation)
	CondPublished              // the API exists, is PUBLISHED and has Generation == Cond.Generation (R1); a unit: exists, not deleted, Generation == Cond.Generation
	CondAbsentOrOwned          // a lookup item (or a default-app lock) is absent or already points at the same target
	CondExists                 // the item exists (deletes of things that must be there)
)

// Cond is a write's condition.
type Cond struct {
	Kind       CondKind
	Version    int64
	Now        time.Time
	Generation int64
}

// Lookup is a base-table item that maps a secret or unique value to its owner:
// AppCode hash → app, API path → API, AppKey → app (with its sealed AppSecret). Read
// with strong consistency only.
type Lookup struct {
	Kind   LookupKind
	Value  string // the SHA-256 hex of an AppCode, an API path, or an AppKey
	Target string // app_id or api_id
	Sealed []byte // an AppKey's AppSecret, encrypted by the Sealer (never in plain text)
}

// LookupKind names the kinds of lookup item.
type LookupKind string

const (
	LookupAppCode LookupKind = "CODE"
	LookupPath    LookupKind = "PATH"
	LookupAppKey  LookupKind = "AKEY"
)

// GrantRef is the lookup item from a grant_id to its slot, so that routes naming a
// grant_id read one item instead of the API's whole partition.
type GrantRef struct {
	GrantID string
	Key     GrantKey
	TTL     time.Time // same retention as the grant
}

// CleanupTask records that a resource's grants of an older generation must be removed
// (R4 for an API, R23 for a deleted unit); the cancellations job works it off in
// bounded batches.
type CleanupTask struct {
	Resource   Resource
	TenantID   string
	Generation int64 // grants of generations below this are stale
	Actor      string
	Reason     string
	Due        time.Time
	Cursor     string // where the job stopped (an opaque store cursor)
}

// IdempotencyRecord is the first answer to a mutating request, replayed for the same
// (tenant, sub, key) within 24 hours (R17).
type IdempotencyRecord struct {
	TenantID    string
	Sub         string
	Key         string
	RequestHash string // SHA-256 of method, path and body
	Answer      []byte // as the adapter rendered it (Idem.Render); opaque here
	CreatedAt   time.Time
}

// DefaultAppLock is the item that makes an app its workspace's only default app (R21):
// written with CondAbsentOrOwned, deleted when the app stops being the default.
type DefaultAppLock struct {
	TenantID    string
	WorkspaceID string
	AppID       string
}

// Write is one item of a change. Exactly one of the item pointers is set.
type Write struct {
	Action   Action
	Cond     Cond
	API      *API
	App      *App
	Unit     *ServiceUnit
	Default  *DefaultAppLock
	Grant    *Grant
	GrantRef *GrantRef
	Request  *Request
	Lookup   *Lookup
	Cleanup  *CleanupTask
	Policy   *Policy // R26
	// Workspace is a directory entry (R29); with ActionCheck, the assertion that a
	// workspace is registered (Registered).
	Workspace *Workspace
	// Review and ReviewItem are an access review and one of its items (R28).
	Review     *Review
	ReviewItem *ReviewItem
	// OnFail is returned (with Op filled in) when Cond fails; nil means
	// Conflict.Concurrent.
	OnFail *Error
}

// Change is everything one operation writes: one TransactWriteItems, all or nothing,
// with one audit entry per changed grant (or other object) and the idempotency record.
type Change struct {
	Op     string
	Writes []Write
	Audit  []AuditEntry
	Idem   *IdempotencyRecord
}

// GrantPage is a page of grants read by cursor.
type GrantPage struct {
	Items []Grant
	Next  string // opaque; empty on the last page
}

// AuditPage is a page of audit entries, newest first.
type AuditPage struct {
	Items []AuditEntry
	Next  string
}

// DueItem is a grant, cleanup task or request due for work (GSI2 day buckets).
type DueItem struct {
	Grant   *Grant
	Cleanup *CleanupTask
	Request *Request // R27: a PENDING request at its expires_at
	Review  *Review  // R28: an open review at a reminder or its due date
}

// The ports below are what access needs from the table, one per use; shared/store
// implements them all. Unless a method says otherwise, errors are *Error values:
// Throttling.System (Throttled) or ServiceUnavailable (Unavailable) when DynamoDB
// throttles or is down, InternalError.System (Internal) for anything unexpected.

// Committer writes changes.
type Committer interface {
	// Commit writes a change as one transaction, all or nothing. A failed condition
	// returns its Write's OnFail (with the change's Op), or Conflict.Concurrent when the
	// Write has none.
	Commit(ctx context.Context, c Change) error
}

// Getter reads single items by key, strongly consistent. A missing item is NotFound
// (NotFound.Api, NotFound.App, NotFound.Request, NotFound.Grant).
type Getter interface {
	GetAPI(ctx context.Context, apiID string) (API, error)
	GetApp(ctx context.Context, appID string) (App, error)
	GetRequest(ctx context.Context, requestID string) (Request, error)
	// GetServiceUnit reads a unit, its tombstone included (check Live); NotFound.ServiceUnit
	// when no unit ever had the id.
	GetServiceUnit(ctx context.Context, unitID string) (ServiceUnit, error)
	// GetGrant reads a grant on r by id through its GrantRef; NotFound.Grant when the id
	// is unknown, is on another resource, or its slot now holds another grant.
	GetGrant(ctx context.Context, r Resource, grantID string) (Grant, error)
	// GetGrantAt reads the grant in a slot.
	GetGrantAt(ctx context.Context, key GrantKey) (Grant, error)
	// GetGrantsAt reads several slots in one BatchGetItem (absent slots are skipped,
	// never NotFound).
	GetGrantsAt(ctx context.Context, keys []GrantKey) ([]Grant, error)
}

// CheckReader is the check's read: one round trip to the table. Absent items are
// reported as absent, never as NotFound errors.
type CheckReader interface {
	// ReadCheck reads every item k names (the API, the app, the unit, the grant slots,
	// the AppCode and path lookups) in one strongly consistent BatchGetItem.
	ReadCheck(ctx context.Context, k CheckKeys) (CheckFound, error)
	// UseNonce records that a signed call used nonce with appKey, until until (its TTL);
	// Conflict with CodeNonceUsed when it was used already.
	UseNonce(ctx context.Context, appKey, nonce string, until time.Time) error
}

// CatalogLister lists APIs and apps. Lists are never NotFound: an empty list is empty.
type CatalogLister interface {
	// APIsByTenant lists a tenant's APIs, sorted by lower-case name then id.
	APIsByTenant(ctx context.Context, tenantID string) ([]API, error)
	// APIsByWorkspace lists a workspace's APIs (GSI1), sorted by lower-case name then id.
	APIsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]API, error)
	// APIsByIDs reads APIs in batches (absent ones skipped).
	APIsByIDs(ctx context.Context, ids []string) ([]API, error)
	// AppsByWorkspace lists a workspace's apps (GSI1), sorted by id.
	AppsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]App, error)
	// ServiceUnitsByWorkspace lists a workspace's live units (GSI1), sorted by id.
	ServiceUnitsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]ServiceUnit, error)
}

// GrantLister lists grants and audit entries. Paged methods return
// InvalidParameter.NextToken (Invalid) for a cursor that was not issued for that
// listing.
type GrantLister interface {
	// GrantsBySubject lists the grants whose subject is s, on every resource (GSI1);
	// s.TenantID matters for a USER only.
	GrantsBySubject(ctx context.Context, s Subject) ([]Grant, error)
	// GrantsByResource pages through one resource's grants newest first, pageSize at most 100.
	GrantsByResource(ctx context.Context, r Resource, pageSize int, next string) (GrantPage, error)
	// Audit pages through the audit of an API (scope "API"), app ("APP") or service
	// unit ("UNIT"), newest first.
	Audit(ctx context.Context, scope, id string, pageSize int, next string) (AuditPage, error)
}

// RequestLister lists requests (never NotFound).
type RequestLister interface {
	// RequestsByWorkspace lists a workspace's requests, optionally of one status.
	RequestsByWorkspace(ctx context.Context, tenantID, workspaceID string, status RequestStatus) ([]Request, error)
	// RequestsByApp lists an app's requests.
	RequestsByApp(ctx context.Context, appID string) ([]Request, error)
	// RequestsByRequester lists the requests a person (tenant, sub) made.
	RequestsByRequester(ctx context.Context, tenantID, sub string) ([]Request, error)
}

// Idempotency reads the first answers to mutating requests (R17).
type Idempotency interface {
	// GetIdempotency returns NotFound when no answer is recorded for the key.
	GetIdempotency(ctx context.Context, tenant, sub, key string) (IdempotencyRecord, error)
}

// DueSweep is the scheduled jobs' read of what is due (GSI2 day buckets) and their
// writes. The cursor of StaleGrants is opaque; a forged one is InvalidParameter.NextToken.
type DueSweep interface {
	Committer
	// DuePage lists up to limit grants and cleanup tasks whose Due lies in [from, to],
	// and an opaque cursor for the next page (empty when none is left). Pages follow
	// the index's buckets (days in order; each day is spread over shards), so items
	// come oldest first within a bucket, not across a day.
	DuePage(ctx context.Context, from, to time.Time, limit int, cursor string) ([]DueItem, string, error)
	// StaleGrants pages through a resource's grant items of a generation below gen.
	StaleGrants(ctx context.Context, r Resource, gen int64, limit int, cursor string) ([]Grant, string, error)
	// ReviewItems pages through a review's items (R28: the closing sweep).
	ReviewItems(ctx context.Context, reviewID string, pageSize int, next string) (ReviewItemPage, error)
	// GetGrantsAt reads several slots in one BatchGetItem (absent slots are skipped).
	GetGrantsAt(ctx context.Context, keys []GrantKey) ([]Grant, error)
	// GetAPI and GetServiceUnit read a resource whose grants a review's default REVOKE
	// cancels (its generation, R4, R23).
	GetAPI(ctx context.Context, apiID string) (API, error)
	GetServiceUnit(ctx context.Context, unitID string) (ServiceUnit, error)
}

// PolicyReader reads policies (R26).
type PolicyReader interface {
	// GetPolicies reads the policies of the scopes named (an API, a unit, a tenant) in
	// one strongly consistent batch; unset ones are absent from the result.
	GetPolicies(ctx context.Context, scopes []Resource) ([]Policy, error)
}

// Store is every port the Service uses, as one value (shared/store satisfies it).
type Store interface {
	Committer
	Getter
	PolicyReader
	WorkspaceDirectory
	ReviewReader
	CheckReader
	CatalogLister
	GrantLister
	RequestLister
	Idempotency
}
