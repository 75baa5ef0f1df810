package store

import (
	"context"

	"gatepass/shared/access"
)

// Point reads by primary key, all strongly consistent.

// GetAPI reads an API; NotFound.Api when it is absent.
func (s *Store) GetAPI(ctx context.Context, apiID string) (access.API, error) {
	const op = "store.get_api"
	var it apiItem
	ok, err := s.getItem(ctx, op, apiKey(apiID), &it)
	if err != nil {
		return access.API{}, err
	}
	if !ok {
		return access.API{}, notFound(op, access.CodeNotFoundAPI, "api")
	}
	return convert(op, it.api)
}

// GetServiceUnit reads a service unit, its tombstone included; NotFound.ServiceUnit
// when no unit ever had the id.
func (s *Store) GetServiceUnit(ctx context.Context, unitID string) (access.ServiceUnit, error) {
	const op = "store.get_service_unit"
	var it unitItem
	ok, err := s.getItem(ctx, op, unitKey(unitID), &it)
	if err != nil {
		return access.ServiceUnit{}, err
	}
	if !ok {
		return access.ServiceUnit{}, notFound(op, access.CodeNotFoundServiceUnit, "service unit")
	}
	return convert(op, it.unit)
}

// GetApp reads an app; NotFound.App when it is absent.
func (s *Store) GetApp(ctx context.Context, appID string) (access.App, error) {
	const op = "store.get_app"
	var it appItem
	ok, err := s.getItem(ctx, op, appKey(appID), &it)
	if err != nil {
		return access.App{}, err
	}
	if !ok {
		return access.App{}, notFound(op, access.CodeNotFoundApp, "app")
	}
	return convert(op, it.app)
}

// GetRequest reads a request; NotFound.Request when it is absent.
func (s *Store) GetRequest(ctx context.Context, requestID string) (access.Request, error) {
	const op = "store.get_request"
	var it requestItem
	ok, err := s.getItem(ctx, op, requestKey(requestID), &it)
	if err != nil {
		return access.Request{}, err
	}
	if !ok {
		return access.Request{}, notFound(op, access.CodeNotFoundRequest, "request")
	}
	return convert(op, it.request)
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

// convert runs an item's conversion, mapping a malformed stored time to an internal error.
func convert[R any](op string, conv func() (R, error)) (R, error) {
	v, err := conv()
	if err != nil {
		var zero R
		return zero, internal(op, err)
	}
	return v, nil
}
