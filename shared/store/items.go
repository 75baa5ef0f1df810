package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// The item types below are how access values are laid out in the table. Times are
// RFC 3339 strings (UTC); where a condition compares a time with "now", the item also
// carries it as epoch milliseconds (the *_ms attributes), rounded up, and the condition
// compares against now rounded down, so that DynamoDB never finds a deadline passed
// that Go would not. Nil and empty lists are kept apart (NULL and an empty L).

// Retention of the items that are not grants (DESIGN.md "TTL").
const (
	requestRetention = 30 * 24 * time.Hour
	idemRetention    = 24 * time.Hour
	auditRetention   = 400 * 24 * time.Hour
)

// Attribute names used in conditions and filters.
const (
	attrVersion     = "version"
	attrGeneration  = "generation"
	attrStatus      = "status"
	attrDeleted     = "deleted"
	attrTarget      = "target"
	attrEndAtMs     = "end_at_ms"
	attrCancelAtMs  = "cancel_at_ms"
	attrCancelUsage = "cancel_usage"
	attrRevokedAtMs = "revoked_at_ms"
	attrGrantID     = "grant_id"
)

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func fmtOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func parseOptTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return &t, err
}

// ceilMillis is t in epoch milliseconds, rounded up; floorMillis rounds down.
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

func floorMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Before(time.UnixMilli(ms)) {
		ms--
	}
	return ms
}

func optCeilMillis(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return ceilMillis(*t)
}

func ttlAt(t time.Time) int64 { return t.Unix() }

// timeParser collects the first parse error of a conversion.
type timeParser struct{ err error }

func (p *timeParser) at(s string) time.Time {
	t, err := parseTime(s)
	if err != nil && p.err == nil {
		p.err = err
	}
	return t
}

func (p *timeParser) opt(s string) *time.Time {
	t, err := parseOptTime(s)
	if err != nil && p.err == nil {
		p.err = err
	}
	return t
}

type apiItem struct {
	key
	GSI1PK      string            `dynamodbav:"GSI1PK"`
	GSI1SK      string            `dynamodbav:"GSI1SK"`
	GSI2PK      string            `dynamodbav:"GSI2PK"`
	GSI2SK      string            `dynamodbav:"GSI2SK"`
	Type        string            `dynamodbav:"type"`
	APIID       string            `dynamodbav:"api_id"`
	TenantID    string            `dynamodbav:"tenant_id"`
	WorkspaceID string            `dynamodbav:"workspace_id"`
	Name        string            `dynamodbav:"name"`
	Path        string            `dynamodbav:"path"`
	GroupID     string            `dynamodbav:"group_id"`
	Protocols   []access.Protocol `dynamodbav:"protocols"`
	Fields      []string          `dynamodbav:"fields"`
	Operation   access.Operation  `dynamodbav:"operation"`
	RowLevel    bool              `dynamodbav:"row_level"`
	Status      access.APIStatus  `dynamodbav:"status"`
	// UnitID and UnitGeneration: the service unit the API joined and the unit's
	// generation then (R23); absent for none.
	UnitID         string `dynamodbav:"service_unit_id,omitempty"`
	UnitGeneration int64  `dynamodbav:"service_unit_generation,omitempty"`
	Generation     int64  `dynamodbav:"generation"`
	Deleted        bool   `dynamodbav:"deleted"`
	CreatedAt      string `dynamodbav:"created_at"`
	ModifiedAt     string `dynamodbav:"modified_at"`
	Version        int64  `dynamodbav:"version"`
	// Replicas: how many copies (apiReplicaKey) were written with this item.
	Replicas int `dynamodbav:"replicas,omitempty"`
}

func newAPIItem(a access.API) apiItem {
	it := apiItem{
		key: apiKey(a.ID), Type: TypeAPI,
		APIID: a.ID, TenantID: a.TenantID, WorkspaceID: a.WorkspaceID, Name: a.Name, Path: a.Path,
		GroupID: a.GroupID, Protocols: a.Protocols, Fields: a.Fields, Operation: a.Operation,
		RowLevel: a.RowLevel, Status: a.Status, Generation: a.Generation, Deleted: a.Deleted,
		UnitID: a.UnitID(), UnitGeneration: a.UnitGeneration,
		CreatedAt: fmtTime(a.CreatedAt), ModifiedAt: fmtTime(a.ModifiedAt), Version: a.Version,
	}
	it.GSI1PK, it.GSI1SK = splitKey(apiGSI1(a.TenantID, a.WorkspaceID, a.Name, a.ID))
	it.GSI2PK, it.GSI2SK = splitKey(apiGSI2(a.TenantID, a.Name, a.ID))
	return it
}

