package store

import (
	"context"

	"gatepass/shared/access"
)

// GrantsBySubject lists the grants whose subject is sub across all resources (GSI1),
// sorted by resource (APIs, then apps, then units), then env.
func (s *Store) GrantsBySubject(ctx context.Context, sub access.Subject) ([]access.Grant, error) {
	return queryIndex(ctx, s, "store.grants_by_subject", IndexGSI1, subjectGSI1PK(sub), grantItem.grant)
}
