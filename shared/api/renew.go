package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Renew serves the renew function (R6): a reviewer renews at once (200 with the grant),
// an app owner asks (202 with a RENEW request).
func Renew(svc Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"POST /v1/apis/{api_id}/grants/{grant_id}/renewal":           mutate(h, h.renew, h.renderRenewal),
		"POST /v1/service-units/{unit_id}/grants/{grant_id}/renewal": mutate(h, h.renew, h.renderRenewal),
	}
	return h
}

func (h *Handler) renderRenewal(res access.RenewResult) (int, any) {
	if res.Request != nil {
		return http.StatusAccepted, requestView{Request: *res.Request}
	}
	return http.StatusOK, viewGrant(*res.Grant, h.svc.Settings().Now())
}

func (h *Handler) renew(ctx context.Context, r *request, a access.Actor) (access.RenewResult, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return access.RenewResult{}, err
	}
	var in access.RenewInput
	if err := r.decode(&in); err != nil {
		return access.RenewResult{}, err
	}
	return h.svc.RenewOn(ctx, a, res, grant, in)
}
