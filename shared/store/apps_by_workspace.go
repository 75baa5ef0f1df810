package store

import (
	"context"

	"gatepass/shared/access"
)

// AppsByWorkspace lists a tenant's workspace's apps (GSI1), sorted by id.
func (s *Store) AppsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]access.App, error) {
	pk := appGSI1(tenantID, workspaceID, "").PK
	return queryIndex(ctx, s, "store.apps_by_workspace", IndexGSI1, pk, appItem.app)
}
