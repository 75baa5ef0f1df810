package store

import (
	"context"

	"gatepass/shared/access"
)

// GrantsBySubject lists the grants whose subject is (t, id) across all APIs (GSI1),
// sorted by API id, then env.
func (s *Store) GrantsBySubject(ctx context.Context, t access.SubjectType, id string) ([]access.Grant, error) {
	return queryIndex(ctx, s, "store.grants_by_subject", IndexGSI1, subjectGSI1PK(t, id), grantItem.grant)
}
