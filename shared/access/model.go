package access

import (
	"slices"
	"time"
)

// Env is the environment a grant applies to.
type Env string

const (
	EnvProd Env = "PROD"
	EnvDev  Env = "DEV"
)

// Permission is what a grant allows: USAGE always, PROXY optionally (R11, R12).
type Permission string

const (
	PermUsage Permission = "USAGE"
	PermProxy Permission = "PROXY"
)

// SubjectType is who a grant is for.
type SubjectType string

const (
	SubjectApp       SubjectType = "APP"
	SubjectWorkspace SubjectType = "WORKSPACE"
)

// Subject is the grantee: an app or a whole workspace, possibly of another tenant.
type Subject struct {
	Type     SubjectType `json:"type"`
	ID       string      `json:"id"`
	TenantID string      `json:"tenant_id"`
}

// Protocol is how a data API is called.
type Protocol string

const (
	ProtoHTTP  Protocol = "HTTP"
	ProtoHTTPS Protocol = "HTTPS"
)

// Operation is what a data API does; only READ APIs take proxies and field lists matter.
type Operation string

const (
	OpRead   Operation = "READ"
	OpCreate Operation = "CREATE"
	OpUpdate Operation = "UPDATE"
	OpDelete Operation = "DELETE"
)

// APIStatus is the publication state of an API.
type APIStatus string

const (
	APIPublished   APIStatus = "PUBLISHED"
	APIUnpublished APIStatus = "UNPUBLISHED"
)

// API is a published data API.
type API struct {
	ID          string     `json:"api_id"`
	TenantID    string     `json:"tenant_id"`
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Path        string     `json:"path"`
	GroupID     string     `json:"group_id"`
	Protocols   []Protocol `json:"protocols"`
	Fields      []string   `json:"fields"`
	Operation   Operation  `json:"operation"`
	RowLevel    bool       `json:"row_level"`
	Status      APIStatus  `json:"status"`
	// Generation changes whenever the API is unpublished or deleted: a grant counts only
	// while its generation matches (R4), which revokes all grants in O(1).
	Generation int64     `json:"generation"`
	Deleted    bool      `json:"deleted,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ModifiedAt time.Time `json:"modified_at"`
	Version    int64     `json:"version"`
}

// R1: Published reports whether the API can be called and granted: only a PUBLISHED
// API can be granted or applied for.
func (a API) Published() bool { return a.Status == APIPublished && !a.Deleted }

// R5: HasProtocol reports whether the API accepts calls over p; the check reads the
// API, so removing a protocol takes effect at once.
func (a API) HasProtocol(p Protocol) bool { return slices.Contains(a.Protocols, p) }

// AppStatus is whether an app may call data APIs.
type AppStatus string

const (
	AppActive   AppStatus = "ACTIVE"
	AppDisabled AppStatus = "DISABLED"
)

// App is the identity used when calling data APIs. Its AppCode is never stored, only
// its SHA-256 (CodeHash), which is also the key of the lookup item.
type App struct {
	ID          string    `json:"app_id"`
	TenantID    string    `json:"tenant_id"`
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`
	Owner       string    `json:"owner"`
	Status      AppStatus `json:"status"`
	CodeHash    string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	ModifiedAt  time.Time `json:"modified_at"`
	Version     int64     `json:"version"`
}

// GrantStatus is derived on read (SPEC.md "Concepts").
type GrantStatus string

const (
	StatusActive              GrantStatus = "ACTIVE"
	StatusCancellationPending GrantStatus = "CANCELLATION_PENDING"
	StatusExpired             GrantStatus = "EXPIRED"
	StatusRevoked             GrantStatus = "REVOKED"
)

// Grant is permission for one subject to call one API in one environment. There is one
// grant item per (API, env, subject); a new grant may replace one that is not in force.
type Grant struct {
	ID                string       `json:"grant_id"`
	APIID             string       `json:"api_id"`
	APIName           string       `json:"api_name"`
	TenantID          string       `json:"tenant_id"`    // the API's tenant
	WorkspaceID       string       `json:"workspace_id"` // the API's workspace
	Subject           Subject      `json:"subject"`
	Env               Env          `json:"env"`
	Permissions       []Permission `json:"permissions"`
	Fields            []string     `json:"fields"`
	EndTime           *time.Time   `json:"end_time"`
	CancelAt          *time.Time   `json:"cancel_at"`
	CancelPermissions []Permission `json:"cancel_permissions"`
	RevokedAt         *time.Time   `json:"revoked_at,omitempty"`
	Protected         bool         `json:"protected"`
	Reason            string       `json:"reason"`
	CreatorID         string       `json:"creator_id"`
	CreatedAt         time.Time    `json:"created_at"`
	ModifiedAt        time.Time    `json:"modified_at"`
	Version           int64        `json:"version"`
	Generation        int64        `json:"-"`
	// Due is when a job next has work on this grant (a reminder, a cancellation, the
	// expiry event); the store indexes it in day buckets (GSI2). Nil when nothing is due.
	Due *time.Time `json:"-"`
	// Reminded holds the thresholds (days) already announced for the current EndTime
	// (R16); renewal clears it.
	Reminded []int `json:"-"`
	// ExpiryAnnounced is set once the Grant Expired event for the current EndTime went out.
	ExpiryAnnounced bool `json:"-"`
}