func (it apiItem) api() (access.API, error) {
	var p timeParser
	a := access.API{
		ID: it.APIID, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID, Name: it.Name, Path: it.Path,
		GroupID: it.GroupID, Protocols: it.Protocols, Fields: it.Fields, Operation: it.Operation,
		RowLevel: it.RowLevel, Status: it.Status, Generation: it.Generation, Deleted: it.Deleted,
		UnitGeneration: it.UnitGeneration,
		CreatedAt:      p.at(it.CreatedAt), ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
		Replicas: it.Replicas,
	}
	if it.UnitID != "" {
		a.ServiceUnitID = &it.UnitID
	}
	return a, p.err
}

type appItem struct {
	key
	GSI1PK      string           `dynamodbav:"GSI1PK"`
	GSI1SK      string           `dynamodbav:"GSI1SK"`
	Type        string           `dynamodbav:"type"`
	AppID       string           `dynamodbav:"app_id"`
	TenantID    string           `dynamodbav:"tenant_id"`
	WorkspaceID string           `dynamodbav:"workspace_id"`
	Name        string           `dynamodbav:"name"`
	Owner       string           `dynamodbav:"owner"`
	Status      access.AppStatus `dynamodbav:"status"`
	Default     bool             `dynamodbav:"workspace_default,omitempty"` // R21
	// CodeHash is the SHA-256 of the app's one AppCode from before apps held several
	// (never the code); kept until that code is revoked or rotated away.
	CodeHash string `dynamodbav:"code_hash"`
	// Codes are the other live AppCodes ("id|prefix|sha256|created_at"), so that a
	// revocation or a rotation can delete their lookup items; never a code.
	Codes []string `dynamodbav:"app_codes,omitempty"`
	// Keys are the live AppKeys ("key|created_at"); their secrets are only in the lookups.
	Keys       []string `dynamodbav:"app_keys,omitempty"`
	CreatedAt  string   `dynamodbav:"created_at"`
	ModifiedAt string   `dynamodbav:"modified_at"`
	Version    int64    `dynamodbav:"version"`
}

func newAppItem(a access.App) appItem {
	it := appItem{
		key: appKey(a.ID), Type: TypeApp,
		AppID: a.ID, TenantID: a.TenantID, WorkspaceID: a.WorkspaceID, Name: a.Name, Owner: a.Owner,
		Status: a.Status, Default: a.WorkspaceDefault, CodeHash: a.CodeHash,
		CreatedAt: fmtTime(a.CreatedAt), ModifiedAt: fmtTime(a.ModifiedAt), Version: a.Version,
	}
	for _, k := range a.Keys {
		it.Keys = append(it.Keys, k.Key+"|"+fmtTime(k.CreatedAt))
	}
	for _, c := range a.Codes {
		it.Codes = append(it.Codes, strings.Join([]string{c.ID, c.Prefix, c.Hash, fmtOptTime(c.CreatedAt)}, "|"))
	}
	it.GSI1PK, it.GSI1SK = splitKey(appGSI1(a.TenantID, a.WorkspaceID, a.ID))
	return it
}

func (it appItem) app() (access.App, error) {
	var p timeParser
	a := access.App{
		ID: it.AppID, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID, Name: it.Name, Owner: it.Owner,
		Status: it.Status, WorkspaceDefault: it.Default, CodeHash: it.CodeHash,
		CreatedAt: p.at(it.CreatedAt), ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
	}
	for _, k := range it.Keys {
		key, at, _ := strings.Cut(k, "|")
		a.Keys = append(a.Keys, access.AppKey{Key: key, CreatedAt: p.at(at)})
	}
	for _, c := range it.Codes {
		f := strings.SplitN(c, "|", 4)
		if len(f) != 4 {
			return a, fmt.Errorf("store: app %s: malformed AppCode entry", it.AppID)
		}
		a.Codes = append(a.Codes, access.AppCode{ID: f[0], Prefix: f[1], Hash: f[2], CreatedAt: p.opt(f[3])})
	}
	return a, p.err
}

// unitItem is a service unit (R23). A deleted unit stays as a tombstone without its
// GSI1 entry, so that its generation survives a re-creation.
type unitItem struct {
	key
	GSI1PK      string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK      string `dynamodbav:"GSI1SK,omitempty"`
	Type        string `dynamodbav:"type"`
	UnitID      string `dynamodbav:"unit_id"`
	TenantID    string `dynamodbav:"tenant_id"`
	WorkspaceID string `dynamodbav:"workspace_id"`
	Name        string `dynamodbav:"name"`
	Description string `dynamodbav:"description"`
	Generation  int64  `dynamodbav:"generation"`
	Deleted     bool   `dynamodbav:"deleted"`
	CreatedAt   string `dynamodbav:"created_at"`
	ModifiedAt  string `dynamodbav:"modified_at"`
	Version     int64  `dynamodbav:"version"`
}

