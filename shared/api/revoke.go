package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Revoke serves the revoke function: API-side cancellation (deferred, R7), its
// withdrawal, and app-side immediate cancellation (R8).
func Revoke(svc Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"POST /v1/apis/{api_id}/grants/{grant_id}/cancel":   mutate(h, h.cancel, h.renderCancel),
		"DELETE /v1/apis/{api_id}/grants/{grant_id}/cancel": mutate(h, h.withdrawCancel, h.renderGrant),
		"DELETE /v1/apis/{api_id}/grants/{grant_id}":        mutate(h, h.revoke, renderNoContent),
		"POST /v1/apis/{api_id}/grants/cancel":              mutate(h, h.cancelMany, h.renderCancelMany),
		// R23, R24: the same operations on service units and apps
		"POST /v1/service-units/{unit_id}/grants/{grant_id}/cancel":   mutate(h, h.cancel, h.renderCancel),
		"DELETE /v1/service-units/{unit_id}/grants/{grant_id}/cancel": mutate(h, h.withdrawCancel, h.renderGrant),
		"DELETE /v1/service-units/{unit_id}/grants/{grant_id}":        mutate(h, h.revoke, renderNoContent),
		"POST /v1/service-units/{unit_id}/grants/cancel":              mutate(h, h.cancelMany, h.renderCancelMany),
		"DELETE /v1/apps/{app_id}/grants/{grant_id}":                  mutate(h, h.revoke, renderNoContent),
	}
	return h
}

// renderCancel answers 202 while the notice runs, 200 when the grant was revoked now.
func (h *Handler) renderCancel(res access.CancelResult) (int, any) {
	st := http.StatusOK
	if res.Deferred {
		st = http.StatusAccepted
	}
	return st, viewGrant(res.Grant, h.svc.Settings().Now())
}

func (h *Handler) cancel(ctx context.Context, r *request, a access.Actor) (access.CancelResult, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return access.CancelResult{}, err
	}
	var in access.CancelInput
	if err := r.decodeOptional(&in); err != nil {
		return access.CancelResult{}, err
	}
	return h.svc.CancelOn(ctx, a, res, grant, in)
}

func (h *Handler) withdrawCancel(ctx context.Context, r *request, a access.Actor) (access.Grant, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return access.Grant{}, err
	}
	var in reasonBody
	if err := r.decodeOptional(&in); err != nil {
		return access.Grant{}, err
	}
	if in.Reason == "" {
		in.Reason = r.query("reason")
	}
	return h.svc.WithdrawCancellationOn(ctx, a, res, grant, in.Reason)
}

func (h *Handler) revoke(ctx context.Context, r *request, a access.Actor) (access.Grant, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return access.Grant{}, err
	}
	return h.svc.RevokeOn(ctx, a, res, grant, r.query("reason"))
}

// renderCancelMany answers 202 while the notice runs, 200 when the grants were revoked
// now (R19).
func (h *Handler) renderCancelMany(res access.BulkCancelResult) (int, any) {
	st := http.StatusOK
	if res.Deferred {
		st = http.StatusAccepted
	}
	return st, grantsView{Grants: viewGrants(res.Grants, h.svc.Settings().Now())}
}

func (h *Handler) cancelMany(ctx context.Context, r *request, a access.Actor) (access.BulkCancelResult, error) {
	res, err := r.resource()
	if err != nil {
		return access.BulkCancelResult{}, err
	}
	var in access.BulkCancelInput
	if err := r.decode(&in); err != nil {
		return access.BulkCancelResult{}, err
	}
	return h.svc.CancelManyOn(ctx, a, res, in)
}
