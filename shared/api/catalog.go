package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Catalog serves the catalog function: APIs and apps.
func Catalog(svc *access.Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"PUT /v1/apis/{api_id}":                  h.mutate(mutation{run: h.putAPI, render: renderAPI}),
		"GET /v1/apis/{api_id}":                  h.getAPI,
		"GET /v1/apis":                           h.listAPIs,
		"DELETE /v1/apis/{api_id}":               h.mutate(mutation{run: h.deleteAPI, render: renderNoContent}),
		"PUT /v1/apps/{app_id}":                  h.mutate(mutation{run: h.putApp, render: renderApp}),
		"GET /v1/apps/{app_id}":                  h.getApp,
		"POST /v1/apps/{app_id}/app-code":        h.mutate(mutation{run: h.rotateAppCode, render: renderApp}),
		"GET /v1/workspaces/{workspace_id}/apps": h.listApps,
	}
	return h
}

// created is a PUT's status: 201 when it created, 200 when it updated.
func created(c bool) int {
	if c {
		return http.StatusCreated
	}
	return http.StatusOK
}

func renderAPI(result any) (int, any) {
	res := result.(access.APIResult)
	return created(res.Created), res.API
}

// renderApp shows the AppCode only in the answer that made it.
func renderApp(result any) (int, any) {
	res := result.(access.AppResult)
	return created(res.Created), appView{App: res.App, AppCode: res.AppCode}
}

func renderNoContent(any) (int, any) { return http.StatusNoContent, nil }

func (h *Handler) putAPI(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, err := r.param("api_id")
	if err != nil {
		return nil, err
	}
	var in access.APIInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.PutAPI(ctx, a, id, in)
}

func (h *Handler) getAPI(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("api_id")
	if err != nil {
		return 0, nil, err
	}
	api, err := h.svc.GetAPI(ctx, r.who, id)
	return http.StatusOK, api, err
}

func (h *Handler) listAPIs(ctx context.Context, r *request) (int, any, error) {
	q, err := r.page()
	if err != nil {
		return 0, nil, err
	}
	f := access.APIFilter{WorkspaceID: r.query("workspace_id"), Status: access.APIStatus(r.query("status"))}
	p, err := h.svc.ListAPIs(ctx, r.who, f, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewPage(p, same[access.API]), nil
}

func (h *Handler) deleteAPI(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, err := r.param("api_id")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteAPI(ctx, a, id)
}

func (h *Handler) putApp(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, err := r.param("app_id")
	if err != nil {
		return nil, err
	}
	var in access.AppInput
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	return h.svc.PutApp(ctx, a, id, in)
}

func (h *Handler) getApp(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("app_id")
	if err != nil {
		return 0, nil, err
	}
	app, err := h.svc.GetApp(ctx, r.who, id)
	return http.StatusOK, appView{App: app}, err
}

func (h *Handler) rotateAppCode(ctx context.Context, r *request, a access.Actor) (any, error) {
	id, err := r.param("app_id")
	if err != nil {
		return nil, err
	}
	return h.svc.RotateAppCode(ctx, a, id)
}

func (h *Handler) listApps(ctx context.Context, r *request) (int, any, error) {
	ws, err := r.param("workspace_id")
	if err != nil {
		return 0, nil, err
	}
	q, err := r.page()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.ListApps(ctx, r.who, ws, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewPage(p, func(a access.App) appView { return appView{App: a} }), nil
}
