package store

import (
	"context"

	"gatepass/shared/access"
)

// AppsByWorkspace lists a workspace's apps (GSI1), sorted by id.
func (s *Store) AppsByWorkspace(ctx context.Context, workspaceID string) ([]access.App, error) {
	pk := appGSI1(workspaceID, "").PK
	return queryIndex(ctx, s, "store.apps_by_workspace", IndexGSI1, pk, appItem.app)
}
