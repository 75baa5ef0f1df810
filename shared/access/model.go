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
	// PermDevelopment, on a unit grant to a USER of the unit's tenant, lets the user
	// register and maintain the unit's APIs (R23).
	PermDevelopment Permission = "DEVELOPMENT"
)

// ResourceType is what a grant is on.
type ResourceType string

const (
	ResourceAPI         ResourceType = "API"
	ResourceServiceUnit ResourceType = "SERVICE_UNIT"
	ResourceApp         ResourceType = "APP" // R24: application permissions of users
)

// Resource names what a grant is on.
type Resource struct {
	Type ResourceType `json:"type"`
	ID   string       `json:"id"`
}

// APIResource is the resource of a grant on API id.
func APIResource(id string) Resource { return Resource{Type: ResourceAPI, ID: id} }

// UnitResource is the resource of a grant on service unit id.
func UnitResource(id string) Resource { return Resource{Type: ResourceServiceUnit, ID: id} }

// AppResource is the resource of an application permission on app id (R24).
func AppResource(id string) Resource { return Resource{Type: ResourceApp, ID: id} }

// HasEnv reports whether grants on the resource are per env (app grants are not, R24).
func (r Resource) HasEnv() bool { return r.Type != ResourceApp }

// SubjectType is who a grant is for.
type SubjectType string

const (
	SubjectApp       SubjectType = "APP"
	SubjectWorkspace SubjectType = "WORKSPACE"
	// SubjectUser is a personal account (R22): identified by (tenant, sub), so its id
	// is unique only inside TenantID.
	SubjectUser SubjectType = "USER"
)

// Subject is the grantee: an app, a whole workspace or a user, possibly of another tenant.
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
	// ServiceUnitID is the unit the API joined (R23), nil for none; UnitGeneration is
	// the unit's generation when it joined: the API is in the unit only while the unit
	// still has that generation, so deleting the unit takes its APIs out at once.
	ServiceUnitID  *string `json:"service_unit_id"`
	UnitGeneration int64   `json:"-"`
	// Generation changes whenever the API is unpublished or deleted: a grant counts only
	// while its generation matches (R4), which revokes all grants in O(1).
	Generation int64     `json:"generation"`
	Deleted    bool      `json:"deleted,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ModifiedAt time.Time `json:"modified_at"`
	Version    int64     `json:"version"`
	// Replicas is how many copies of this item the store wrote with it (in the same
	// transaction), so that a hot API's reads and condition checks spread over several
	// items; 0 for an item written before copies existed. Store-managed.
	Replicas int `json:"-"`
}

// R1: Published reports whether the API can be called and granted: only a PUBLISHED
// API can be granted or applied for.
func (a API) Published() bool { return a.Status == APIPublished && !a.Deleted }

// R5: HasProtocol reports whether the API accepts calls over p; the check reads the
// API, so removing a protocol takes effect at once.
func (a API) HasProtocol(p Protocol) bool { return slices.Contains(a.Protocols, p) }

// UnitID is the id of the unit the API joined, "" for none.
func (a API) UnitID() string {
	if a.ServiceUnitID == nil {
		return ""
	}
	return *a.ServiceUnitID
}

// R23: InUnit reports whether the API is in unit u: it joined u, and u is still the
// live unit of that generation (deleting a unit takes its APIs out at once).
func (a API) InUnit(u ServiceUnit) bool {
	return a.UnitID() != "" && a.UnitID() == u.ID && u.Live() && u.TenantID == a.TenantID &&
		u.Generation == a.UnitGeneration
}

// AppStatus is whether an app may call data APIs.
type AppStatus string

const (
	AppActive   AppStatus = "ACTIVE"
	AppDisabled AppStatus = "DISABLED"
)

// App is the identity used when calling data APIs. Its AppCodes are never stored, only
// their SHA-256 (AppCode.Hash), which is also the key of each code's lookup item.
type App struct {
	ID          string    `json:"app_id"`
	TenantID    string    `json:"tenant_id"`
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`
	Owner       string    `json:"owner"`
	Status      AppStatus `json:"status"`
	// WorkspaceDefault marks the workspace's default app (R21), at most one per workspace.
	WorkspaceDefault bool `json:"workspace_default"`
	// CodeHash is the one AppCode of an app written before apps held several (its hash);
	// LiveCodes lists it as LegacyCodeID until it is revoked or rotated away.
	CodeHash string `json:"-"`
	// Codes are the app's other live AppCodes (at most MaxAppCodes with CodeHash's).
	Codes []AppCode `json:"-"`
	// Keys are the app's live AppKeys (at most MaxAppKeys), never their secrets.
	Keys       []AppKey  `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ModifiedAt time.Time `json:"modified_at"`
	Version    int64     `json:"version"`
}

// workspace is the app's workspace as a grantee: a workspace id is unique only inside
// its tenant.
func (a App) workspace() Subject {
	return Subject{Type: SubjectWorkspace, ID: a.WorkspaceID, TenantID: a.TenantID}
}

// R21: IsDefaultFor reports whether the app is the default app of api's workspace,
// which may call the API without a grant.
func (a App) IsDefaultFor(api API) bool {
	return a.WorkspaceDefault && a.WorkspaceID == api.WorkspaceID && a.TenantID == api.TenantID
}

// GrantStatus is derived on read (SPEC.md "Concepts").
type GrantStatus string

const (
	StatusActive              GrantStatus = "ACTIVE"
	StatusCancellationPending GrantStatus = "CANCELLATION_PENDING"
	StatusExpired             GrantStatus = "EXPIRED"
	StatusRevoked             GrantStatus = "REVOKED"
	// StatusScheduled: the grant's start_time lies ahead (R25); not in force, but it
	// holds its slot.
	StatusScheduled GrantStatus = "SCHEDULED"
)

// ServiceUnit groups APIs of one workspace (R23). A deleted unit stays as a tombstone
// whose Generation moved on, so that a unit re-created with its id restores nothing.
type ServiceUnit struct {
	ID          string    `json:"unit_id"`
	TenantID    string    `json:"tenant_id"`
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Generation  int64     `json:"-"`
	Deleted     bool      `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	ModifiedAt  time.Time `json:"modified_at"`
	Version     int64     `json:"version"`
}