// Key identifies the one grant slot per (API, env, subject).
type GrantKey struct {
	APIID   string
	Env     Env
	Subject SubjectType
	ID      string
}

// Key returns the grant's slot.
func (g Grant) Key() GrantKey {
	return GrantKey{APIID: g.APIID, Env: g.Env, Subject: g.Subject.Type, ID: g.Subject.ID}
}

// HasPermission reports whether the grant lists p.
func (g Grant) HasPermission(p Permission) bool { return slices.Contains(g.Permissions, p) }

// RequestKind is what an app owner asks for.
type RequestKind string

const (
	RequestApply RequestKind = "APPLY"
	RequestRenew RequestKind = "RENEW"
)

// RequestStatus is where a request stands.
type RequestStatus string

const (
	RequestPending   RequestStatus = "PENDING"
	RequestApproved  RequestStatus = "APPROVED"
	RequestRejected  RequestStatus = "REJECTED"
	RequestWithdrawn RequestStatus = "WITHDRAWN"
)

// Request is an application or a renewal request made by an app owner (R6, R9).
// TenantID is the API's tenant, whose reviewers decide.
type Request struct {
	ID          string        `json:"request_id"`
	Kind        RequestKind   `json:"kind"`
	Status      RequestStatus `json:"status"`
	TenantID    string        `json:"tenant_id"`
	WorkspaceID string        `json:"workspace_id"` // the API's workspace (its reviewers decide)
	APIID       string        `json:"api_id"`
	APIName     string        `json:"api_name,omitempty"` // filled in by listings, not stored
	AppID       string        `json:"app_id"`
	GrantID     string        `json:"grant_id"`
	Envs        []Env         `json:"envs"`
	Permissions []Permission  `json:"permissions"`
	Fields      []string      `json:"fields"`
	Validity    Validity      `json:"validity"`
	Reason      string        `json:"reason"`
	Requester   string        `json:"requester"`
	// RequesterTenant is the requester's tenant: the API's, except for the owner of a
	// grantee app of another tenant asking for a renewal.
	RequesterTenant string     `json:"requester_tenant_id"`
	Reviewer        string     `json:"reviewer"`
	DecisionMsg     string     `json:"decision_reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	DecidedAt       *time.Time `json:"decided_at"`
	Version         int64      `json:"version"`
}

// Event detail types (SPEC.md "Events"); an audit entry records one of them.
const (
	EventGrantCreated          = "Grant Created"
	EventGrantChanged          = "Grant Changed"
	EventGrantRenewed          = "Grant Renewed"
	EventCancellationScheduled = "Grant Cancellation Scheduled"
	EventCancellationWithdrawn = "Grant Cancellation Withdrawn"
	EventGrantRevoked          = "Grant Revoked"
	EventGrantExpiring         = "Grant Expiring"
	EventGrantExpired          = "Grant Expired"
	EventRequestSubmitted      = "Request Submitted"
	EventRequestApproved       = "Request Approved"
	EventRequestRejected       = "Request Rejected"
	EventRequestWithdrawn      = "Request Withdrawn"
	EventAPIChanged            = "API Changed"
	EventAppChanged            = "App Changed"
	EventAppCodeRotated        = "AppCode Rotated"
)

// AuditEntry is written in the same transaction as the change it records; it is also
// the outbox from which the publish function sends the domain event (event_id = ID).
type AuditEntry struct {
	ID            string       `json:"audit_id"`
	Action        string       `json:"action"` // an Event* detail type
	At            time.Time    `json:"occurred_at"`
	TenantID      string       `json:"tenant_id"`
	Actor         string       `json:"actor"`
	APIID         string       `json:"api_id,omitempty"`
	AppID         string       `json:"app_id,omitempty"`
	GrantID       string       `json:"grant_id,omitempty"`
	RequestID     string       `json:"request_id,omitempty"`
	Subject       *Subject     `json:"subject,omitempty"`
	Env           Env          `json:"env,omitempty"`
	EndTime       *time.Time   `json:"end_time,omitempty"`
	CancelAt      *time.Time   `json:"cancel_at,omitempty"`
	Permissions   []Permission `json:"permissions,omitempty"`
	Reason        string       `json:"reason,omitempty"`
	ThresholdDays int          `json:"threshold_days,omitempty"`
}

// IsRequester reports whether p made the request.
func (r Request) IsRequester(p Principal) bool {
	return r.Requester == p.Sub && r.requesterTenant() == p.TenantID
}

// RequesterTenantID is the requester's tenant (the API's unless stored otherwise).
func (r Request) RequesterTenantID() string { return r.requesterTenant() }

func (r Request) requesterTenant() string {
	if r.RequesterTenant == "" {
		return r.TenantID
	}
	return r.RequesterTenant
}

// visibleTo reports whether p's tenant may see the request: the API's, or the requester's.
func (r Request) visibleTo(p Principal) bool {
	return r.TenantID == p.TenantID || r.requesterTenant() == p.TenantID
}
