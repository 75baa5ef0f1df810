package store

import (
	"cmp"
	"context"
	"slices"

	"gatepass/shared/access"
)

var requestStatuses = []access.RequestStatus{
	access.RequestPending, access.RequestApproved, access.RequestRejected, access.RequestWithdrawn, access.RequestExpired,
}

// RequestsByWorkspace lists the requests a workspace reviews (GSI1, one partition per
// status), oldest first; status "" lists every status.
func (s *Store) RequestsByWorkspace(ctx context.Context, tenantID, workspaceID string, status access.RequestStatus) ([]access.Request, error) {
	const op = "store.requests_by_workspace"
	statuses := requestStatuses
	if status != "" {
		statuses = []access.RequestStatus{status}
	}
	var out []access.Request
	for _, st := range statuses {
		reqs, err := queryIndex(ctx, s, op, IndexGSI1, requestGSI1PK(tenantID, workspaceID, st), requestItem.request)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	sortRequests(out)
	return out, nil
}

// RequestsByApp lists an app's requests (GSI2), oldest first.
func (s *Store) RequestsByApp(ctx context.Context, appID string) ([]access.Request, error) {
	return queryIndex(ctx, s, "store.requests_by_app", IndexGSI2, requestGSI2PK(appID), requestItem.request)
}

// RequestsByRequester lists the requests one person made (GSI3), oldest first.
func (s *Store) RequestsByRequester(ctx context.Context, tenantID, sub string) ([]access.Request, error) {
	return queryIndex(ctx, s, "store.requests_by_requester", IndexGSI3, requestGSI3PK(tenantID, sub), requestItem.request)
}

func sortRequests(rs []access.Request) {
	slices.SortStableFunc(rs, func(a, b access.Request) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}