func newUnitItem(u access.ServiceUnit) unitItem {
	it := unitItem{
		key: unitKey(u.ID), Type: TypeUnit,
		UnitID: u.ID, TenantID: u.TenantID, WorkspaceID: u.WorkspaceID, Name: u.Name, Description: u.Description,
		Generation: u.Generation, Deleted: u.Deleted,
		CreatedAt: fmtTime(u.CreatedAt), ModifiedAt: fmtTime(u.ModifiedAt), Version: u.Version,
	}
	if !u.Deleted {
		it.GSI1PK, it.GSI1SK = splitKey(unitGSI1(u.TenantID, u.WorkspaceID, u.ID))
	}
	return it
}

func (it unitItem) unit() (access.ServiceUnit, error) {
	var p timeParser
	u := access.ServiceUnit{
		ID: it.UnitID, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID, Name: it.Name, Description: it.Description,
		Generation: it.Generation, Deleted: it.Deleted,
		CreatedAt: p.at(it.CreatedAt), ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
	}
	return u, p.err
}

// defaultAppItem is the lock that keeps one default app per workspace (R21).
type defaultAppItem struct {
	key
	Type        string `dynamodbav:"type"`
	TenantID    string `dynamodbav:"tenant_id"`
	WorkspaceID string `dynamodbav:"workspace_id"`
	Target      string `dynamodbav:"target"` // the app id
}

func newDefaultAppItem(l access.DefaultAppLock) defaultAppItem {
	return defaultAppItem{key: defaultAppKey(l.TenantID, l.WorkspaceID), Type: TypeDefault, TenantID: l.TenantID, WorkspaceID: l.WorkspaceID, Target: l.AppID}
}

type grantItem struct {
	key
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	// GSI2 (sparse): only while a job has work on the grant (Grant.Due).
	GSI2PK  string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK  string `dynamodbav:"GSI2SK,omitempty"`
	GSI3PK  string `dynamodbav:"GSI3PK"`
	GSI3SK  string `dynamodbav:"GSI3SK"`
	Type    string `dynamodbav:"type"`
	TTL     int64  `dynamodbav:"ttl,omitempty"`
	GrantID string `dynamodbav:"grant_id"`
	// ResourceType and ResourceID name what the grant is on; items written before
	// grants named their resource lack them and are API grants (api_id).
	ResourceType      access.ResourceType `dynamodbav:"resource_type,omitempty"`
	ResourceID        string              `dynamodbav:"resource_id,omitempty"`
	APIID             string              `dynamodbav:"api_id"`
	APIName           string              `dynamodbav:"api_name"`
	TenantID          string              `dynamodbav:"tenant_id"`
	WorkspaceID       string              `dynamodbav:"workspace_id"`
	SubjectType       access.SubjectType  `dynamodbav:"subject_type"`
	SubjectID         string              `dynamodbav:"subject_id"`
	SubjectTenantID   string              `dynamodbav:"subject_tenant_id"`
	Env               access.Env          `dynamodbav:"env"`
	Permissions       []access.Permission `dynamodbav:"permissions"`
	Fields            []string            `dynamodbav:"fields"`
	StartTime         string              `dynamodbav:"start_time,omitempty"` // R25
	EndTime           string              `dynamodbav:"end_time,omitempty"`
	EndAtMs           int64               `dynamodbav:"end_at_ms,omitempty"`
	CancelAt          string              `dynamodbav:"cancel_at,omitempty"`
	CancelAtMs        int64               `dynamodbav:"cancel_at_ms,omitempty"`
	CancelPermissions []access.Permission `dynamodbav:"cancel_permissions"`
	// CancelUsage: the pending cancellation takes USAGE, so once cancel_at passes the
	// grant is revoked (R11); a PROXY-only one leaves it in force.
	CancelUsage     bool   `dynamodbav:"cancel_usage,omitempty"`
	RevokedAt       string `dynamodbav:"revoked_at,omitempty"`
	RevokedAtMs     int64  `dynamodbav:"revoked_at_ms,omitempty"`
	Protected       bool   `dynamodbav:"protected"`
	Reason          string `dynamodbav:"reason"`
	CreatorID       string `dynamodbav:"creator_id"`
	CreatedAt       string `dynamodbav:"created_at"`
	ModifiedAt      string `dynamodbav:"modified_at"`
	Version         int64  `dynamodbav:"version"`
	Generation      int64  `dynamodbav:"generation"`
	Due             string `dynamodbav:"due,omitempty"`
	Reminded        []int  `dynamodbav:"reminded"`
	ExpiryAnnounced bool   `dynamodbav:"expiry_announced"`
	StartAnnounced  bool   `dynamodbav:"start_announced,omitempty"`
}

