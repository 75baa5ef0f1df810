package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Grant serves the grant function: grants, applications and their decisions.
func Grant(svc *access.Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"POST /v1/apis/{api_id}/grants":             h.mutate(mutation{run: h.createGrants, render: h.renderGrants}),
		"POST /v1/apis/{api_id}/applications":       h.mutate(mutation{run: h.apply, render: h.renderApplication}),
		"POST /v1/requests/{request_id}/approve":    h.mutate(mutation{run: h.approve, render: h.renderApproval}),
		"POST /v1/requests/{request_id}/reject":     h.mutate(mutation{run: h.reject, render: renderRequest}),
		"POST /v1/requests/{request_id}/withdraw":   h.mutate(mutation{run: h.withdraw, render: renderRequest}),
		"PATCH /v1/apis/{api_id}/grants/{grant_id}": h.mutate(mutation{run: h.patchGrant, render: h.renderGrant}),
	}
	return h
}

// grantsView is the answer of a grant creation: one grant per env.
type grantsView struct {
	Grants []grantView `json:"grants"`
}

func (h *Handler) renderGrants(result any) (int, any) {
	return http.StatusCreated, grantsView{Grants: viewGrants(result.([]access.Grant), h.svc.Now())}
}

func (h *Handler) renderGrant(result any) (int, any) {
	return http.StatusOK, viewGrant(result.(access.Grant), h.svc.Now())
}

// renderApplication answers 202 with a pending request, 201 when it was auto-approved.
func (h *Handler) renderApplication(result any) (int, any) {
	res := result.(access.RequestResult)
	st := http.StatusAccepted
	if res.Request.Status == access.RequestApproved {
		st = http.StatusCreated
	}
	return st, requestView{Request: res.Request, Grants: viewGrants(res.Grants, h.svc.Now())}
}

func (h *Handler) renderApproval(result any) (int, any) {
	res := result.(access.RequestResult)
	return http.StatusOK, requestView{Request: res.Request, Grants: viewGrants(res.Grants, h.svc.Now())}
}

func renderRequest(result any) (int, any) {
	return http.StatusOK, requestView{Request: result.(access.Request)}
}

func (h *Handler) createGrants(ctx context.Context, r *request, a access.Actor) (any, error) {
	api, err := r.param("api_id")
	if err != nil {
		return nil, err
	}
	var in access.GrantInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.CreateGrants(ctx, a, api, in)
}

func (h *Handler) apply(ctx context.Context, r *request, a access.Actor) (any, error) {
	api, err := r.param("api_id")
	if err != nil {
		return nil, err
	}
	var in access.ApplyInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.Apply(ctx, a, api, in)
}

// reasonBody is the body of the routes that take only a reason.
type reasonBody struct {
	Reason string `json:"reason"`
}

// decision reads the request id and the optional {reason} of a decision route.
func decision(r *request) (string, string, error) {
	id, err := r.param("request_id")
	if err != nil {
		return "", "", err
	}
	var in reasonBody
	if err := r.decodeOptional(&in); err != nil {
		return "", "", err
	}
	return id, in.Reason, nil
}

func (h *Handler) approve(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, reason, err := decision(r)
	if err != nil {
		return nil, err
	}
	return h.svc.Approve(ctx, a, id, reason)
}

func (h *Handler) reject(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, reason, err := decision(r)
	if err != nil {
		return nil, err
	}
	return h.svc.Reject(ctx, a, id, reason)
}

func (h *Handler) withdraw(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, reason, err := decision(r)
	if err != nil {
		return nil, err
	}
	return h.svc.Withdraw(ctx, a, id, reason)
}

// grantIDs reads the api_id and grant_id path parameters.
func grantIDs(r *request) (string, string, error) {
	api, err := r.param("api_id")
	if err != nil {
		return "", "", err
	}
	grant, err := r.param("grant_id")
	return api, grant, err
}

func (h *Handler) patchGrant(ctx context.Context, r *request, a access.Actor) (any, error) {
	api, grant, err := grantIDs(r)
	if err != nil {
		return nil, err
	}
	var in access.PatchInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.PatchGrant(ctx, a, api, grant, in)
}
