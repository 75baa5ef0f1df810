package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Grant serves the grant function: grants, applications and their decisions.
func Grant(svc Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"POST /v1/apis/{api_id}/grants":             mutate(h, h.createGrants, h.renderGrants),
		"POST /v1/apis/{api_id}/applications":       mutate(h, h.apply, h.renderApplication),
		"POST /v1/requests/{request_id}/approve":    mutate(h, decide(svc.Approve), h.renderApproval),
		"POST /v1/requests/{request_id}/reject":     mutate(h, decide(svc.Reject), renderRequest),
		"POST /v1/requests/{request_id}/withdraw":   mutate(h, decide(svc.Withdraw), renderRequest),
		"PATCH /v1/apis/{api_id}/grants/{grant_id}": mutate(h, h.patchGrant, h.renderGrant),
		// R23, R24: the same operations on service units and apps
		"POST /v1/service-units/{unit_id}/grants":             mutate(h, h.createGrants, h.renderGrants),
		"PATCH /v1/service-units/{unit_id}/grants/{grant_id}": mutate(h, h.patchGrant, h.renderGrant),
		"POST /v1/service-units/{unit_id}/applications":       mutate(h, h.apply, h.renderApplication),
		"POST /v1/apps/{app_id}/grants":                       mutate(h, h.createGrants, h.renderGrants),
		// R28: access reviews
		"POST /v1/reviews": mutate(h, h.startReview, renderReview(http.StatusCreated)),
		"POST /v1/reviews/{review_id}/items/{grant_id}/decision": mutate(h, h.decideReviewItem, renderReviewItem),
	}
	return h
}

// grantsView is the answer of a grant creation: one grant per env.
type grantsView struct {
	Grants []grantView `json:"grants"`
}

func (h *Handler) renderGrants(result []access.Grant) (int, any) {
	return http.StatusCreated, grantsView{Grants: viewGrants(result, h.svc.Settings().Now())}
}

func (h *Handler) renderGrant(result access.Grant) (int, any) {
	return http.StatusOK, viewGrant(result, h.svc.Settings().Now())
}

// renderApplication answers 202 with a pending request, 201 when it was auto-approved.
func (h *Handler) renderApplication(res access.RequestResult) (int, any) {
	st := http.StatusAccepted
	if res.Request.Status == access.RequestApproved {
		st = http.StatusCreated
	}
	return st, requestView{Request: res.Request, Grants: viewGrants(res.Grants, h.svc.Settings().Now())}
}

func (h *Handler) renderApproval(res access.RequestResult) (int, any) {
	return http.StatusOK, requestView{Request: res.Request, Grants: viewGrants(res.Grants, h.svc.Settings().Now())}
}

func renderRequest(result access.Request) (int, any) {
	return http.StatusOK, requestView{Request: result}
}

func (h *Handler) createGrants(ctx context.Context, r *request, a access.Actor) ([]access.Grant, error) {
	res, err := r.resource()
	if err != nil {
		return nil, err
	}
	var in access.GrantInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.GrantOn(ctx, a, res, in)
}

func (h *Handler) apply(ctx context.Context, r *request, a access.Actor) (access.RequestResult, error) {
	res, err := r.resource()
	if err != nil {
		return access.RequestResult{}, err
	}
	var in access.ApplyInput
	if err := r.decode(&in); err != nil {
		return access.RequestResult{}, err
	}
	return h.svc.ApplyOn(ctx, a, res, in)
}

// reasonBody is the body of the routes that take only a reason.
type reasonBody struct {
	Reason string `json:"reason"`
}

// decide is a decision route: the path's request id and the optional {reason}, passed
// to do.
func decide[T any](do func(context.Context, access.Actor, string, string) (T, error)) func(context.Context, *request, access.Actor) (T, error) {
	return func(ctx context.Context, r *request, a access.Actor) (T, error) {
		var zero T
		id, err := r.param("request_id")
		if err != nil {
			return zero, err
		}
		var in reasonBody
		if err := r.decodeOptional(&in); err != nil {
			return zero, err
		}
		return do(ctx, a, id, in.Reason)
	}
}

func (h *Handler) patchGrant(ctx context.Context, r *request, a access.Actor) (access.Grant, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return access.Grant{}, err
	}
	var in access.PatchInput
	if err := r.decode(&in); err != nil {
		return access.Grant{}, err
	}
	return h.svc.PatchGrantOn(ctx, a, res, grant, in)
}
