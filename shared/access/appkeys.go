package access

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"time"
)

// AppKey is one of an app's AppKey + AppSecret pairs for signed calls (Alibaba Cloud
// API Gateway's scheme, shared/signature). The key is public; the secret is answered
// once, at creation, and kept only sealed in the key's lookup item.
type AppKey struct {
	Key       string    `json:"app_key"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxAppKeys is how many live AppKeys an app may hold, so that a caller can move to a
// new one before the old one is revoked.
const MaxAppKeys = 5

// Codes of the AppKey routes, and of a replayed nonce (only ever a denial's reason).
const (
	CodeNotFoundAppKey = "NotFound.AppKey"
	CodeNonceUsed      = "Conflict.NonceUsed"
)

// Sealer encrypts AppSecrets at rest (shared/sealer: a KMS data key in AWS, a
// development key locally). Open runs on the authorizer's path, so it must not call
// KMS per call.
type Sealer interface {
	Seal(ctx context.Context, plain []byte) ([]byte, error)
	Open(ctx context.Context, sealed []byte) ([]byte, error)
}

// AppKeyResult is a new AppKey with its AppSecret, answered once.
type AppKeyResult struct {
	AppID  string
	Key    AppKey
	Secret string
}

// credentialOwner reads app id for a change to its credentials: the app's owner, an
// owner of its workspace, or tenant_admin (IsOwner includes it).
func (s *Service) credentialOwner(ctx context.Context, op string, p Principal, id string) (App, error) {
	if err := CheckID(op, "app_id", id); err != nil {
		return App{}, err
	}
	app, err := s.Store.GetApp(ctx, id)
	if err != nil || app.TenantID != p.TenantID {
		return App{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s", id)
	}
	if !p.OwnsApp(app) && !p.IsOwner(app.TenantID, app.WorkspaceID) {
		return App{}, E(op, CodeForbidden, "only the app's owner or an owner of workspace %s may manage its credentials", app.WorkspaceID)
	}
	return app, nil
}

// CreateAppKey makes a new AppKey + AppSecret pair for app id (at most MaxAppKeys live):
// the secret is sealed before it is written and answered only here.
func (s *Service) CreateAppKey(ctx context.Context, a Actor, id string) (AppKeyResult, error) {
	const op = "app_key.create"
	if s.Sealer == nil {
		return AppKeyResult{}, E(op, CodeUnavailable, "no key to seal AppSecrets with is configured")
	}
	app, err := s.credentialOwner(ctx, op, a.Principal, id)
	if err != nil {
		return AppKeyResult{}, err
	}
	if len(app.Keys) >= MaxAppKeys {
		return AppKeyResult{}, E(op, CodeCredentialLimit, "app %s holds %d AppKeys, the most it may; revoke one first", id, MaxAppKeys)
	}
	key, secret, err := newAppKeyPair()
	if err != nil {
		return AppKeyResult{}, Wrap(op, CodeInternal, err)
	}
	sealed, err := s.Sealer.Seal(ctx, []byte(secret))
	if err != nil {
		return AppKeyResult{}, Wrap(op, CodeUnavailable, err)
	}
	now := s.now()
	next := app
	next.Keys = append(slices.Clone(app.Keys), AppKey{Key: key, CreatedAt: now})
	next.Version, next.ModifiedAt = app.Version+1, now
	c := Change{Op: op, Writes: []Write{
		{App: &next, Cond: Cond{Kind: CondVersion, Version: app.Version}},
		{Lookup: &Lookup{Kind: LookupAppKey, Value: key, Target: id, Sealed: sealed}, Cond: Cond{Kind: CondAbsent}},
	}}
	c.Audit = []AuditEntry{{ID: newID(now), Action: EventAppKeyCreated, At: now, TenantID: app.TenantID, Actor: a.Sub, AppID: id, AppKey: key}}
	res := AppKeyResult{AppID: id, Key: AppKey{Key: key, CreatedAt: now}, Secret: secret}
	if err := s.commit(ctx, a, c, res); err != nil {
		return AppKeyResult{}, err
	}
	return res, nil
}

// AppKeys lists app id's live AppKeys, oldest first, for whoever may manage them.
func (s *Service) AppKeys(ctx context.Context, p Principal, id string) ([]AppKey, error) {
	app, err := s.credentialOwner(ctx, "app_key.list", p, id)
	if err != nil {
		return nil, err
	}
	if app.Keys == nil {
		return []AppKey{}, nil
	}
	return app.Keys, nil
}

// RevokeAppKey removes one AppKey: its lookup item goes in the same transaction, so the
// next signed call with it is refused (INVALID_APP_KEY).
func (s *Service) RevokeAppKey(ctx context.Context, a Actor, id, key string) error {
	const op = "app_key.revoke"
	app, err := s.credentialOwner(ctx, op, a.Principal, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(app.Keys, func(k AppKey) bool { return k.Key == key })
	if i < 0 {
		return E(op, CodeNotFoundAppKey, "app %s has no AppKey %s", id, key)
	}
	now := s.now()
	next := app
	next.Keys = slices.Delete(slices.Clone(app.Keys), i, i+1)
	next.Version, next.ModifiedAt = app.Version+1, now
	c := Change{Op: op, Writes: []Write{
		{App: &next, Cond: Cond{Kind: CondVersion, Version: app.Version}},
		{Action: ActionDelete, Lookup: &Lookup{Kind: LookupAppKey, Value: key, Target: id}},
	}}
	c.Audit = []AuditEntry{{ID: newID(now), Action: EventAppKeyRevoked, At: now, TenantID: app.TenantID, Actor: a.Sub, AppID: id, AppKey: key}}
	return s.commit(ctx, a, c, nil)
}

// newAppKeyPair returns a new AppKey (16 hex digits, public) and AppSecret (32 random
// bytes, base64url).
func newAppKeyPair() (key, secret string, err error) {
	b := make([]byte, 8+32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(b[:8]), base64.RawURLEncoding.EncodeToString(b[8:]), nil
}
