package store

import (
	"context"

	"gatepass/shared/access"
)

// CheckItems reads everything one check decides on in a single strongly consistent
// BatchGetItem (R14, R21–R24): the API, the app, the unit the query names, and every
// grant slot that may decide the call. Absent items are nil.
func (s *Store) CheckItems(ctx context.Context, q access.CheckQuery) (access.CheckItems, error) {
	const op = "store.check_items"
	var out access.CheckItems
	api, unit := access.APIResource(q.APIID), access.UnitResource(q.UnitID)
	slots := map[key]**access.Grant{}
	keys := []key{apiKey(q.APIID)}
	slot := func(r access.Resource, sub access.Subject, dst **access.Grant) {
		k := grantKey(access.SlotOf(r, q.Env, sub))
		slots[k] = dst
		keys = append(keys, k)
	}
	if q.UnitID != "" {
		keys = append(keys, unitKey(q.UnitID))
	}
	if q.AppID != "" {
		keys = append(keys, appKey(q.AppID))
		asApp := access.Subject{Type: access.SubjectApp, ID: q.AppID}
		slot(api, asApp, &out.AppGrant)
		if q.UnitID != "" {
			slot(unit, asApp, &out.UnitAppGrant)
		}
		if q.Workspace != "" {
			asWS := access.Subject{Type: access.SubjectWorkspace, ID: q.Workspace}
			slot(api, asWS, &out.WorkspaceGrant)
			if q.UnitID != "" {
				slot(unit, asWS, &out.UnitWSGrant)
			}
		}
	}
	if u := q.User; u != nil {
		if q.AppID != "" {
			slot(access.AppResource(q.AppID), *u, &out.AppPermission)
		} else {
			slot(api, *u, &out.UserGrant)
			if q.UnitID != "" {
				slot(unit, *u, &out.UnitUserGrant)
			}
		}
	}
	items, err := s.batchGet(ctx, op, keys)
	if err != nil {
		return access.CheckItems{}, err
	}
	if item, ok := items[apiKey(q.APIID).String()]; ok {
		a, err := decode(op, item, apiItem.api)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.API = &a
	}
	if item, ok := items[appKey(q.AppID).String()]; ok && q.AppID != "" {
		a, err := decode(op, item, appItem.app)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.App = &a
	}
	if item, ok := items[unitKey(q.UnitID).String()]; ok && q.UnitID != "" {
		u, err := decode(op, item, unitItem.unit)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.Unit = &u
	}
	for k, dst := range slots {
		item, ok := items[k.String()]
		if !ok {
			continue
		}
		g, err := decode(op, item, grantItem.grant)
		if err != nil {
			return access.CheckItems{}, err
		}
		*dst = &g
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