// Live reports whether the unit exists and is not deleted.
func (u ServiceUnit) Live() bool { return u.ID != "" && !u.Deleted }

// Grant is permission for one subject to use one resource (an API, a service unit, an
// app) in one environment (none for an app). There is one grant item per (resource,
// env, subject); a new grant may replace one that is not in force.
type Grant struct {
	ID string `json:"grant_id"`
	// Resource is what the grant is on; APIID and APIName are set for API grants only.
	Resource          Resource     `json:"resource"`
	APIID             string       `json:"api_id"`
	APIName           string       `json:"api_name"`
	TenantID          string       `json:"tenant_id"`    // the resource's tenant
	WorkspaceID       string       `json:"workspace_id"` // the resource's workspace
	Subject           Subject      `json:"subject"`
	Env               Env          `json:"env"`
	Permissions       []Permission `json:"permissions"`
	Fields            []string     `json:"fields"`
	StartTime         *time.Time   `json:"start_time"` // R25: SCHEDULED until then (holds its slot, allows no call); nil: at once
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
	// StartAnnounced is set once the Grant Started event of a scheduled grant went out (R25).
	StartAnnounced bool `json:"-"`
	// BeyondPolicy names the policies (R26) the grant exceeds; set by listings, not stored.
	BeyondPolicy []string `json:"beyond_policy,omitempty"`
}

// GrantKey identifies the one grant slot per (resource, env, subject). SubjectTenant
// is part of a WORKSPACE's and a USER's identity (a workspace id and a sub are unique
// only inside their tenant; app ids are global); Env is empty for app grants.
type GrantKey struct {
	Resource      Resource
	Env           Env
	Subject       SubjectType
	SubjectTenant string
	ID            string
}

// SlotOf is the slot of subject s's grant on r in env.
func SlotOf(r Resource, env Env, s Subject) GrantKey {
	k := GrantKey{Resource: r, Env: env, Subject: s.Type, ID: s.ID}
	if s.Type == SubjectUser || s.Type == SubjectWorkspace {
		k.SubjectTenant = s.TenantID
	}
	if !r.HasEnv() {
		k.Env = ""
	}
	return k
}

// On is what the grant is on; a grant built with only APIID is on that API.
func (g Grant) On() Resource {
	if g.Resource.Type == "" {
		return APIResource(g.APIID)
	}
	return g.Resource
}

// Key returns the grant's slot.
func (g Grant) Key() GrantKey { return SlotOf(g.On(), g.Env, g.Subject) }

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
	RequestExpired   RequestStatus = "EXPIRED" // R27: PENDING past its expires_at
)

