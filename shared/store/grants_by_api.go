package store

import (
	"context"

	"gatepass/shared/access"
)

func grantsListing(apiID string) listing {
	pk := grantGSI3(apiID, "").PK
	return listing{name: "grants", pk: pk, index: gsi3, tablePK: apiPartition(apiID)}
}

// GrantsByAPI pages through one API's grants newest first (GSI3, by grant id, a ULID).
// The token is bound to this API's listing.
func (s *Store) GrantsByAPI(ctx context.Context, apiID string, pageSize int, next string) (access.GrantPage, error) {
	const op = "store.grants_by_api"
	items, tok, err := s.page(ctx, op, grantsListing(apiID), false, pageSize, next)
	if err != nil {
		return access.GrantPage{}, err
	}
	grants, err := decodeAll(op, items, grantItem.grant)
	if err != nil {
		return access.GrantPage{}, err
	}
	return access.GrantPage{Items: grants, Next: tok}, nil
}
