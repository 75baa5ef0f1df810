package store

import (
	"context"

	"gatepass/shared/access"
)

// ServiceUnitsByWorkspace lists a workspace's live service units (GSI1; a deleted unit
// leaves the index), sorted by id.
func (s *Store) ServiceUnitsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]access.ServiceUnit, error) {
	pk := unitGSI1(tenantID, workspaceID, "").PK
	return queryIndex(ctx, s, "store.service_units_by_workspace", IndexGSI1, pk, unitItem.unit)
}
