package store

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"gatepass/shared/access"
)

// Every key format of the table lives in this file (STYLE.md). Partition keys that are
// queried by prefix or hold several ids end with a delimiter, so that begins_with("u1#")
// never matches "u10#". Caller-chosen ids are [A-Za-z0-9._:-] and never contain '#';
// free-text segments (a token's sub, an Idempotency-Key) are escaped by escapeSeg.

// Item types: the `type` attribute of every item.
const (
	TypeAPI      = "API"
	TypePath     = "PATH"
	TypeApp      = "APP"
	TypeCode     = "CODE"
	TypeAppKey   = "AKEY"
	TypeNonce    = "NONCE"
	TypeGrant    = "GRANT"
	TypeGrantRef = "GRANTREF"
	TypeRequest  = "REQUEST"
	TypeAudit    = "AUDIT"
	TypeIdem     = "IDEM"
	TypeCleanup  = "CLEANUP"
	TypeUnit     = "UNIT"
	TypeDefault  = "WSDEFAULT"
	TypePolicy   = "POLICY" // R26
	// TypeWorkspace is a tenant's registered workspace (R29).
	TypeWorkspace = "WORKSPACE"
	// TypeRequestDue is a PENDING request's due marker (R27).
	TypeRequestDue = "REQDUE"
	// TypeReview is an access review and TypeReviewItem one of its items (R28).
	TypeReview     = "REVIEW"
	TypeReviewItem = "REVIEWITEM"
)

const (
	skMeta        = "META"
	skGrantPrefix = "GRANT#"
	skCleanup     = "CLEANUP#"
	// dueUpper sorts after every "#..." suffix of a GSI2 sort key with the same time.
	dueUpper = "~"
)

// sortTime is a fixed-width RFC 3339 layout (UTC, nanoseconds always written) so that
// sort keys holding times compare as the times do. time.RFC3339Nano drops trailing zeros
// and would sort "…:05Z" after "…:05.1Z".
const sortTime = "2006-01-02T15:04:05.000000000Z07:00"

func fmtSortTime(t time.Time) string { return t.UTC().Format(sortTime) }

func dayBucket(t time.Time) string { return "DUE#" + t.UTC().Format(time.DateOnly) }

