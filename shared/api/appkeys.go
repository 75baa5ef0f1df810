package api

import (
	"context"
	"net/http"
	"time"

	"gatepass/shared/access"
)

// appKeyView is a new AppKey with its AppSecret: the only answer that shows the secret
// (empty in the copy an idempotency record keeps).
type appKeyView struct {
	AppID     string    `json:"app_id"`
	AppKey    string    `json:"app_key"`
	AppSecret string    `json:"app_secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// appKeysView lists an app's AppKeys, never their secrets.
type appKeysView struct {
	Items []access.AppKey `json:"items"`
}

func renderAppKey(res access.AppKeyResult) (int, any) {
	return http.StatusCreated, appKeyView{AppID: res.AppID, AppKey: res.Key.Key, AppSecret: res.Secret, CreatedAt: res.Key.CreatedAt}
}

// keptAppKey is renderAppKey's answer without the AppSecret, as an idempotency record
// keeps it.
func keptAppKey(res access.AppKeyResult) (int, any) {
	res.Secret = ""
	return renderAppKey(res)
}

func (h *Handler) createAppKey(ctx context.Context, r *request, a access.Actor) (access.AppKeyResult, error) {
	id, err := r.param("app_id")
	if err != nil {
		return access.AppKeyResult{}, err
	}
	if err := r.noBody(); err != nil {
		return access.AppKeyResult{}, err
	}
	return h.svc.CreateAppKey(ctx, a, id)
}

func (h *Handler) listAppKeys(ctx context.Context, r *request) (int, any, error) {
	id, err := r.param("app_id")
	if err != nil {
		return 0, nil, err
	}
	keys, err := h.svc.AppKeys(ctx, r.who, id)
	return http.StatusOK, appKeysView{Items: keys}, err
}

func (h *Handler) revokeAppKey(ctx context.Context, r *request, a access.Actor) (struct{}, error) {
	id, err := r.param("app_id")
	if err != nil {
		return struct{}{}, err
	}
	key, err := r.param("app_key")
	if err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.svc.RevokeAppKey(ctx, a, id, key)
}