// Request is an application or a renewal request made by an app owner (R6, R9).
// TenantID is the API's tenant, whose reviewers decide.
type Request struct {
	ID          string        `json:"request_id"`
	Kind        RequestKind   `json:"kind"`
	Status      RequestStatus `json:"status"`
	TenantID    string        `json:"tenant_id"`
	WorkspaceID string        `json:"workspace_id"` // the API's workspace (its reviewers decide)
	// Resource is what is asked for (an API or a unit); Subject who for (an app, or the
	// requesting user, R22). Requests stored before them decode as the API and the app.
	Resource    Resource     `json:"resource"`
	Subject     *Subject     `json:"subject"`
	APIID       string       `json:"api_id"`
	APIName     string       `json:"api_name,omitempty"` // filled in by listings, not stored
	AppID       string       `json:"app_id"`
	GrantID     string       `json:"grant_id"`
	Envs        []Env        `json:"envs"`
	Permissions []Permission `json:"permissions"`
	Fields      []string     `json:"fields"`
	Validity    Validity     `json:"validity"`
	StartTime   *time.Time   `json:"start_time"` // R25: the scheduled start asked for, nil for at once
	Reason      string       `json:"reason"`
	Requester   string       `json:"requester"`
	// RequesterTenant is the requester's tenant: the API's, except for the owner of a
	// grantee app of another tenant asking for a renewal.
	RequesterTenant string     `json:"requester_tenant_id"`
	Reviewer        string     `json:"reviewer"`
	DecisionMsg     string     `json:"decision_reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	DecidedAt       *time.Time `json:"decided_at"`
	// R27: how many distinct reviewers must approve (the policy's when it was made),
	// the approvals given so far, and when a PENDING request expires.
	ApprovalsRequired int        `json:"approvals_required"`
	Approvals         []Approval `json:"approvals"`
	ExpiresAt         *time.Time `json:"expires_at"`
	Version           int64      `json:"version"`
}

// Approval is one reviewer's approval of a request (R27).
type Approval struct {
	Reviewer   string    `json:"reviewer"`
	ApprovedAt time.Time `json:"approved_at"`
	Reason     string    `json:"reason,omitempty"`
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
	EventGrantStarted          = "Grant Started" // R25: a scheduled grant came into force
	EventRequestSubmitted      = "Request Submitted"
	EventRequestApproved       = "Request Approved"
	EventRequestRejected       = "Request Rejected"
	EventRequestWithdrawn      = "Request Withdrawn"
	EventApprovalRecorded      = "Request Approval Recorded" // R27: one approval of several
	EventRequestExpired        = "Request Expired"           // R27
	EventAPIChanged            = "API Changed"
	EventAppChanged            = "App Changed"
	EventAppCodeRotated        = "AppCode Rotated"
	EventAppCodeCreated        = "AppCode Created"
	EventAppCodeRevoked        = "AppCode Revoked"
	EventAppKeyCreated         = "AppKey Created"
	EventAppKeyRevoked         = "AppKey Revoked"
	EventServiceUnitChanged    = "Service Unit Changed"
)

// AuditEntry is written in the same transaction as the change it records; it is also
// the outbox from which the publish function sends the domain event (event_id = ID).
type AuditEntry struct {
	ID       string    `json:"audit_id"`
	Action   string    `json:"action"` // an Event* detail type
	At       time.Time `json:"occurred_at"`
	TenantID string    `json:"tenant_id"`
	Actor    string    `json:"actor"`
	APIID    string    `json:"api_id,omitempty"`
	AppID    string    `json:"app_id,omitempty"`
	// Resource is set for a change of a grant (what it is on) or of a service unit;
	// entries about a unit or its grants are filed under the unit.
	Resource      *Resource    `json:"resource,omitempty"`
	GrantID       string       `json:"grant_id,omitempty"`
	RequestID     string       `json:"request_id,omitempty"`
	Subject       *Subject     `json:"subject,omitempty"`
	Env           Env          `json:"env,omitempty"`
	StartTime     *time.Time   `json:"start_time,omitempty"` // R25
	EndTime       *time.Time   `json:"end_time,omitempty"`
	CancelAt      *time.Time   `json:"cancel_at,omitempty"`
	Permissions   []Permission `json:"permissions,omitempty"`
	Reason        string       `json:"reason,omitempty"`
	ThresholdDays int          `json:"threshold_days,omitempty"`
	// PolicyExemption says that a tenant_admin's protected grant went beyond a policy (R26).
	PolicyExemption string `json:"policy_exemption,omitempty"`
	AppKey          string `json:"app_key,omitempty"` // an AppKey created or revoked (never its secret)
	// CodeID names an AppCode created, revoked or made by a rotation (never the code).
	CodeID string `json:"code_id,omitempty"`
	// WorkspaceID and Name are a directory entry's (R29), filed under its tenant.
	WorkspaceID string `json:"workspace_id,omitempty"`
	Name        string `json:"name,omitempty"`
	// ReviewID and Decision name an access review and what it decided (R28).
	ReviewID string         `json:"review_id,omitempty"`
	Decision ReviewDecision `json:"decision,omitempty"`
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

// The grant's timing: when it stops being in force, and its status at an instant.

// Status works out the grant's status at now against the API's current generation
// (SPEC.md "Concepts"). It is decided by time, never by whether DynamoDB's TTL has
// deleted the item yet.
func (g Grant) Status(now time.Time, apiGeneration int64) GrantStatus {
	switch {
	case g.RevokedAt != nil && !g.RevokedAt.After(now):
		return StatusRevoked
	case g.Generation != apiGeneration: // R4: unpublished or deleted since
		return StatusRevoked
	case g.cancelledFirst(now):
		return StatusRevoked
	case g.StartTime != nil && g.StartTime.After(now): // R25: decided by time, not by the job
		return StatusScheduled
	case g.EndTime != nil && !g.EndTime.After(now):
		return StatusExpired
	case g.CancelAt != nil && g.CancelAt.After(now):
		return StatusCancellationPending
	}
	return StatusActive
}

// Occupies reports whether the grant holds its slot at now (R3): in force, or
// scheduled to start (R25). A new grant may take the slot only when it does not.
func (g Grant) Occupies(now time.Time, apiGeneration int64) bool {
	s := g.Status(now, apiGeneration)
	return s == StatusActive || s == StatusCancellationPending || s == StatusScheduled
}

// InForce reports whether the grant is ACTIVE or CANCELLATION_PENDING at now.
func (g Grant) InForce(now time.Time, apiGeneration int64) bool {
	s := g.Status(now, apiGeneration)
	return s == StatusActive || s == StatusCancellationPending
}

// Timing is when a grant's own fields take it out of force (R7, R11, the expiry).
type Timing struct {
	End *time.Time // end_time; nil for an unlimited grant
	// Cancel is a pending cancellation's due time when it falls before End; nil when
	// none is pending, or when it falls at or after the end: expiry wins, and there is
	// nothing left to cancel.
	Cancel *time.Time
	// CancelsUsage: the pending cancellation takes USAGE (the whole grant), not PROXY
	// alone (R11). It is false when no cancellation is pending.
	CancelsUsage bool
	// Revoke is when the pending cancellation revokes the grant: Cancel when it takes
	// USAGE, otherwise nil.
	Revoke *time.Time
}

// Timing decides the grant's timing, the one place where "a USAGE cancellation due
// before the end revokes the grant, otherwise expiry wins" is written. Status,
// reminders, the cancellations job, the due index and the store's TTL all use it.
func (g Grant) Timing() Timing {
	t := Timing{End: g.EndTime, CancelsUsage: g.CancelAt != nil && g.cancelsUsage()}
	if g.CancelAt != nil && (g.EndTime == nil || g.CancelAt.Before(*g.EndTime)) {
		t.Cancel = g.CancelAt
		if t.CancelsUsage {
			t.Revoke = g.CancelAt
		}
	}
	return t
}

// Until is the earliest of the end and the revoking cancellation: when the grant
// stops being in force unless something else changes; nil for never.
func (t Timing) Until() *time.Time {
	if t.Revoke != nil {
		return t.Revoke
	}
	return t.End
}

// RevokedBy reports whether the revoking cancellation came due at or before now.
func (t Timing) RevokedBy(now time.Time) bool {
	return t.Revoke != nil && !t.Revoke.After(now)
}

// cancelledFirst reports whether a pending cancellation of USAGE came due at or before
// now, and before the grant's end: a grant that expired first stays EXPIRED.
func (g Grant) cancelledFirst(now time.Time) bool {
	return g.Timing().RevokedBy(now)
}

// cancelsUsage reports whether the pending cancellation takes USAGE (the whole grant)
// rather than PROXY alone (R11).
func (g Grant) cancelsUsage() bool {
	return len(g.CancelPermissions) == 0 || slices.Contains(g.CancelPermissions, PermUsage)
}

// Effective returns the grant as it stands at now: a due PROXY-only cancellation has
// taken PROXY away even before the job finalizes it (R11, decided by time).
func (g Grant) Effective(now time.Time) Grant {
	if g.CancelAt != nil && !g.CancelAt.After(now) && !g.cancelsUsage() {
		g.Permissions = slices.DeleteFunc(slices.Clone(g.Permissions), func(p Permission) bool {
			return slices.Contains(g.CancelPermissions, p)
		})
		g.CancelAt, g.CancelPermissions = nil, nil
	}
	return g
}

// ExpiresAt is the earliest of end_time and a pending cancel_at of USAGE, nil when
// neither is set (the check answer's expires_at).
func (g Grant) ExpiresAt() *time.Time {
	return g.Timing().Until()
}
