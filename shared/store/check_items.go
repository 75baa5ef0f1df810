package store

import (
	"context"

	"gatepass/shared/access"
)

// CheckItems reads everything one check decides on in a single strongly consistent
// BatchGetItem: the API, the app, the APP grant slot and, when workspaceID is known,
// the WORKSPACE grant slot (R14). Absent items are nil.
func (s *Store) CheckItems(ctx context.Context, apiID, appID string, env access.Env, workspaceID string) (access.CheckItems, error) {
	const op = "store.check_items"
	apiK, appK := apiKey(apiID), appKey(appID)
	appGrantK := grantKey(access.SlotOf(access.APIResource(apiID), env, access.Subject{Type: access.SubjectApp, ID: appID}))
	keys := []key{apiK, appK, appGrantK}
	var wsGrantK key
	if workspaceID != "" {
		wsGrantK = grantKey(access.SlotOf(access.APIResource(apiID), env, access.Subject{Type: access.SubjectWorkspace, ID: workspaceID}))
		keys = append(keys, wsGrantK)
	}
	items, err := s.batchGet(ctx, op, keys)
	if err != nil {
		return access.CheckItems{}, err
	}
	var out access.CheckItems
	if item, ok := items[apiK.String()]; ok {
		a, err := decode(op, item, apiItem.api)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.API = &a
	}
	if item, ok := items[appK.String()]; ok {
		a, err := decode(op, item, appItem.app)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.App = &a
	}
	slots := []struct {
		k   key
		dst **access.Grant
	}{{appGrantK, &out.AppGrant}, {wsGrantK, &out.WorkspaceGrant}}
	for _, slot := range slots {
		item, ok := items[slot.k.String()]
		if !ok || slot.k == (key{}) {
			continue
		}
		g, err := decode(op, item, grantItem.grant)
		if err != nil {
			return access.CheckItems{}, err
		}
		*slot.dst = &g
	}
	return out, nil
}

// ResolveAppCode reads the AppCode and path lookups of an authorizer call in one
// strongly consistent BatchGetItem: a rotated AppCode stops working at once. An absent
// lookup gives an empty id.
func (s *Store) ResolveAppCode(ctx context.Context, codeHash, path string) (appID, apiID string, err error) {
	const op = "store.resolve_app_code"
	codeK, pathK := lookupKey(access.LookupAppCode, codeHash), lookupKey(access.LookupPath, path)
	items, err := s.batchGet(ctx, op, []key{codeK, pathK})
	if err != nil {
		return "", "", err
	}
	target := func(k key) (string, error) {
		item, ok := items[k.String()]
		if !ok {
			return "", nil
		}
		return decode(op, item, func(l lookupItem) (string, error) { return l.Target, nil })
	}
	if appID, err = target(codeK); err != nil {
		return "", "", err
	}
	if apiID, err = target(pathK); err != nil {
		return "", "", err
	}
	return appID, apiID, nil
}
