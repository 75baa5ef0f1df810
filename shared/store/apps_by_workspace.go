package store

import (
	"context"

	"gatepass/shared/access"
)

// AppsByWorkspace lists a workspace's apps (GSI1), sorted by id.
func (s *Store) AppsByWorkspace(ctx context.Context, workspaceID string) ([]access.App, error) {
	pk, _ := appGSI1(workspaceID, "")
	return queryIndex(ctx, s, "store.apps_by_workspace", IndexGSI1, pk, appItem.app)
}
