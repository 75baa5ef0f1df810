package store

import (
	"context"

	"gatepass/shared/access"
)

// Audit pages through the audit entries of an API (scope "API"), an app ("APP") or a
// unit ("UNIT"), newest first. The log is spread over AuditShards partitions whose sort
// keys (time, then entry id) order all of them: a page merges them (mergedListing). The
// token is the last entry's sort key, bound to this log.
func (s *Store) Audit(ctx context.Context, scope, id string, pageSize int, next string) (access.AuditPage, error) {
	const op = "store.audit"
	if scope != ScopeAPI && scope != ScopeApp && scope != ScopeUnit {
		return access.AuditPage{}, access.E(op, access.CodeInvalid, "audit scope must be API, APP or UNIT")
	}
	l := mergedListing{name: "audit", log: auditPartition(scope, id), index: tableKeys, partitions: auditPartitions(scope, id)}
	entries, tok, err := pageOf(ctx, s, op, l, pageSize, next, auditItem.entry)
	if err != nil {
		return access.AuditPage{}, err
	}
	return access.AuditPage{Items: entries, Next: tok}, nil
}