// grantTTL is when DynamoDB may delete the grant: its retention after the moment it
// stops being in force for good (revocation, a due cancellation of USAGE, the end
// time, whichever is first); none while it may stay in force indefinitely.
func grantTTL(g access.Grant, retention time.Duration) int64 {
	last := g.Timing().Until()
	if r := g.RevokedAt; r != nil && (last == nil || r.Before(*last)) {
		last = r
	}
	if last == nil {
		return 0
	}
	return ttlAt(last.Add(retention))
}

func newGrantItem(g access.Grant, retention time.Duration) grantItem {
	k := g.Key()
	it := grantItem{
		key: grantKey(k), Type: TypeGrant, TTL: grantTTL(g, retention),
		GrantID: g.ID, ResourceType: k.Resource.Type, ResourceID: k.Resource.ID, APIID: g.APIID, APIName: g.APIName, TenantID: g.TenantID, WorkspaceID: g.WorkspaceID,
		SubjectType: g.Subject.Type, SubjectID: g.Subject.ID, SubjectTenantID: g.Subject.TenantID,
		Env: g.Env, Permissions: g.Permissions, Fields: g.Fields,
		StartTime: fmtOptTime(g.StartTime), EndTime: fmtOptTime(g.EndTime), EndAtMs: optCeilMillis(g.EndTime),
		CancelAt: fmtOptTime(g.CancelAt), CancelAtMs: optCeilMillis(g.CancelAt),
		CancelPermissions: g.CancelPermissions, CancelUsage: g.Timing().CancelsUsage,
		RevokedAt: fmtOptTime(g.RevokedAt), RevokedAtMs: optCeilMillis(g.RevokedAt),
		Protected: g.Protected, Reason: g.Reason, CreatorID: g.CreatorID,
		CreatedAt: fmtTime(g.CreatedAt), ModifiedAt: fmtTime(g.ModifiedAt),
		Version: g.Version, Generation: g.Generation,
		Due: fmtOptTime(g.Due), Reminded: g.Reminded, ExpiryAnnounced: g.ExpiryAnnounced, StartAnnounced: g.StartAnnounced,
	}
	it.GSI1PK, it.GSI1SK = splitKey(grantGSI1(k))
	it.GSI3PK, it.GSI3SK = splitKey(grantGSI3(k.Resource, g.ID))
	if g.Due != nil {
		it.GSI2PK, it.GSI2SK = splitKey(dueGSI2(*g.Due, it.key))
	}
	return it
}

func (it grantItem) grant() (access.Grant, error) {
	var p timeParser
	g := access.Grant{
		ID: it.GrantID, Resource: itemResource(it.ResourceType, it.ResourceID, it.APIID),
		APIID: it.APIID, APIName: it.APIName, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID,
		Subject: access.Subject{Type: it.SubjectType, ID: it.SubjectID, TenantID: it.SubjectTenantID},
		Env:     it.Env, Permissions: it.Permissions, Fields: it.Fields,
		StartTime: p.opt(it.StartTime), EndTime: p.opt(it.EndTime), CancelAt: p.opt(it.CancelAt), CancelPermissions: it.CancelPermissions,
		RevokedAt: p.opt(it.RevokedAt), Protected: it.Protected, Reason: it.Reason, CreatorID: it.CreatorID,
		CreatedAt: p.at(it.CreatedAt), ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
		Generation: it.Generation, Due: p.opt(it.Due), Reminded: it.Reminded, ExpiryAnnounced: it.ExpiryAnnounced,
		StartAnnounced: it.StartAnnounced,
	}
	return g, p.err
}

// itemResource is the resource an item names; items written before grants named their
// resource are on the API apiID.
func itemResource(t access.ResourceType, id, apiID string) access.Resource {
	if t == "" {
		return access.APIResource(apiID)
	}
	return access.Resource{Type: t, ID: id}
}

type grantRefItem struct {
	key
	Type            string              `dynamodbav:"type"`
	TTL             int64               `dynamodbav:"ttl,omitempty"`
	GrantID         string              `dynamodbav:"grant_id"`
	ResourceType    access.ResourceType `dynamodbav:"resource_type,omitempty"`
	ResourceID      string              `dynamodbav:"resource_id,omitempty"`
	APIID           string              `dynamodbav:"api_id,omitempty"`
	Env             access.Env          `dynamodbav:"env"`
	SubjectType     access.SubjectType  `dynamodbav:"subject_type"`
	SubjectTenantID string              `dynamodbav:"subject_tenant_id,omitempty"`
	SubjectID       string              `dynamodbav:"subject_id"`
}

