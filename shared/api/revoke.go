package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Revoke serves the revoke function: API-side cancellation (deferred, R7), its
// withdrawal, and app-side immediate cancellation (R8).
func Revoke(svc *access.Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"POST /v1/apis/{api_id}/grants/{grant_id}/cancel":   mutate(h, h.cancel, h.renderCancel),
		"DELETE /v1/apis/{api_id}/grants/{grant_id}/cancel": mutate(h, h.withdrawCancel, h.renderGrant),
		"DELETE /v1/apis/{api_id}/grants/{grant_id}":        mutate(h, h.revoke, renderNoContent),
		"POST /v1/apis/{api_id}/grants/cancel":              mutate(h, h.cancelMany, h.renderCancelMany),
	}
	return h
}

// renderCancel answers 202 while the notice runs, 200 when the grant was revoked now.
func (h *Handler) renderCancel(res access.CancelResult) (int, any) {
	st := http.StatusOK
	if res.Deferred {
		st = http.StatusAccepted
	}
	return st, viewGrant(res.Grant, h.svc.Now())
}

func (h *Handler) cancel(ctx context.Context, r *request, a access.Actor) (access.CancelResult, error) {
	api, grant, err := grantIDs(r)
	if err != nil {
		return access.CancelResult{}, err
	}
	var in access.CancelInput
	if err := r.decodeOptional(&in); err != nil {
		return access.CancelResult{}, err
	}
	return h.svc.Cancel(ctx, a, api, grant, in)
}

func (h *Handler) withdrawCancel(ctx context.Context, r *request, a access.Actor) (access.Grant, error) {
	api, grant, err := grantIDs(r)
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
	return h.svc.WithdrawCancellation(ctx, a, api, grant, in.Reason)
}

func (h *Handler) revoke(ctx context.Context, r *request, a access.Actor) (access.Grant, error) {
	api, grant, err := grantIDs(r)
	if err != nil {
		return access.Grant{}, err
	}
	return h.svc.Revoke(ctx, a, api, grant, r.query("reason"))
}

// renderCancelMany answers 202 while the notice runs, 200 when the grants were revoked
// now (R19).
func (h *Handler) renderCancelMany(res access.BulkCancelResult) (int, any) {
	st := http.StatusOK
	if res.Deferred {
		st = http.StatusAccepted
	}
	return st, grantsView{Grants: viewGrants(res.Grants, h.svc.Now())}
}

func (h *Handler) cancelMany(ctx context.Context, r *request, a access.Actor) (access.BulkCancelResult, error) {
	api, err := r.param("api_id")
	if err != nil {
		return access.BulkCancelResult{}, err
	}
	var in access.BulkCancelInput
	if err := r.decode(&in); err != nil {
		return access.BulkCancelResult{}, err
	}
	return h.svc.CancelMany(ctx, a, api, in)
}
