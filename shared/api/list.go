package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// List serves the list function: the read side of grants, requests and audit.
func List(svc Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"GET /v1/workspaces/{workspace_id}/authorized-apis": h.authorizedAPIs,
		"GET /v1/workspaces/{workspace_id}/granted-apis":    h.grantedAPIs,
		"GET /v1/apis/{api_id}/grants":                      h.grantsOf,
		"GET /v1/apis/{api_id}/grants/{grant_id}":           h.getGrant,
		"GET /v1/requests":                                  h.requests,
		"GET /v1/requests/{request_id}":                     getByID("request_id", svc.GetRequest, func(req access.Request) requestView { return requestView{Request: req} }),
		"GET /v1/apis/{api_id}/audit":                       h.audit,
		// R23, R24: the same listings on service units and apps
		"GET /v1/service-units/{unit_id}/grants":            h.grantsOf,
		"GET /v1/service-units/{unit_id}/grants/{grant_id}": h.getGrant,
		"GET /v1/service-units/{unit_id}/audit":             h.audit,
		"GET /v1/apps/{app_id}/grants":                      h.grantsOf,
		"GET /v1/users/{user_id}/authorized-apis":           h.userAuthorizedAPIs,
		// R28: a review and its report
		"GET /v1/reviews":                   h.listReviews,
		"GET /v1/reviews/{review_id}":       getByID("review_id", svc.GetReview, same[access.Review]),
		"GET /v1/reviews/{review_id}/items": h.reviewReport,
	}
	return h
}

func (h *Handler) authorizedAPIs(ctx context.Context, r *request) (int, any, error) {
	ws, q, err := r.workspacePage()
	if err != nil {
		return 0, nil, err
	}
	f := access.AuthorizedFilter{
		AppID: r.query("app_id"), Env: access.Env(r.query("env")), Status: access.GrantStatus(r.query("status")),
	}
	return h.grantsPage(h.svc.AuthorizedAPIs(ctx, r.who, ws, f, q))
}

// grantsPage answers a page of grants, each shown as at the service's now.
func (h *Handler) grantsPage(p access.Page[access.Grant], err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	now := h.svc.Settings().Now()
	return http.StatusOK, viewPage(p, func(g access.Grant) grantView { return viewGrant(g, now) }), nil
}

// userAuthorizedAPIs is R22's listing; a user id is a token's sub, checked by the
// service (it allows more characters than an object id).
func (h *Handler) userAuthorizedAPIs(ctx context.Context, r *request) (int, any, error) {
	q, err := r.page()
	if err != nil {
		return 0, nil, err
	}
	f := access.AuthorizedFilter{Env: access.Env(r.query("env")), Status: access.GrantStatus(r.query("status"))}
	user := r.ev.PathParameters["user_id"]
	if !access.ValidUserID(user) {
		return 0, nil, access.E("path", access.CodeID, "user_id must be 1-%d characters of [A-Za-z0-9._:@|+-]", access.MaxIDLen)
	}
	return h.grantsPage(h.svc.UserAuthorizedAPIs(ctx, r.who, user, f, q))
}

func (h *Handler) grantedAPIs(ctx context.Context, r *request) (int, any, error) {
	ws, q, err := r.workspacePage()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.GrantedAPIs(ctx, r.who, ws, q)
	if err != nil {
		return 0, nil, err
	}
	now := h.svc.Settings().Now()
	return http.StatusOK, viewPage(p, func(g access.GrantedAPI) grantedView {
		return grantedView{API: g.API, AuthorizationRecords: viewGrants(g.Records, now)}
	}), nil
}

// resourcePage reads the path's resource, page_size and next_token of a listing by
// token.
func (r *request) resourcePage() (access.Resource, int, string, error) {
	res, err := r.resource()
	if err != nil {
		return res, 0, "", err
	}
	size, err := r.queryInt("page_size", access.CodePageSize)
	if err != nil {
		return res, 0, "", err
	}
	return res, size, r.query("next_token"), nil
}

// workspacePage reads the path's workspace_id and the page of a listing.
func (r *request) workspacePage() (string, access.PageQuery, error) {
	ws, err := r.param("workspace_id")
	if err != nil {
		return "", access.PageQuery{}, err
	}
	q, err := r.page()
	return ws, q, err
}

func (h *Handler) grantsOf(ctx context.Context, r *request) (int, any, error) {
	res, size, next, err := r.resourcePage()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.GrantsOf(ctx, r.who, res, size, next)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tokenView[grantView]{Items: viewGrants(p.Items, h.svc.Settings().Now()), NextToken: p.Next}, nil
}

func (h *Handler) getGrant(ctx context.Context, r *request) (int, any, error) {
	res, grant, err := grantPath(r)
	if err != nil {
		return 0, nil, err
	}
	g, err := h.svc.GetGrantOn(ctx, r.who, res, grant)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewGrant(g, h.svc.Settings().Now()), nil
}

func (h *Handler) requests(ctx context.Context, r *request) (int, any, error) {
	q, err := r.page()
	if err != nil {
		return 0, nil, err
	}
	f := access.RequestFilter{
		WorkspaceID: r.query("workspace_id"), AppID: r.query("app_id"), Requester: r.query("requester"), Status: access.RequestStatus(r.query("status")),
	}
	p, err := h.svc.Requests(ctx, r.who, f, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewPage(p, func(req access.Request) requestView { return requestView{Request: req} }), nil
}

func (h *Handler) audit(ctx context.Context, r *request) (int, any, error) {
	res, size, next, err := r.resourcePage()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.AuditOf(ctx, r.who, res, size, next)
	if err != nil {
		return 0, nil, err
	}
	items := p.Items
	if items == nil {
		items = []access.AuditEntry{}
	}
	return http.StatusOK, tokenView[access.AuditEntry]{Items: items, NextToken: p.Next}, nil
}
