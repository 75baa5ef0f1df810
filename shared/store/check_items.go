package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// CheckItems reads everything one check decides on in a single strongly consistent
// BatchGetItem (R14, R21–R24): the API, the app, the unit the query names, and every
// grant slot that may decide the call. The API and the app are read from one of their
// copies, chosen at random, so that a hot API or app spreads its reads over many items
// (docs/capacity.md); a copy is written in the same transaction as its item, so it is
// never older. An item written before copies existed has none: its absent copy costs one
// more read of the item itself. Absent items are nil.
func (s *Store) CheckItems(ctx context.Context, q access.CheckQuery) (access.CheckItems, error) {
	const op = "store.check_items"
	var out access.CheckItems
	r := s.checkReads(q)
	items, err := s.batchGet(ctx, op, r.keys)
	if err != nil {
		return access.CheckItems{}, err
	}
	apiItemAV, err := s.orOriginal(ctx, op, items, r.api, apiKey(q.APIID))
	if err != nil {
		return access.CheckItems{}, err
	}
	if apiItemAV != nil {
		a, err := decode(op, apiItemAV, apiItem.api)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.API = &a
	}
	if q.AppID != "" {
		appAV, err := s.orOriginal(ctx, op, items, r.app, appKey(q.AppID))
		if err != nil {
			return access.CheckItems{}, err
		}
		if appAV != nil {
			a, err := decode(op, appAV, appItem.app)
			if err != nil {
				return access.CheckItems{}, err
			}
			out.App = &a
		}
	}
	if item, ok := items[unitKey(q.UnitID).String()]; ok && q.UnitID != "" {
		u, err := decode(op, item, unitItem.unit)
		if err != nil {
			return access.CheckItems{}, err
		}
		out.Unit = &u
	}
	dst := map[string]**access.Grant{}
	slot := func(r access.Resource, sub access.Subject, to **access.Grant) {
		dst[grantKey(access.SlotOf(r, q.Env, sub)).String()] = to
	}
	r.eachSlot(q, slot, &out)
	for k, to := range dst {
		item, ok := items[k]
		if !ok {
			continue
		}
		g, err := decode(op, item, grantItem.grant)
		if err != nil {
			return access.CheckItems{}, err
		}
		*to = &g
	}
	return out, nil
}

// checkRead is what one check reads: the keys of its batch, and which of them are the
// copies of the API and the app.
type checkRead struct {
	keys     []key
	api, app key
}

// checkReads lists the keys of q's batch.
func (s *Store) checkReads(q access.CheckQuery) checkRead {
	r := checkRead{api: readCopy(apiKey(q.APIID), s.copies.API)}
	r.keys = append(r.keys, r.api)
	if q.UnitID != "" {
		r.keys = append(r.keys, unitKey(q.UnitID))
	}
	if q.AppID != "" {
		r.app = readCopy(appKey(q.AppID), s.copies.App)
		r.keys = append(r.keys, r.app)
	}
	r.eachSlot(q, func(res access.Resource, sub access.Subject, _ **access.Grant) {
		r.keys = append(r.keys, grantKey(access.SlotOf(res, q.Env, sub)))
	}, &access.CheckItems{})
	return r
}

// eachSlot calls slot for every grant slot that may decide q, with where it goes.
func (checkRead) eachSlot(q access.CheckQuery, slot func(access.Resource, access.Subject, **access.Grant), out *access.CheckItems) {
	api, unit := access.APIResource(q.APIID), access.UnitResource(q.UnitID)
	if q.AppID != "" {
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
}

// CheckReadKeys are the keys ("PK|SK") of the batch CheckItems reads for q, copies as
// chosen for this call: what infra/capacity meters, so the model reads what the store
// reads.
func (s *Store) CheckReadKeys(q access.CheckQuery) []string {
	r := s.checkReads(q)
	out := make([]string, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.String()
	}
	return out
}

// SlotKey is the key ("PK|SK") of grant slot k.
func SlotKey(k access.GrantKey) string { return grantKey(k).String() }

// LookupReadKeys are the keys ResolveAppCode reads in its batch.
func (s *Store) LookupReadKeys(codeHash, path string) []string {
	code, p := s.lookupReads(codeHash, path)
	return []string{code.String(), p.String()}
}

// ResolveAppCode reads the AppCode and path lookups of an authorizer call in one
// strongly consistent BatchGetItem, each from one of its copies (as CheckItems reads the
// API): a rotated AppCode stops working at once, as the rotation rewrites the copies. An
// absent lookup gives an empty id.
func (s *Store) ResolveAppCode(ctx context.Context, codeHash, path string) (appID, apiID string, err error) {
	const op = "store.resolve_app_code"
	codeK, pathK := s.lookupReads(codeHash, path)
	items, err := s.batchGet(ctx, op, []key{codeK, pathK})
	if err != nil {
		return "", "", err
	}
	target := func(copyK, k key) (string, error) {
		item, err := s.orOriginal(ctx, op, items, copyK, k)
		if err != nil || item == nil {
			return "", err
		}
		return decode(op, item, func(l lookupItem) (string, error) { return l.Target, nil })
	}
	if appID, err = target(codeK, lookupKey(access.LookupAppCode, codeHash)); err != nil {
		return "", "", err
	}
	if apiID, err = target(pathK, lookupKey(access.LookupPath, path)); err != nil {
		return "", "", err
	}
	return appID, apiID, nil
}

func (s *Store) lookupReads(codeHash, path string) (code, p key) {
	return readCopy(lookupKey(access.LookupAppCode, codeHash), s.copies.Lookup), readCopy(lookupKey(access.LookupPath, path), s.copies.Lookup)
}

// orOriginal returns the item read at copyK, or, when that copy is absent (an item
// written before copies existed, or no item at all), the item k itself, read again; nil
// when neither exists.
func (s *Store) orOriginal(ctx context.Context, op string, items map[string]map[string]ddbtypes.AttributeValue, copyK, k key) (map[string]ddbtypes.AttributeValue, error) {
	if item, ok := items[copyK.String()]; ok {
		return item, nil
	}
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k.av(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, dbErr(op, err)
	}
	return res.Item, nil
}
