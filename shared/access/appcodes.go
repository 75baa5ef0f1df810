package access

import (
	"context"
	"slices"
	"time"
)

// AppCode is one of an app's live AppCodes, as listed: an id, the code's first
// characters (so that its holder can tell which one it has) and when it was made. The
// code itself is answered once, at creation; only its hash is kept.
type AppCode struct {
	ID     string `json:"code_id"`
	Prefix string `json:"prefix"`
	// CreatedAt is nil for LegacyCodeID: that date was not kept.
	CreatedAt *time.Time `json:"created_at"`
	Hash      string     `json:"-"`
}

// MaxAppCodes is how many live AppCodes an app may hold, so that its callers can move
// to a new one before the old one is revoked (Huawei APIG allows 5 for this reason).
const MaxAppCodes = 5

// LegacyCodeID names the one AppCode of an app written before apps held several
// (App.CodeHash); its prefix is unknown ("").
const LegacyCodeID = "legacy"

// appCodePrefix is how many of a code's 64 hex digits a listing shows (24 of 256 bits).
const appCodePrefix = 6

// Codes of the AppCode routes; CodeCredentialLimit is also the AppKeys' limit.
const (
	CodeNotFoundAppCode = "NotFound.AppCode"
	CodeCredentialLimit = "Conflict.CredentialLimit"
)

// LiveCodes lists the app's live AppCodes, the legacy one first.
func (a App) LiveCodes() []AppCode {
	out := make([]AppCode, 0, len(a.Codes)+1)
	if a.CodeHash != "" {
		out = append(out, AppCode{ID: LegacyCodeID, Hash: a.CodeHash})
	}
	return append(out, a.Codes...)
}

// HasCode reports whether the AppCode whose hash is h is one of the app's live codes:
// the authorizer's confirmation of the app its lookup (or its hint) names.
func (a App) HasCode(h string) bool {
	return slices.ContainsFunc(a.LiveCodes(), func(c AppCode) bool { return c.Hash == h })
}

// withoutCodes is app without the live codes drop says, the legacy one included.
func (a App) withoutCodes(drop func(AppCode) bool) App {
	if a.CodeHash != "" && drop(AppCode{ID: LegacyCodeID, Hash: a.CodeHash}) {
		a.CodeHash = ""
	}
	a.Codes = slices.DeleteFunc(slices.Clone(a.Codes), drop)
	return a
}

// newAppCode makes an AppCode at now: the code (answered once) and what is kept of it.
func newAppCode(now time.Time) (string, AppCode, error) {
	code, err := newSecret()
	if err != nil {
		return "", AppCode{}, err
	}
	return code, AppCode{ID: newID(now), Prefix: code[:appCodePrefix], CreatedAt: &now, Hash: HashAppCode(code)}, nil
}

// AppCodeResult is a new AppCode, answered once, with the app as written.
type AppCodeResult struct {
	App  App
	Code AppCode
	// Secret is the AppCode itself.
	Secret string
}

// CreateAppCode makes another AppCode for app id (at most MaxAppCodes live): the code is
// answered only here and its hash keyed in a lookup item, so that the authorizer finds
// the app with one read, as for the first code.
func (s *Service) CreateAppCode(ctx context.Context, a Actor, id string) (AppCodeResult, error) {
	const op = "app_code.create"
	app, err := s.credentialOwner(ctx, op, a.Principal, id)
	if err != nil {
		return AppCodeResult{}, err
	}
	if n := len(app.LiveCodes()); n >= MaxAppCodes {
		return AppCodeResult{}, E(op, CodeCredentialLimit, "app %s holds %d live AppCodes, the most it may; revoke one first", id, n)
	}
	return s.newCode(ctx, a, op, EventAppCodeCreated, app, func(AppCode) bool { return false })
}

