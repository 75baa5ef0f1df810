package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// ReadCheck reads everything one check decides on in a single strongly consistent
// BatchGetItem (R14, R21–R24): the items k names, which access chose (the API, the app,
// the unit, the grant slots, the authorizer's AppCode and path lookups). The API, the
// app and the lookups are read from one of their copies, chosen at random, so that a hot
// item spreads its reads over many (docs/capacity.md); a copy is written in the same
// transaction as its item, so it is never older. An item written before copies existed
// has none: its absent copy costs one more read of the item itself.
func (s *Store) ReadCheck(ctx context.Context, k access.CheckKeys) (access.CheckFound, error) {
	const op = "store.read_check"
	var out access.CheckFound
	r := s.checkReads(k)
	items, err := s.batchGet(ctx, op, r.keys)
	if err != nil {
		return out, err
	}
	if k.APIID != "" {
		if out.API, err = copied(ctx, s, op, items, r.api, apiKey(k.APIID), apiItem.api); err != nil {
			return out, err
		}
	}
	if k.AppID != "" {
		if out.App, err = copied(ctx, s, op, items, r.app, appKey(k.AppID), appItem.app); err != nil {
			return out, err
		}
	}
	if item, ok := items[unitKey(k.UnitID).String()]; ok && k.UnitID != "" {
		u, err := decode(op, item, unitItem.unit)
		if err != nil {
			return out, err
		}
		out.Unit = &u
	}
	for _, slot := range k.Slots {
		item, ok := items[grantKey(slot).String()]
		if !ok {
			continue
		}
		g, err := decode(op, item, grantItem.grant)
		if err != nil {
			return out, err
		}
		out.Grants = append(out.Grants, g)
	}
	target := func(l lookupItem) (string, error) { return l.Target, nil }
	if k.CodeHash != "" {
		t, err := copied(ctx, s, op, items, r.code, lookupKey(access.LookupAppCode, k.CodeHash), target)
		if err != nil {
			return out, err
		}
		out.AppByCode = deref(t)
	}
	if k.Path != "" {
		t, err := copied(ctx, s, op, items, r.path, lookupKey(access.LookupPath, k.Path), target)
		if err != nil {
			return out, err
		}
		out.APIByPath = deref(t)
	}
	if k.AppKey != "" {
		l, err := copied(ctx, s, op, items, r.key, lookupKey(access.LookupAppKey, k.AppKey), func(l lookupItem) (lookupItem, error) { return l, nil })
		if err != nil {
			return out, err
		}
		if l != nil {
			out.AppByKey, out.KeySealed = l.Target, l.Sealed
		}
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// copied decodes the item read at copyK, or, when that copy is absent (an item written
// before copies existed, or no item at all), the item k itself, read again; nil when
// neither exists.
func copied[I, T any](ctx context.Context, s *Store, op string, items map[string]map[string]ddbtypes.AttributeValue, copyK, k key, as func(I) (T, error)) (*T, error) {
	item, ok := items[copyK.String()]
	if !ok {
		res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k.av(), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, dbErr(op, err)
		}
		if item = res.Item; item == nil {
			return nil, nil
		}
	}
	v, err := decode(op, item, as)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// checkRead is what one check reads: the keys of its batch, and which of them are the
// copies of the API, the app and the lookups.
type checkRead struct {
	keys                      []key
	api, app, code, path, key key
}

// checkReads lists the keys of k's batch, copies chosen for this call.
func (s *Store) checkReads(k access.CheckKeys) checkRead {
	var r checkRead
	if k.APIID != "" {
		r.api = readCopy(apiKey(k.APIID), s.copies.API)
		r.keys = append(r.keys, r.api)
	}
	if k.AppID != "" {
		r.app = readCopy(appKey(k.AppID), s.copies.App)
		r.keys = append(r.keys, r.app)
	}
	if k.UnitID != "" {
		r.keys = append(r.keys, unitKey(k.UnitID))
	}
	for _, slot := range k.Slots {
		r.keys = append(r.keys, grantKey(slot))
	}
	if k.CodeHash != "" {
		r.code = readCopy(lookupKey(access.LookupAppCode, k.CodeHash), s.copies.Lookup)
		r.keys = append(r.keys, r.code)
	}
	if k.Path != "" {
		r.path = readCopy(lookupKey(access.LookupPath, k.Path), s.copies.Lookup)
		r.keys = append(r.keys, r.path)
	}
	if k.AppKey != "" {
		r.key = readCopy(lookupKey(access.LookupAppKey, k.AppKey), s.copies.Lookup)
		r.keys = append(r.keys, r.key)
	}
	return r
}

// CheckReadKeys are the keys ("PK|SK") of the batch ReadCheck reads for k, copies as
// chosen for this call: what infra/perf/capacity meters, so the model reads what the store
// reads.
func (s *Store) CheckReadKeys(k access.CheckKeys) []string {
	r := s.checkReads(k)
	out := make([]string, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.String()
	}
	return out
}

// SlotKey is the key ("PK|SK") of grant slot k.
func SlotKey(k access.GrantKey) string { return grantKey(k).String() }
