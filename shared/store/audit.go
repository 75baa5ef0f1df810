package store

import (
	"context"

	"gatepass/shared/access"
)

// Audit pages through the audit entries of an API (scope "API") or an app (scope
// "APP"), newest first. The token is bound to that scope and id.
func (s *Store) Audit(ctx context.Context, scope, id string, pageSize int, next string) (access.AuditPage, error) {
	const op = "store.audit"
	if scope != ScopeAPI && scope != ScopeApp && scope != ScopeUnit {
		return access.AuditPage{}, access.E(op, access.Invalid, access.CodeInvalid, "audit scope must be API, APP or UNIT")
	}
	l := listing{name: "audit", pk: auditPartition(scope, id)}
	items, tok, err := s.page(ctx, op, l, false, pageSize, next)
	if err != nil {
		return access.AuditPage{}, err
	}
	entries, err := decodeAll(op, items, auditItem.entry)
	if err != nil {
		return access.AuditPage{}, err
	}
	return access.AuditPage{Items: entries, Next: tok}, nil
}