// RotateAppCode replaces all the app's AppCodes by a new one in one transaction (the
// others' lookup items are deleted with it): every old code stops working at once; the
// new one is returned once.
func (s *Service) RotateAppCode(ctx context.Context, a Actor, id string) (AppCodeResult, error) {
	const op = "app.rotate"
	app, err := s.credentialOwner(ctx, op, a.Principal, id)
	if err != nil {
		return AppCodeResult{}, err
	}
	return s.newCode(ctx, a, op, EventAppCodeRotated, app, func(AppCode) bool { return true })
}

// newCode writes a new AppCode for app and revokes the live codes drop says, in one
// transaction conditioned on the app's version.
func (s *Service) newCode(ctx context.Context, a Actor, op, action string, app App, drop func(AppCode) bool) (AppCodeResult, error) {
	now := s.now()
	code, info, err := newAppCode(now)
	if err != nil {
		return AppCodeResult{}, Wrap(op, CodeInternal, err)
	}
	next := app.withoutCodes(drop)
	next.Codes = append(next.Codes, info)
	next.Version, next.ModifiedAt = app.Version+1, now
	c := Change{Op: op, Writes: []Write{
		{App: &next, Cond: Cond{Kind: CondVersion, Version: app.Version}},
		{Lookup: &Lookup{Kind: LookupAppCode, Value: info.Hash, Target: app.ID}, Cond: Cond{Kind: CondAbsent}},
	}}
	for _, old := range app.LiveCodes() {
		if drop(old) {
			c.Writes = append(c.Writes, Write{Action: ActionDelete, Lookup: &Lookup{Kind: LookupAppCode, Value: old.Hash, Target: app.ID}})
		}
	}
	c.Audit = []AuditEntry{{ID: newID(now), Action: action, At: now, TenantID: app.TenantID, Actor: a.Sub, AppID: app.ID, CodeID: info.ID}}
	res := AppCodeResult{App: next, Code: info, Secret: code}
	if err := s.commit(ctx, a, c, res); err != nil {
		return AppCodeResult{}, err
	}
	return res, nil
}

// AppCodes lists app id's live AppCodes, oldest first (never a code or its hash), for
// whoever may manage them.
func (s *Service) AppCodes(ctx context.Context, p Principal, id string) ([]AppCode, error) {
	app, err := s.credentialOwner(ctx, "app_code.list", p, id)
	if err != nil {
		return nil, err
	}
	return app.LiveCodes(), nil
}

// RevokeAppCode removes one AppCode: its lookup item is deleted in the same
// transaction, so the next call with it is refused (APP_NOT_FOUND) while the app's
// other codes keep working.
func (s *Service) RevokeAppCode(ctx context.Context, a Actor, id, codeID string) error {
	const op = "app_code.revoke"
	app, err := s.credentialOwner(ctx, op, a.Principal, id)
	if err != nil {
		return err
	}
	if len(codeID) > 128 {
		return E(op, CodeNotFoundAppCode, "app %s has no AppCode with that id", id)
	}
	live := app.LiveCodes()
	i := slices.IndexFunc(live, func(c AppCode) bool { return c.ID == codeID })
	if i < 0 {
		return E(op, CodeNotFoundAppCode, "app %s has no AppCode %s", id, codeID)
	}
	now := s.now()
	next := app.withoutCodes(func(c AppCode) bool { return c.ID == codeID })
	next.Version, next.ModifiedAt = app.Version+1, now
	c := Change{Op: op, Writes: []Write{
		{App: &next, Cond: Cond{Kind: CondVersion, Version: app.Version}},
		{Action: ActionDelete, Lookup: &Lookup{Kind: LookupAppCode, Value: live[i].Hash, Target: id}},
	}}
	c.Audit = []AuditEntry{{ID: newID(now), Action: EventAppCodeRevoked, At: now, TenantID: app.TenantID, Actor: a.Sub, AppID: id, CodeID: codeID}}
	return s.commit(ctx, a, c, nil)
}
