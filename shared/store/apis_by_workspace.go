package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// APIsByWorkspace lists a tenant's workspace's APIs (GSI1), sorted by lower-case name, then id.
func (s *Store) APIsByWorkspace(ctx context.Context, tenantID, workspaceID string) ([]access.API, error) {
	const op = "store.apis_by_workspace"
	pk := apiGSI1(tenantID, workspaceID, "", "").PK
	return sortedAPIs(queryIndex(ctx, s, op, IndexGSI1, pk, apiItem.api))
}

// APIsByTenant lists a tenant's APIs (GSI2), sorted by lower-case name, then id.
func (s *Store) APIsByTenant(ctx context.Context, tenantID string) ([]access.API, error) {
	const op = "store.apis_by_tenant"
	pk := apiGSI2(tenantID, "", "").PK
	return sortedAPIs(queryIndex(ctx, s, op, IndexGSI2, pk, apiItem.api))
}

// sortedAPIs sorts by lower-case name, then id. The index sort keys already sort so,
// except where a name holds characters that sort below the '#' delimiter.
func sortedAPIs(apis []access.API, err error) ([]access.API, error) {
	slices.SortStableFunc(apis, func(a, b access.API) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	})
	return apis, err
}

// APIsByIDs reads APIs by id with BatchGetItem (100 keys a request), in the order of
// ids; absent ones are skipped.
func (s *Store) APIsByIDs(ctx context.Context, ids []string) ([]access.API, error) {
	const op = "store.apis_by_ids"
	keys := make([]key, len(ids))
	for i, id := range ids {
		keys[i] = apiKey(id)
	}
	items, err := s.batchGet(ctx, op, keys)
	if err != nil {
		return nil, err
	}
	out := make([]access.API, 0, len(items))
	for _, k := range keys {
		item, ok := items[k.String()]
		if !ok {
			continue
		}
		delete(items, k.String()) // an id named twice is returned once
		a, err := decode(op, item, apiItem.api)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// queryIndex reads a whole GSI partition (eventually consistent, as every GSI read)
// and converts its items, in sort-key order.
func queryIndex[T, R any](ctx context.Context, s *Store, op, index, pk string, conv func(T) (R, error)) ([]R, error) {
	pkAttr := AttrGSI1PK
	switch index {
	case IndexGSI2:
		pkAttr = AttrGSI2PK
	case IndexGSI3:
		pkAttr = AttrGSI3PK
	}
	in, err := s.queryInput(index, keyCond(pkAttr, pk), nil, true)
	if err != nil {
		return nil, internal(op, err)
	}
	var out []R
	err = s.queryAll(ctx, op, in, func(item map[string]ddbtypes.AttributeValue) error {
		v, err := decode(op, item, conv)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	return out, err
}