func newGrantRefItem(r access.GrantRef) grantRefItem {
	it := grantRefItem{
		key: grantRefKey(r.GrantID), Type: TypeGrantRef, GrantID: r.GrantID,
		ResourceType: r.Key.Resource.Type, ResourceID: r.Key.Resource.ID,
		Env: r.Key.Env, SubjectType: r.Key.Subject, SubjectTenantID: r.Key.SubjectTenant, SubjectID: r.Key.ID,
	}
	if r.Key.Resource.Type == access.ResourceAPI {
		it.APIID = r.Key.Resource.ID
	}
	if !r.TTL.IsZero() {
		it.TTL = ttlAt(r.TTL)
	}
	return it
}

func (it grantRefItem) ref() access.GrantRef {
	r := access.GrantRef{
		GrantID: it.GrantID,
		Key: access.GrantKey{
			Resource: itemResource(it.ResourceType, it.ResourceID, it.APIID), Env: it.Env,
			Subject: it.SubjectType, SubjectTenant: it.SubjectTenantID, ID: it.SubjectID,
		},
	}
	if it.TTL != 0 {
		r.TTL = time.Unix(it.TTL, 0).UTC()
	}
	return r
}

type lookupItem struct {
	key
	Type   string            `dynamodbav:"type"`
	Kind   access.LookupKind `dynamodbav:"kind"`
	Target string            `dynamodbav:"target"`
	Sealed []byte            `dynamodbav:"sealed_secret,omitempty"` // an AppKey's AppSecret, encrypted
}

func newLookupItem(l access.Lookup) lookupItem {
	return lookupItem{key: lookupKey(l.Kind, l.Value), Type: lookupType(l.Kind), Kind: l.Kind, Target: l.Target, Sealed: l.Sealed}
}

