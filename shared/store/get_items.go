package store

import (
	"context"

	"gatepass/shared/access"
)

// Point reads by primary key, all strongly consistent.

// GetAPI reads an API; NotFound.Api when it is absent.
func (s *Store) GetAPI(ctx context.Context, apiID string) (access.API, error) {
	const op = "store.get_api"
	return getOne(ctx, s, op, apiKey(apiID), access.CodeNotFoundAPI, "api", apiItem.api)
}

// GetServiceUnit reads a service unit, its tombstone included; NotFound.ServiceUnit
// when no unit ever had the id.
func (s *Store) GetServiceUnit(ctx context.Context, unitID string) (access.ServiceUnit, error) {
	const op = "store.get_service_unit"
	return getOne(ctx, s, op, unitKey(unitID), access.CodeNotFoundServiceUnit, "service unit", unitItem.unit)
}

// GetApp reads an app; NotFound.App when it is absent.
func (s *Store) GetApp(ctx context.Context, appID string) (access.App, error) {
	const op = "store.get_app"
	return getOne(ctx, s, op, appKey(appID), access.CodeNotFoundApp, "app", appItem.app)
}

// GetRequest reads a request; NotFound.Request when it is absent.
func (s *Store) GetRequest(ctx context.Context, requestID string) (access.Request, error) {
	const op = "store.get_request"
	return getOne(ctx, s, op, requestKey(requestID), access.CodeNotFoundRequest, "request", requestItem.request)
}

// CodeNotFoundIdempotency is the code of GetIdempotency's NotFound: no record, or one
// past its 24 hours.
const CodeNotFoundIdempotency = "NotFound.IdempotencyRecord"

// GetIdempotency reads the record of (tenant, sub, key). A record older than 24 hours
// counts as absent even while TTL has not deleted it yet.
func (s *Store) GetIdempotency(ctx context.Context, tenant, sub, key string) (access.IdempotencyRecord, error) {
	const op = "store.get_idempotency"
	var it idemItem
	ok, err := s.getItem(ctx, op, idemKey(tenant, sub, key), &it)
	if err != nil {
		return access.IdempotencyRecord{}, err
	}
	if !ok || it.TTL <= s.now().Unix() {
		return access.IdempotencyRecord{}, notFound(op, CodeNotFoundIdempotency, "idempotency record")
	}
	return convert(op, it.record)
}

// getOne reads the item at k and converts it by model; NotFound with code when it is
// absent.
func getOne[I, T any](ctx context.Context, s *Store, op string, k key, code, what string, model func(I) (T, error)) (T, error) {
	var it I
	ok, err := s.getItem(ctx, op, k, &it)
	if err != nil {
		var zero T
		return zero, err
	}
	if !ok {
		var zero T
		return zero, notFound(op, code, what)
	}
	return convert(op, func() (T, error) { return model(it) })
}

// convert runs an item's conversion, mapping a malformed stored time to an internal error.
func convert[R any](op string, conv func() (R, error)) (R, error) {
	v, err := conv()
	if err != nil {
		var zero R
		return zero, internal(op, err)
	}
	return v, nil
}
