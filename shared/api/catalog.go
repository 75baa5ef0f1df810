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
		"PUT /v1/apis/{api_id}":                  mutate(h, h.putAPI, renderAPI),
		"GET /v1/apis/{api_id}":                  h.getAPI,
		"GET /v1/apis":                           h.listAPIs,
		"DELETE /v1/apis/{api_id}":               mutate(h, h.deleteAPI, renderNoContent),
		"PUT /v1/apps/{app_id}":                  mutate(h, h.putApp, renderApp),
		"GET /v1/apps/{app_id}":                  h.getApp,
		"POST /v1/apps/{app_id}/app-code":        mutate(h, h.rotateAppCode, renderApp),
		"GET /v1/workspaces/{workspace_id}/apps": h.listApps,
		// R23: service units.
		"PUT /v1/service-units/{unit_id}":                 mutate(h, h.putUnit, renderUnit),
		"GET /v1/service-units/{unit_id}":                 h.getUnit,
		"DELETE /v1/service-units/{unit_id}":              mutate(h, h.deleteUnit, renderNoContent),
		"GET /v1/workspaces/{workspace_id}/service-units": h.listUnits,
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

func renderAPI(res access.APIResult) (int, any) {
	return created(res.Created), res.API
}

// renderApp shows the AppCode only in the answer that made it.
func renderApp(res access.AppResult) (int, any) {
	return created(res.Created), appView{App: res.App, AppCode: res.AppCode}
}

func renderNoContent[T any](T) (int, any) { return http.StatusNoContent, nil }

func (h *Handler) putAPI(ctx context.Context, r *request, a access.Actor) (access.APIResult, error) {
	id, err := r.param("api_id")
	if err != nil {
		return access.APIResult{}, err
	}
	var in access.APIInput
	if err := r.decode(&in); err != nil {
		return access.APIResult{}, err
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

func (h *Handler) deleteAPI(ctx context.Context, r *request, a access.Actor) (struct{}, error) {
	id, err := r.param("api_id")
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.svc.DeleteAPI(ctx, a, id)
}

func (h *Handler) putApp(ctx context.Context, r *request, a access.Actor) (access.AppResult, error) {
	id, err := r.param("app_id")
	if err != nil {
		return access.AppResult{}, err
	}
	var in access.AppInput
	if err := r.decode(&in); err != nil {
		return access.AppResult{}, err
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

func (h *Handler) rotateAppCode(ctx context.Context, r *request, a access.Actor) (access.AppResult, error) {
	id, err := r.param("app_id")
	if err != nil {
		return access.AppResult{}, err
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

func renderUnit(res access.UnitResult) (int, any) { return created(res.Created), res.Unit }

func (h *Handler) putUnit(ctx context.Context, r *request, a access.Actor) (access.UnitResult, error) {
	id, err := r.param("unit_id")
	if err != nil {
		return access.UnitResult{}, err
	}
	var in access.ServiceUnitInput
	if err := r.decode(&in); err != nil {
		return access.UnitResult{}, err
	}
	return h.svc.PutServiceUnit(ctx, a, id, in)
}

func (h *Handler) getUnit(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("unit_id")
	if err != nil {
		return 0, nil, err
	}
	u, err := h.svc.GetServiceUnit(ctx, r.who, id)
	return http.StatusOK, u, err
}

func (h *Handler) deleteUnit(ctx context.Context, r *request, a access.Actor) (struct{}, error) {
	id, err := r.param("unit_id")
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.svc.DeleteServiceUnit(ctx, a, id)
}

func (h *Handler) listUnits(ctx context.Context, r *request) (int, any, error) {
	ws, err := r.param("workspace_id")
	if err != nil {
		return 0, nil, err
	}
	q, err := r.page()
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.ListServiceUnits(ctx, r.who, ws, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, viewPage(p, same[access.ServiceUnit]), nil
}