type requestItem struct {
	key
	// GSI1 and GSI3 are absent on a request's due marker (R27), which is only in GSI2.
	GSI1PK       string               `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK       string               `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK       string               `dynamodbav:"GSI2PK,omitempty"` // absent on a user's own request
	GSI2SK       string               `dynamodbav:"GSI2SK,omitempty"`
	GSI3PK       string               `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK       string               `dynamodbav:"GSI3SK,omitempty"`
	Type         string               `dynamodbav:"type"`
	TTL          int64                `dynamodbav:"ttl"`
	RequestID    string               `dynamodbav:"request_id"`
	Kind         access.RequestKind   `dynamodbav:"kind"`
	Status       access.RequestStatus `dynamodbav:"status"`
	TenantID     string               `dynamodbav:"tenant_id"`
	WorkspaceID  string               `dynamodbav:"workspace_id"`
	APIID        string               `dynamodbav:"api_id"`
	AppID        string               `dynamodbav:"app_id"`
	ResourceType access.ResourceType  `dynamodbav:"resource_type,omitempty"`
	ResourceID   string               `dynamodbav:"resource_id,omitempty"`
	SubjectType  access.SubjectType   `dynamodbav:"subject_type,omitempty"`
	SubjectID    string               `dynamodbav:"subject_id,omitempty"`
	SubjectTen   string               `dynamodbav:"subject_tenant_id,omitempty"`
	GrantID      string               `dynamodbav:"grant_id"`
	Envs         []access.Env         `dynamodbav:"envs"`
	Permissions  []access.Permission  `dynamodbav:"permissions"`
	Fields       []string             `dynamodbav:"fields"`
	ValidityType access.ValidityType  `dynamodbav:"validity_type"`
	ValidityEnd  string               `dynamodbav:"validity_end_time,omitempty"`
	ValidityDays *int                 `dynamodbav:"validity_days,omitempty"`
	StartTime    string               `dynamodbav:"start_time,omitempty"` // R25
	Reason       string               `dynamodbav:"reason"`
	Requester    string               `dynamodbav:"requester"`
	ReqTenant    string               `dynamodbav:"requester_tenant_id,omitempty"`
	Reviewer     string               `dynamodbav:"reviewer"`
	DecisionMsg  string               `dynamodbav:"decision_reason"`
	CreatedAt    string               `dynamodbav:"created_at"`
	DecidedAt    string               `dynamodbav:"decided_at,omitempty"`
	Required     int                  `dynamodbav:"approvals_required,omitempty"` // R27
	Approvals    []approvalItem       `dynamodbav:"approvals,omitempty"`
	ExpiresAt    string               `dynamodbav:"expires_at,omitempty"`
	Version      int64                `dynamodbav:"version"`
}

// approvalItem is one approval of a request (R27).
type approvalItem struct {
	Reviewer   string `dynamodbav:"reviewer"`
	ApprovedAt string `dynamodbav:"approved_at"`
	Reason     string `dynamodbav:"reason,omitempty"`
}

// newRequestDueItem is a PENDING request's due marker (R27): a copy of the request in
// GSI2's due bucket of its expires_at, so that the sweep reads one item per expiring
// request. The store keeps it in step with the request (Store.requestDueItems).
func newRequestDueItem(r access.Request) requestItem {
	it := newRequestItem(r)
	it.key = requestDueKey(r.ID)
	it.Type = TypeRequestDue
	it.GSI1PK, it.GSI1SK, it.GSI3PK, it.GSI3SK = "", "", "", ""
	it.GSI2PK, it.GSI2SK = splitKey(dueGSI2(*r.ExpiresAt, it.key))
	return it
}

func newRequestItem(r access.Request) requestItem {
	kept := r.CreatedAt
	if r.DecidedAt != nil {
		kept = *r.DecidedAt
	}
	sk := requestSortKey(r.CreatedAt, r.ID)
	it := requestItem{
		key:    requestKey(r.ID),
		GSI1PK: requestGSI1PK(r.TenantID, r.WorkspaceID, r.Status), GSI1SK: sk,
		GSI3PK: requestGSI3PK(r.RequesterTenantID(), r.Requester), GSI3SK: sk,
		Type: TypeRequest, TTL: ttlAt(kept.Add(requestRetention)),
		RequestID: r.ID, Kind: r.Kind, Status: r.Status, TenantID: r.TenantID, WorkspaceID: r.WorkspaceID,
		APIID: r.APIID, AppID: r.AppID, GrantID: r.GrantID, Envs: r.Envs, Permissions: r.Permissions,
		Fields: r.Fields, ValidityType: r.Validity.Type, ValidityEnd: fmtOptTime(r.Validity.EndTime),
		ValidityDays: r.Validity.Days, StartTime: fmtOptTime(r.StartTime), Reason: r.Reason, Requester: r.Requester, ReqTenant: r.RequesterTenant,
		Reviewer: r.Reviewer, DecisionMsg: r.DecisionMsg, CreatedAt: fmtTime(r.CreatedAt), DecidedAt: fmtOptTime(r.DecidedAt),
		Version: r.Version, ResourceType: r.Resource.Type, ResourceID: r.Resource.ID,
		Required: r.ApprovalsRequired, ExpiresAt: fmtOptTime(r.ExpiresAt),
	}
	for _, ap := range r.Approvals {
		it.Approvals = append(it.Approvals, approvalItem{Reviewer: ap.Reviewer, ApprovedAt: fmtTime(ap.ApprovedAt), Reason: ap.Reason})
	}
	if r.AppID != "" {
		it.GSI2PK, it.GSI2SK = requestGSI2PK(r.AppID), sk
	}
	if r.Subject != nil {
		it.SubjectType, it.SubjectID, it.SubjectTen = r.Subject.Type, r.Subject.ID, r.Subject.TenantID
	}
	return it
}

func (it requestItem) request() (access.Request, error) {
	var p timeParser
	r := access.Request{
		ID: it.RequestID, Kind: it.Kind, Status: it.Status, TenantID: it.TenantID, WorkspaceID: it.WorkspaceID,
		APIID: it.APIID, AppID: it.AppID, GrantID: it.GrantID, Envs: it.Envs, Permissions: it.Permissions,
		Fields:    it.Fields,
		Validity:  access.Validity{Type: it.ValidityType, EndTime: p.opt(it.ValidityEnd), Days: it.ValidityDays},
		StartTime: p.opt(it.StartTime),
		Reason:    it.Reason, Requester: it.Requester, RequesterTenant: it.ReqTenant, Reviewer: it.Reviewer, DecisionMsg: it.DecisionMsg,
		CreatedAt: p.at(it.CreatedAt), DecidedAt: p.opt(it.DecidedAt), Version: it.Version,
		Resource:          access.Resource{Type: it.ResourceType, ID: it.ResourceID},
		ApprovalsRequired: it.Required, ExpiresAt: p.opt(it.ExpiresAt),
	}
	for _, ap := range it.Approvals {
		r.Approvals = append(r.Approvals, access.Approval{Reviewer: ap.Reviewer, ApprovedAt: p.at(ap.ApprovedAt), Reason: ap.Reason})
	}
	if r.Resource.Type == "" { // written before requests named their resource
		r.Resource = access.APIResource(it.APIID)
	}
	switch {
	case it.SubjectType != "":
		r.Subject = &access.Subject{Type: it.SubjectType, ID: it.SubjectID, TenantID: it.SubjectTen}
	case it.AppID != "":
		r.Subject = &access.Subject{Type: access.SubjectApp, ID: it.AppID, TenantID: it.TenantID}
	}
	return r, p.err
}

type cleanupItem struct {
	key
	GSI2PK       string              `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK       string              `dynamodbav:"GSI2SK,omitempty"`
	Type         string              `dynamodbav:"type"`
	ResourceType access.ResourceType `dynamodbav:"resource_type,omitempty"`
	ResourceID   string              `dynamodbav:"resource_id,omitempty"`
	APIID        string              `dynamodbav:"api_id,omitempty"`
	TenantID     string              `dynamodbav:"tenant_id"`
	Generation   int64               `dynamodbav:"generation"`
	Actor        string              `dynamodbav:"actor"`
	Reason       string              `dynamodbav:"reason"`
	Due          string              `dynamodbav:"due,omitempty"`
	Cursor       string              `dynamodbav:"cursor"`
}

