package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// Catalog serves the catalog function: APIs and apps.
func Catalog(svc Service) *Handler {
	h := newHandler(svc, nil)
	h.routes = map[string]route{
		"PUT /v1/apis/{api_id}":           mutate(h, putByID("api_id", svc.PutAPI), renderAPI),
		"GET /v1/apis/{api_id}":           getByID("api_id", svc.GetAPI, same[access.API]),
		"GET /v1/apis":                    h.listAPIs,
		"DELETE /v1/apis/{api_id}":        mutate(h, deleteByID("api_id", svc.DeleteAPI), renderNoContent),
		"PUT /v1/apps/{app_id}":           mutateSecret(h, putByID("app_id", svc.PutApp), renderApp, keptApp),
		"GET /v1/apps/{app_id}":           getByID("app_id", svc.GetApp, viewApp),
		"POST /v1/apps/{app_id}/app-code": mutateSecret(h, h.rotateAppCode, renderRotated, keptRotated),
		// Several live AppCodes, so that callers move to a new one before the old goes.
		"POST /v1/apps/{app_id}/app-codes":             mutateSecret(h, h.createAppCode, renderAppCode, keptAppCode),
		"GET /v1/apps/{app_id}/app-codes":              h.listAppCodes,
		"DELETE /v1/apps/{app_id}/app-codes/{code_id}": mutate(h, h.revokeAppCode, renderNoContent),
		// AppKey + AppSecret pairs for signed calls (shared/signature).
		"POST /v1/apps/{app_id}/app-keys":             mutateSecret(h, h.createAppKey, renderAppKey, keptAppKey),
		"GET /v1/apps/{app_id}/app-keys":              h.listAppKeys,
		"DELETE /v1/apps/{app_id}/app-keys/{app_key}": mutate(h, h.revokeAppKey, renderNoContent),
		"GET /v1/workspaces/{workspace_id}/apps":      listInWorkspace(svc.ListApps, viewApp),
		// R23: service units.
		"PUT /v1/service-units/{unit_id}":                 mutate(h, putByID("unit_id", svc.PutServiceUnit), renderUnit),
		"GET /v1/service-units/{unit_id}":                 getByID("unit_id", svc.GetServiceUnit, same[access.ServiceUnit]),
		"DELETE /v1/service-units/{unit_id}":              mutate(h, deleteByID("unit_id", svc.DeleteServiceUnit), renderNoContent),
		"GET /v1/workspaces/{workspace_id}/service-units": listInWorkspace(svc.ListServiceUnits, same[access.ServiceUnit]),
	}
	addPolicyRoutes(h)    // R26
	addWorkspaceRoutes(h) // R29
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
	v := appView{App: res.App, AppCode: res.AppCode}
	if res.Created && len(res.App.Codes) > 0 {
		v.CodeID = res.App.Codes[0].ID
	}
	return created(res.Created), v
}

// keptApp is renderApp's answer without the AppCode, as an idempotency record keeps it.
func keptApp(res access.AppResult) (int, any) {
	res.AppCode = ""
	return renderApp(res)
}

// renderRotated is a rotation's answer: the app with its one new AppCode.
func renderRotated(res access.AppCodeResult) (int, any) {
	return http.StatusOK, appView{App: res.App, AppCode: res.Secret, CodeID: res.Code.ID}
}

func keptRotated(res access.AppCodeResult) (int, any) {
	res.Secret = ""
	return renderRotated(res)
}

// viewApp shows an app without its AppCode.
func viewApp(a access.App) appView { return appView{App: a} }

func renderNoContent[T any](T) (int, any) { return http.StatusNoContent, nil }

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

func renderUnit(res access.UnitResult) (int, any) { return created(res.Created), res.Unit }

// putByID is a PUT of the object the path's idParam names, its body decoded into In.
func putByID[In, Out any](idParam string, put func(context.Context, access.Actor, string, In) (Out, error)) func(context.Context, *request, access.Actor) (Out, error) {
	return func(ctx context.Context, r *request, a access.Actor) (Out, error) {
		var out Out
		id, err := r.param(idParam)
		if err != nil {
			return out, err
		}
		var in In
		if err := r.decode(&in); err != nil {
			return out, err
		}
		return put(ctx, a, id, in)
	}
}

// getByID is a GET of the object the path's idParam names, shown by view.
func getByID[T, V any](idParam string, get func(context.Context, access.Principal, string) (T, error), view func(T) V) route {
	return func(ctx context.Context, r *request) (int, any, error) {
		id, err := r.param(idParam)
		if err != nil {
			return 0, nil, err
		}
		v, err := get(ctx, r.who, id)
		return http.StatusOK, view(v), err
	}
}

// deleteByID is a DELETE of the object the path's idParam names.
func deleteByID(idParam string, del func(context.Context, access.Actor, string) error) func(context.Context, *request, access.Actor) (struct{}, error) {
	return func(ctx context.Context, r *request, a access.Actor) (struct{}, error) {
		id, err := r.param(idParam)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, del(ctx, a, id)
	}
}

// listInWorkspace is a GET of a page of a workspace's objects, each shown by view.
func listInWorkspace[T, V any](list func(context.Context, access.Principal, string, access.PageQuery) (access.Page[T], error), view func(T) V) route {
	return func(ctx context.Context, r *request) (int, any, error) {
		ws, q, err := r.workspacePage()
		if err != nil {
			return 0, nil, err
		}
		p, err := list(ctx, r.who, ws, q)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, viewPage(p, view), nil
	}
}
