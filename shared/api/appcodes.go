package api

import (
	"context"
	"net/http"
	"time"

	"gatepass/shared/access"
)

// appCodeView is a new AppCode: the only answer that shows the code (AppCode is empty
// in the copy an idempotency record keeps).
type appCodeView struct {
	AppID     string     `json:"app_id"`
	CodeID    string     `json:"code_id"`
	Prefix    string     `json:"prefix"`
	AppCode   string     `json:"app_code,omitempty"`
	CreatedAt *time.Time `json:"created_at"`
}

// appCodesView lists an app's live AppCodes, never a code or its hash.
type appCodesView struct {
	Items []access.AppCode `json:"items"`
}

func renderAppCode(res access.AppCodeResult) (int, any) {
	return http.StatusCreated, appCodeView{AppID: res.App.ID, CodeID: res.Code.ID, Prefix: res.Code.Prefix, AppCode: res.Secret, CreatedAt: res.Code.CreatedAt}
}

func keptAppCode(res access.AppCodeResult) (int, any) {
	res.Secret = ""
	return renderAppCode(res)
}

func (h *Handler) createAppCode(ctx context.Context, r *request, a access.Actor) (access.AppCodeResult, error) {
	id, err := r.param("app_id")
	if err != nil {
		return access.AppCodeResult{}, err
	}
	if err := r.noBody(); err != nil {
		return access.AppCodeResult{}, err
	}
	return h.svc.CreateAppCode(ctx, a, id)
}

func (h *Handler) rotateAppCode(ctx context.Context, r *request, a access.Actor) (access.AppCodeResult, error) {
	id, err := r.param("app_id")
	if err != nil {
		return access.AppCodeResult{}, err
	}
	if err := r.noBody(); err != nil {
		return access.AppCodeResult{}, err
	}
	return h.svc.RotateAppCode(ctx, a, id)
}

func (h *Handler) listAppCodes(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("app_id")
	if err != nil {
		return 0, nil, err
	}
	codes, err := h.svc.AppCodes(ctx, r.who, id)
	return http.StatusOK, appCodesView{Items: codes}, err
}

func (h *Handler) revokeAppCode(ctx context.Context, r *request, a access.Actor) (struct{}, error) {
	id, err := r.param("app_id")
	if err != nil {
		return struct{}{}, err
	}
	codeID, err := r.param("code_id")
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.svc.RevokeAppCode(ctx, a, id, codeID)
}