// newCleanupItem indexes the task in GSI2 while it has a due time; a zero Due means
// the task is done and drops out of the index.
func newCleanupItem(c access.CleanupTask) cleanupItem {
	it := cleanupItem{
		key: cleanupKey(c.Resource, c.Generation), Type: TypeCleanup,
		ResourceType: c.Resource.Type, ResourceID: c.Resource.ID, TenantID: c.TenantID, Generation: c.Generation, Actor: c.Actor, Reason: c.Reason,
		Cursor: c.Cursor,
	}
	if c.Resource.Type == access.ResourceAPI {
		it.APIID = c.Resource.ID
	}
	if !c.Due.IsZero() {
		it.Due = fmtTime(c.Due)
		it.GSI2PK, it.GSI2SK = splitKey(dueGSI2(c.Due, it.key))
	}
	return it
}

func (it cleanupItem) task() (access.CleanupTask, error) {
	var p timeParser
	c := access.CleanupTask{
		Resource: itemResource(it.ResourceType, it.ResourceID, it.APIID), TenantID: it.TenantID, Generation: it.Generation, Actor: it.Actor,
		Reason: it.Reason, Due: p.at(it.Due), Cursor: it.Cursor,
	}
	return c, p.err
}

type idemItem struct {
	key
	Type        string `dynamodbav:"type"`
	TTL         int64  `dynamodbav:"ttl"`
	TenantID    string `dynamodbav:"tenant_id"`
	Sub         string `dynamodbav:"sub"`
	IdemKey     string `dynamodbav:"idempotency_key"`
	RequestHash string `dynamodbav:"request_hash"`
	Answer      []byte `dynamodbav:"answer"`
	CreatedAt   string `dynamodbav:"created_at"`
}

func newIdemItem(r access.IdempotencyRecord) idemItem {
	return idemItem{
		key: idemKey(r.TenantID, r.Sub, r.Key), Type: TypeIdem, TTL: ttlAt(r.CreatedAt.Add(idemRetention)),
		TenantID: r.TenantID, Sub: r.Sub, IdemKey: r.Key, RequestHash: r.RequestHash,
		Answer: r.Answer, CreatedAt: fmtTime(r.CreatedAt),
	}
}

func (it idemItem) record() (access.IdempotencyRecord, error) {
	var p timeParser
	r := access.IdempotencyRecord{
		TenantID: it.TenantID, Sub: it.Sub, Key: it.IdemKey, RequestHash: it.RequestHash,
		Answer: it.Answer, CreatedAt: p.at(it.CreatedAt),
	}
	return r, p.err
}

// auditItem is an audit entry and the outbox record of its domain event: the publish
// function selects stream INSERTs whose `type` is AUDIT and decodes them with
// DecodeAudit.
type auditItem struct {
	key
	Type            string              `dynamodbav:"type"`
	TTL             int64               `dynamodbav:"ttl"`
	AuditID         string              `dynamodbav:"audit_id"`
	Action          string              `dynamodbav:"action"`
	At              string              `dynamodbav:"occurred_at"`
	TenantID        string              `dynamodbav:"tenant_id"`
	Actor           string              `dynamodbav:"actor"`
	APIID           string              `dynamodbav:"api_id,omitempty"`
	AppID           string              `dynamodbav:"app_id,omitempty"`
	GrantID         string              `dynamodbav:"grant_id,omitempty"`
	RequestID       string              `dynamodbav:"request_id,omitempty"`
	ResourceType    access.ResourceType `dynamodbav:"resource_type,omitempty"`
	ResourceID      string              `dynamodbav:"resource_id,omitempty"`
	SubjectType     access.SubjectType  `dynamodbav:"subject_type,omitempty"`
	SubjectID       string              `dynamodbav:"subject_id,omitempty"`
	SubjectTenantID string              `dynamodbav:"subject_tenant_id,omitempty"`
	Env             access.Env          `dynamodbav:"env,omitempty"`
	StartTime       string              `dynamodbav:"start_time,omitempty"` // R25
	EndTime         string              `dynamodbav:"end_time,omitempty"`
	CancelAt        string              `dynamodbav:"cancel_at,omitempty"`
	Permissions     []access.Permission `dynamodbav:"permissions,omitempty"`
	Reason          string              `dynamodbav:"reason,omitempty"`
	ThresholdDays   int                 `dynamodbav:"threshold_days,omitempty"`
	PolicyExemption string              `dynamodbav:"policy_exemption,omitempty"` // R26
	AppKey          string              `dynamodbav:"app_key,omitempty"`
	CodeID          string              `dynamodbav:"code_id,omitempty"`
	WorkspaceID     string              `dynamodbav:"workspace_id,omitempty"` // R29
	Name            string              `dynamodbav:"name,omitempty"`         // R29
	ReviewID        string              `dynamodbav:"review_id,omitempty"`    // R28
	Decision        string              `dynamodbav:"decision,omitempty"`     // R28
}

