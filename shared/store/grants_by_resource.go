package store

import (
	"context"

	"gatepass/shared/access"
)

// GrantsByResource pages through one resource's grants newest first: GSI3 by grant id
// (a ULID), spread over GrantShards partitions plus the unsharded one of grants
// indexed before the shards, merged (mergedListing). The token is the last grant id
// returned, bound to this resource's listing.
func (s *Store) GrantsByResource(ctx context.Context, r access.Resource, pageSize int, next string) (access.GrantPage, error) {
	const op = "store.grants_by_resource"
	l := mergedListing{name: "grants", log: grantsPartition(r), index: gsi3, partitions: grantsPartitions(r)}
	grants, tok, err := pageOf(ctx, s, op, l, pageSize, next, grantItem.grant)
	if err != nil {
		return access.GrantPage{}, err
	}
	return access.GrantPage{Items: grants, Next: tok}, nil
}
