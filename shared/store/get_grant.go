package store

import (
	"context"

	"gatepass/shared/access"
)

// GetGrant reads a grant on r by id: its GrantRef, then the slot it names.
// NotFound.Grant when the id is unknown, is on another resource, or its slot now holds
// another grant.
func (s *Store) GetGrant(ctx context.Context, r access.Resource, grantID string) (access.Grant, error) {
	const op = "store.get_grant"
	var ref grantRefItem
	ok, err := s.getItem(ctx, op, grantRefKey(grantID), &ref)
	if err != nil {
		return access.Grant{}, err
	}
	if !ok || ref.ref().Key.Resource != r {
		return access.Grant{}, notFound(op, access.CodeNotFoundGrant, "grant")
	}
	g, err := s.GetGrantAt(ctx, ref.ref().Key)
	if err != nil {
		return access.Grant{}, err
	}
	if g.ID != grantID {
		return access.Grant{}, notFound(op, access.CodeNotFoundGrant, "grant")
	}
	return g, nil
}

// GetGrantAt reads the grant in a slot; NotFound.Grant when the slot is empty.
func (s *Store) GetGrantAt(ctx context.Context, k access.GrantKey) (access.Grant, error) {
	const op = "store.get_grant_at"
	var it grantItem
	ok, err := s.getItem(ctx, op, grantKey(k), &it)
	if err != nil {
		return access.Grant{}, err
	}
	if !ok {
		return access.Grant{}, notFound(op, access.CodeNotFoundGrant, "grant")
	}
	return convert(op, it.grant)
}

// GetGrantsAt reads several slots with BatchGetItem (100 keys a request), in the order
// of keys; empty slots are skipped.
func (s *Store) GetGrantsAt(ctx context.Context, keys []access.GrantKey) ([]access.Grant, error) {
	const op = "store.get_grants_at"
	ks := make([]key, len(keys))
	for i, k := range keys {
		ks[i] = grantKey(k)
	}
	items, err := s.batchGet(ctx, op, ks)
	if err != nil {
		return nil, err
	}
	out := make([]access.Grant, 0, len(items))
	done := map[string]bool{}
	for _, k := range ks {
		item, ok := items[k.String()]
		if !ok || done[k.String()] {
			continue
		}
		done[k.String()] = true
		g, err := decode(op, item, grantItem.grant)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