func newAuditItem(e access.AuditEntry) (auditItem, error) {
	k, err := auditKey(e)
	if err != nil {
		return auditItem{}, err
	}
	it := auditItem{
		key: k, Type: TypeAudit, TTL: ttlAt(e.At.Add(auditRetention)),
		AuditID: e.ID, Action: e.Action, At: fmtTime(e.At), TenantID: e.TenantID, Actor: e.Actor,
		APIID: e.APIID, AppID: e.AppID, GrantID: e.GrantID, RequestID: e.RequestID, Env: e.Env,
		EndTime: fmtOptTime(e.EndTime), CancelAt: fmtOptTime(e.CancelAt), Permissions: e.Permissions,
		Reason: e.Reason, ThresholdDays: e.ThresholdDays, StartTime: fmtOptTime(e.StartTime), PolicyExemption: e.PolicyExemption, AppKey: e.AppKey,
		CodeID:      e.CodeID,
		WorkspaceID: e.WorkspaceID, Name: e.Name, ReviewID: e.ReviewID, Decision: string(e.Decision),
	}
	if s := e.Subject; s != nil {
		it.SubjectType, it.SubjectID, it.SubjectTenantID = s.Type, s.ID, s.TenantID
	}
	if r := e.Resource; r != nil {
		it.ResourceType, it.ResourceID = r.Type, r.ID
	}
	return it, nil
}

func (it auditItem) entry() (access.AuditEntry, error) {
	var p timeParser
	e := access.AuditEntry{
		ID: it.AuditID, Action: it.Action, At: p.at(it.At), TenantID: it.TenantID, Actor: it.Actor,
		APIID: it.APIID, AppID: it.AppID, GrantID: it.GrantID, RequestID: it.RequestID, Env: it.Env,
		EndTime: p.opt(it.EndTime), CancelAt: p.opt(it.CancelAt), Permissions: it.Permissions,
		Reason: it.Reason, ThresholdDays: it.ThresholdDays, StartTime: p.opt(it.StartTime), PolicyExemption: it.PolicyExemption, AppKey: it.AppKey,
		CodeID:      it.CodeID,
		WorkspaceID: it.WorkspaceID, Name: it.Name, ReviewID: it.ReviewID, Decision: access.ReviewDecision(it.Decision),
	}
	if it.SubjectType != "" {
		e.Subject = &access.Subject{Type: it.SubjectType, ID: it.SubjectID, TenantID: it.SubjectTenantID}
	}
	if it.ResourceType != "" {
		e.Resource = &access.Resource{Type: it.ResourceType, ID: it.ResourceID}
	}
	return e, p.err
}

// DecodeAudit turns an audit item (a stream record's NewImage, converted to the
// dynamodb types) back into its entry. It refuses items of any other type.
func DecodeAudit(item map[string]ddbtypes.AttributeValue) (access.AuditEntry, error) {
	var it auditItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return access.AuditEntry{}, fmt.Errorf("store: decode audit item: %w", err)
	}
	if it.Type != TypeAudit {
		return access.AuditEntry{}, fmt.Errorf("store: item of type %q is not an audit entry", it.Type)
	}
	if it.AuditID == "" || it.Action == "" || it.TenantID == "" {
		return access.AuditEntry{}, fmt.Errorf("store: audit item %s|%s lacks audit_id, action or tenant_id", it.PK, it.SK)
	}
	e, err := it.entry()
	if err != nil {
		return access.AuditEntry{}, fmt.Errorf("store: decode audit item %s: %w", it.AuditID, err)
	}
	return e, nil
}
