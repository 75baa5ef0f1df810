package store

import (
	"context"

	"gatepass/shared/access"
)

func grantsListing(r access.Resource) listing {
	pk := grantGSI3(r, "").PK
	return listing{name: "grants", pk: pk, index: gsi3, tablePK: resourcePartition(r)}
}

// GrantsByResource pages through one resource's grants newest first (GSI3, by grant
// id, a ULID). The token is bound to this resource's listing.
func (s *Store) GrantsByResource(ctx context.Context, r access.Resource, pageSize int, next string) (access.GrantPage, error) {
	const op = "store.grants_by_resource"
	items, tok, err := s.page(ctx, op, grantsListing(r), false, pageSize, next)
	if err != nil {
		return access.GrantPage{}, err
	}
	grants, err := decodeAll(op, items, grantItem.grant)
	if err != nil {
		return access.GrantPage{}, err
	}
	return access.GrantPage{Items: grants, Next: tok}, nil
}