// key is the primary key of an item, or its entry in an index (GSI PK and SK).
type key struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`
}

// splitKey returns k's two halves, for the PK and SK attributes of an index.
func splitKey(k key) (pk, sk string) { return k.PK, k.SK }

func (k key) String() string { return k.PK + "|" + k.SK }

func apiKey(apiID string) key { return key{"API#" + apiID, skMeta} }

func apiPartition(apiID string) string { return "API#" + apiID }

// wsPartition is the prefix of a workspace's index partitions. A workspace id is unique
// only inside its tenant (two tenants may each have "shared"), so the tenant is part of
// every key that names a workspace; it is escaped, being any token's tenant_id.
func wsPartition(tenantID, workspaceID string) string {
	return "WS#" + escapeSeg(tenantID) + "#" + workspaceID + "#"
}

func apiGSI1(tenantID, workspaceID, name, apiID string) key {
	return key{wsPartition(tenantID, workspaceID) + "API#", strings.ToLower(name) + "#" + apiID}
}

// apiGSI2 lists a tenant's APIs by name (APIsByTenant).
func apiGSI2(tenantID, name, apiID string) key {
	return key{"TENANT#" + tenantID + "#API#", strings.ToLower(name) + "#" + apiID}
}

func appKey(appID string) key { return key{appPartition(appID), skMeta} }

func appPartition(appID string) string { return "APP#" + appID }

func unitKey(unitID string) key { return key{unitPartition(unitID), skMeta} }

func unitPartition(unitID string) string { return "UNIT#" + unitID }

// unitGSI1 lists a workspace's service units by id (R23).
func unitGSI1(tenantID, workspaceID, unitID string) key {
	return key{wsPartition(tenantID, workspaceID) + "UNIT#", unitID}
}

// defaultAppKey is the lock item that holds a workspace's default app (R21): one item
// per workspace of a tenant, so the store (a conditional put) keeps it to one app.
func defaultAppKey(tenantID, workspaceID string) key {
	return key{"WSDEFAULT#" + escapeSeg(tenantID) + "#" + workspaceID, skMeta}
}

// resourcePartition is the partition of a resource's META item and of its grants.
func resourcePartition(r access.Resource) string {
	switch r.Type {
	case access.ResourceServiceUnit:
		return unitPartition(r.ID)
	case access.ResourceApp:
		return appPartition(r.ID)
	}
	return apiPartition(r.ID)
}

// resourceSeg is the short form of a resource in index keys ("API#a", "UNIT#u", "APP#p").
func resourceSeg(r access.Resource) string { return resourcePartition(r) }

func appGSI1(tenantID, workspaceID, appID string) key {
	return key{wsPartition(tenantID, workspaceID) + "APP#", appID}
}

func lookupKey(kind access.LookupKind, value string) key {
	// A path is the last segment of an exact-match key: it may hold any character.
	return key{string(kind) + "#" + value, skMeta}
}

// nonceKey is a signed call's nonce, one partition per (AppKey, nonce).
func nonceKey(appKey, nonce string) key {
	return key{"NONCE#" + escapeSeg(appKey) + "#" + escapeSeg(nonce), skMeta}
}

func lookupType(kind access.LookupKind) string {
	switch kind {
	case access.LookupAppCode:
		return TypeCode
	case access.LookupAppKey:
		return TypeAppKey
	}
	return TypePath
}

// subjectSeg is a subject in keys: "APP#<id>", "WS#<tenant>#<id>",
// "USER#<tenant>#<sub>" (a workspace and a user are unique only inside their tenant;
// the tenant is escaped, and so is a sub, which may be any token's).
func subjectSeg(t access.SubjectType, tenant, id string) string {
	switch t {
	case access.SubjectWorkspace:
		return "WS#" + escapeSeg(tenant) + "#" + id
	case access.SubjectUser:
		return "USER#" + escapeSeg(tenant) + "#" + escapeSeg(id)
	}
	return "APP#" + id
}

// grantKey is a grant's slot: in its resource's partition, "GRANT#<env>#<subject>",
// or "GRANT#<subject>" for an app grant, which has no env (R24).
func grantKey(k access.GrantKey) key {
	sk := skGrantPrefix + subjectSeg(k.Subject, k.SubjectTenant, k.ID)
	if k.Resource.HasEnv() {
		sk = skGrantPrefix + string(k.Env) + "#" + subjectSeg(k.Subject, k.SubjectTenant, k.ID)
	}
	return key{resourcePartition(k.Resource), sk}
}

func subjectGSI1PK(s access.Subject) string {
	return "SUBJ#" + subjectSeg(s.Type, s.TenantID, s.ID) + "#"
}

// grantGSI1 lists a subject's grants on every resource: "API#<api>#<env>",
// "UNIT#<unit>#<env>", "APP#<app>".
func grantGSI1(k access.GrantKey) key {
	sk := resourceSeg(k.Resource)
	if k.Resource.HasEnv() {
		sk += "#" + string(k.Env)
	}
	return key{subjectGSI1PK(access.Subject{Type: k.Subject, ID: k.ID, TenantID: k.SubjectTenant}), sk}
}

// dueGSI2 indexes an item in the day bucket of due; the sort key ends with the item's
// own key, so that two items due at the same instant stay distinct.
func dueGSI2(due time.Time, k key) key {
	return key{dueBucket(due, dueShard(k)), fmtSortTime(due) + "#" + k.PK + "#" + k.SK}
}

// grantGSI3 lists a resource's grants newest first: grant ids are ULIDs, sortable by
// the time they were made. The entry goes to one of the resource's GrantShards
// partitions, chosen by the grant id, so a grant keeps its shard while it changes.
func grantGSI3(r access.Resource, grantID string) key {
	h := fnv.New32a()
	h.Write([]byte(grantID))
	return key{grantShard(r, int(h.Sum32()%GrantShards)), grantID}
}

// GrantShards spreads one resource's GSI3 grant entries over this many partitions:
// every change of a grant rewrites its entry (~1.9 write units), and a partition takes
// at most 1,000 write units a second, so one partition would hold a resource to about
// 520 grant changes a second; 4 shards hold it to about 2,100 (docs/capacity.md).
const GrantShards = 4

// grantsPartition is a resource's unsharded GSI3 grant partition: where grants were
// indexed before the index was sharded, and the listing a next_token is bound to.
func grantsPartition(r access.Resource) string { return resourceSeg(r) + "#GRANTS#" }

// grantShard is shard n of a resource's GSI3 grant partition: two digits after it.
func grantShard(r access.Resource, n int) string {
	return fmt.Sprintf("%s%02d", grantsPartition(r), n)
}

// grantsPartitions are the GSI3 partitions that hold a resource's grants: its shards,
// then the unsharded partition of the grants indexed before it was sharded.
func grantsPartitions(r access.Resource) []string {
	out := make([]string, GrantShards, GrantShards+1)
	for n := range out {
		out[n] = grantShard(r, n)
	}
	return append(out, grantsPartition(r))
}

func grantRefKey(grantID string) key { return key{"GRANTID#" + grantID, skMeta} }

func requestKey(id string) key { return key{"REQ#" + id, skMeta} }

// requestDueKey is a PENDING request's due marker, beside the request (R27).
func requestDueKey(id string) key { return key{"REQ#" + id, "DUE"} }

func requestGSI1PK(tenantID, workspaceID string, status access.RequestStatus) string {
	return wsPartition(tenantID, workspaceID) + "REQ#" + string(status) + "#"
}

func requestGSI2PK(appID string) string { return "APP#" + appID + "#REQ#" }

// requestGSI3PK lists one person's requests (requester=me): tenant ids hold no '#', so
// the sub after it is unambiguous.
func requestGSI3PK(tenantID, sub string) string { return "REQUESTER#" + tenantID + "#" + sub + "#" }

func requestSortKey(created time.Time, id string) string { return fmtSortTime(created) + "#" + id }

// Audit scopes (access.Store.Audit).
const (
	ScopeAPI  = "API"
	ScopeApp  = "APP"
	ScopeUnit = "UNIT"
	// ScopeTenant files a tenant's own changes (its default policy, R26).
	ScopeTenant = "TENANT"
)

func auditPartition(scope, id string) string { return "AUDIT#" + scope + "#" + id + "#" }

// auditKey files an entry under the unit or app its resource names, else under its
// API when it names one, else under its app.
func auditKey(e access.AuditEntry) (key, error) {
	var pk string
	switch {
	case e.Resource != nil && e.Resource.Type == access.ResourceServiceUnit:
		pk = auditPartition(ScopeUnit, e.Resource.ID)
	case e.Resource != nil && e.Resource.Type == access.ResourceApp:
		pk = auditPartition(ScopeApp, e.Resource.ID)
	case e.Resource != nil && e.Resource.Type == access.ResourceTenant: // a tenant default policy (R26)
		pk = auditPartition(ScopeTenant, e.Resource.ID)
	case e.APIID != "":
		pk = auditPartition(ScopeAPI, e.APIID)
	case e.AppID != "":
		pk = auditPartition(ScopeApp, e.AppID)
	default:
		return key{}, fmt.Errorf("audit entry %s names neither an API nor an app", e.ID)
	}
	return key{auditShardPartition(pk, e.ID), fmtSortTime(e.At) + "#" + e.ID}, nil
}

// reviewPartition holds an access review (META) and its items (R28).
func reviewPartition(id string) string { return "REVIEW#" + id }

func reviewKey(id string) key { return key{reviewPartition(id), skMeta} }

// skReviewItem prefixes a review item's sort key: the item's grant id follows, so
// the report pages by grant id.
const skReviewItem = "ITEM#"

func reviewEntryKey(reviewID, grantID string) key {
	return key{reviewPartition(reviewID), skReviewItem + grantID}
}

// reviewGSI1 lists a workspace's reviews, newest first by creation (R28).
func reviewGSI1(tenantID, workspaceID string, created time.Time, id string) key {
	return key{wsPartition(tenantID, workspaceID) + "REVIEW#", fmtSortTime(created) + "#" + id}
}

// policyKey is the policy of an API, a unit or a tenant (R26): POLICY#<type>#<id>.
func policyKey(scope access.Resource) key {
	return key{"POLICY#" + string(scope.Type) + "#" + scope.ID, skMeta}
}

// workspacePartition holds a tenant's workspace directory (R29), one item per
// workspace id, so that a listing is one Query and a check one ConditionCheck.
func workspacePartition(tenantID string) string {
	return "WSDIR#" + escapeSeg(tenantID) + "#"
}

// workspaceKey is a registered workspace of a tenant (R29).
func workspaceKey(tenantID, workspaceID string) key {
	return key{workspacePartition(tenantID), workspaceID}
}

func idemKey(tenant, sub, k string) key {
	return key{"IDEM#" + tenant + "#" + escapeSeg(sub) + "#" + escapeSeg(k), skMeta}
}

// cleanupKey numbers tasks with a zero-padded generation so that they sort in order;
// a task lives in its resource's partition (an API's, R4; a unit's, R23).
func cleanupKey(r access.Resource, generation int64) key {
	return key{resourcePartition(r), fmt.Sprintf("%s%020d", skCleanup, generation)}
}

// escapeSeg makes a free-text key segment unambiguous: ("a#b", "c") and ("a", "b#c")
// must not share a key.
func escapeSeg(s string) string {
	return strings.NewReplacer("%", "%25", "#", "%23").Replace(s)
}

// DueShards is how many GSI2 partitions each day of the due index is spread over: a
// burst of grants that all come due on one day (one reminder day, one end day) writes
// that day's bucket at the rate it is granted, and one partition takes at most 1,000
// write units a second (docs/capacity.md).
const DueShards = 16

// dueBucket is shard of day's bucket in the due index.
func dueBucket(day time.Time, shard int) string {
	return fmt.Sprintf("%s#%02d", dayBucket(day), shard)
}

// dueShard spreads items over the shards by their own key: an item keeps its shard
// whenever its due time moves.
func dueShard(k key) int {
	h := fnv.New32a()
	h.Write([]byte(k.PK))
	h.Write([]byte{'|'})
	h.Write([]byte(k.SK))
	return int(h.Sum32() % DueShards)
}

// dueBuckets are the GSI2 partitions that hold what is due on day: its shards, then
// the unsharded bucket of the items indexed before the buckets were sharded.
func dueBuckets(day time.Time) []string {
	out := make([]string, 0, DueShards+1)
	for i := range DueShards {
		out = append(out, dueBucket(day, i))
	}
	return append(out, dayBucket(day))
}

// APIReplicas is how many copies of an API item the table holds besides META, written
// in the same transaction as every change of it, so a copy can never lag the item: a
// condition check (R1, on every grant made) goes to one copy chosen at random instead of
// the hot META item, and a check can read any one. docs/capacity.md sizes it.
const APIReplicas = 56

// AppReplicas and LookupReplicas are the same for an app item and for an AppCode or
// path lookup (docs/capacity.md).
const (
	AppReplicas    = 48
	LookupReplicas = 12
)

// TypeReplica is the type of every copy.
const TypeReplica = "REPLICA"

// apiReplicaKey is copy n (0 ≤ n < APIReplicas) of an API item: a partition of its own.
func apiReplicaKey(apiID string, n int) key { return replicaKey(apiKey(apiID), n) }

// replicaKey is copy n of the item at k: its partition key with "#R" and two digits.
// Ids and paths never hold '#', so no item of another kind has such a key.
func replicaKey(k key, n int) key { return key{fmt.Sprintf("%s#R%02d", k.PK, n), k.SK} }

// AuditShards spreads one API's (app's, unit's) audit log over this many partitions:
// every change of a busy API's grants appends an entry, and a partition whose sort
// keys only grow (times) takes at most 1,000 write units a second (docs/capacity.md).
const AuditShards = 4

// auditShardPartition is the shard of audit partition pk that entry id goes to.
func auditShardPartition(pk, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%s%d", pk, h.Sum32()%AuditShards)
}

// auditPartitions are the partitions of an audit log: its shards, then the unsharded
// partition of the entries written before the log was sharded.
func auditPartitions(scope, id string) []string {
	pk := auditPartition(scope, id)
	out := make([]string, 0, AuditShards+1)
	for n := range AuditShards {
		out = append(out, fmt.Sprintf("%s%d", pk, n))
	}
	return append(out, pk)
}
