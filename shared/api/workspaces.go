package api

import (
	"context"
	"net/http"

	"gatepass/shared/access"
)

// R29: the workspace directory's routes; served by the catalog function, which writes
// the catalog's items.
func addWorkspaceRoutes(h *Handler) {
	h.routes["POST /v1/workspaces"] = mutate(h, h.registerWorkspace, renderWorkspace(http.StatusCreated))
	h.routes["GET /v1/workspaces"] = h.listWorkspaces
	h.routes["GET /v1/workspaces/{workspace_id}"] = getByID("workspace_id", h.svc.GetWorkspace, same[access.Workspace])
	h.routes["PATCH /v1/workspaces/{workspace_id}"] = mutate(h, putByID("workspace_id", h.svc.RenameWorkspace), renderWorkspace(http.StatusOK))
}

func (h *Handler) registerWorkspace(ctx context.Context, r *request, a access.Actor) (access.Workspace, error) {
	var in access.WorkspaceInput
	if err := r.decode(&in); err != nil {
		return access.Workspace{}, err
	}
	return h.svc.RegisterWorkspace(ctx, a, in)
}

func (h *Handler) listWorkspaces(ctx context.Context, r *request) (int, any, error) {
	size, err := r.queryInt("page_size", access.CodePageSize)
	if err != nil {
		return 0, nil, err
	}
	p, err := h.svc.ListWorkspaces(ctx, r.who, r.query("name"), size, r.query("next_token"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tokenView[access.Workspace]{Items: p.Items, NextToken: p.Next}, nil
}

func renderWorkspace(status int) func(access.Workspace) (int, any) {
	return func(w access.Workspace) (int, any) { return status, w }
}
