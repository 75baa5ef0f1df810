package access

import (
	"context"
	"slices"
	"time"
)

// target is what a grant route names — an API, a service unit (R23) or an app (R24) —
// read once, with what the grant rules need of it. Every grant operation works on a
// target, so one code path serves every kind of grant.
type target struct {
	Resource    Resource
	TenantID    string
	WorkspaceID string
	Name        string
	// Generation is the resource's: a grant counts only while its own matches (R4 for
	// an API, R23 for a unit); apps have none (0).
	Generation int64
	api        API
	unit       ServiceUnit
	app        App
}

// notFoundCode is the 404 of a resource type.
func notFoundCode(t ResourceType) string {
	switch t {
	case ResourceServiceUnit:
		return CodeNotFoundServiceUnit
	case ResourceApp:
		return CodeNotFoundApp
	}
	return CodeNotFoundAPI
}

// loadTarget reads r, tombstones included; live is false for an absent or deleted
// resource.
func (s *Service) loadTarget(ctx context.Context, op string, r Resource) (t target, live bool, err error) {
	t.Resource = r
	if err := CheckID(op, idName(r.Type), r.ID); err != nil {
		return target{}, false, err
	}
	switch r.Type {
	case ResourceAPI:
		api, err := s.Store.GetAPI(ctx, r.ID)
		if err != nil {
			return target{}, false, notFoundUnless(op, err, CodeNotFoundAPI, "api %s", r.ID)
		}
		t.api, t.TenantID, t.WorkspaceID, t.Name, t.Generation = api, api.TenantID, api.WorkspaceID, api.Name, api.Generation
		return t, !api.Deleted, nil
	case ResourceServiceUnit:
		u, err := s.Store.GetServiceUnit(ctx, r.ID)
		if err != nil {
			return target{}, false, notFoundUnless(op, err, CodeNotFoundServiceUnit, "service unit %s", r.ID)
		}
		t.unit, t.TenantID, t.WorkspaceID, t.Name, t.Generation = u, u.TenantID, u.WorkspaceID, u.Name, u.Generation
		return t, u.Live(), nil
	case ResourceApp:
		app, err := s.Store.GetApp(ctx, r.ID)
		if err != nil {
			return target{}, false, notFoundUnless(op, err, CodeNotFoundApp, "app %s", r.ID)
		}
		t.app, t.TenantID, t.WorkspaceID, t.Name = app, app.TenantID, app.WorkspaceID, app.Name
		return t, true, nil
	}
	return target{}, false, invalid(op, CodeInvalid, "unknown resource type %q", r.Type)
}

func idName(t ResourceType) string {
	switch t {
	case ResourceServiceUnit:
		return "unit_id"
	case ResourceApp:
		return "app_id"
	}
	return "api_id"
}

// visibleTarget reads a resource the caller's tenant owns (its NotFound otherwise).
func (s *Service) visibleTarget(ctx context.Context, op string, p Principal, r Resource) (target, error) {
	t, live, err := s.loadTarget(ctx, op, r)
	if err != nil {
		return target{}, err
	}
	if !live || t.TenantID != p.TenantID {
		return target{}, E(op, notFoundCode(r.Type), "%s %s not found", r.Type, r.ID)
	}
	return t, nil
}

// reviews reports whether p decides the grants on t: a reviewer of its workspace for an
// API or a unit; for an app (R24), its owner, an owner of its workspace or a tenant_admin.
func (t target) reviews(p Principal) bool {
	if t.Resource.Type == ResourceApp {
		return p.OwnsApp(t.app) || p.IsOwner(t.TenantID, t.WorkspaceID) || p.IsAdmin(t.TenantID)
	}
	return p.IsReviewer(t.TenantID, t.WorkspaceID)
}

// grantable is R1 for an API (only a published one); a live unit or an app always is.
func (t target) grantable(op string) error {
	switch {
	case t.Resource.Type == ResourceAPI && !t.api.Published():
		return E(op, CodeAPINotPublished, "api %s is not published", t.api.ID)
	case t.Resource.Type == ResourceServiceUnit && !t.unit.Live():
		return E(op, CodeNotFoundServiceUnit, "service unit %s not found", t.unit.ID)
	}
	return nil
}

// stillGrantable is grantable as a condition of the transaction that writes the grants:
// the API still published, the unit still live, each in the generation read; the app
// still there.
func (t target) stillGrantable(op string) Write {
	switch t.Resource.Type {
	case ResourceServiceUnit:
		u := t.unit
		return Write{Action: ActionCheck, Unit: &u, Cond: Cond{Kind: CondPublished, Generation: t.Generation},
			OnFail: E(op, CodeNotFoundServiceUnit, "service unit %s was deleted", u.ID)}
	case ResourceApp:
		app := t.app
		return Write{Action: ActionCheck, App: &app, Cond: Cond{Kind: CondExists},
			OnFail: E(op, CodeNotFoundApp, "app %s not found", app.ID)}
	}
	api := t.api
	return Write{Action: ActionCheck, API: &api, Cond: Cond{Kind: CondPublished, Generation: t.Generation},
		OnFail: E(op, CodeAPINotPublished, "api %s is not published", api.ID)}
}

// R12: checkShape enforces the permission shapes of a grant on t for a subject (SPEC
// "Which rules hold for which grants"): on an API, USAGE (+PROXY for an APP on a
// row-level READ API, R12; a USER holds USAGE only, R22) and fields among the API's;
// on a unit, USAGE (+DEVELOPMENT for a USER of the unit's tenant, R23), all fields; on
// an app, USAGE for a USER of the app's tenant (R24).
func (t target) checkShape(op string, sub Subject, perms []Permission, fields []string) error {
	switch t.Resource.Type {
	case ResourceAPI:
		if slices.Contains(perms, PermDevelopment) {
			return invalid(op, CodePermissions, "DEVELOPMENT is granted on service units only")
		}
		return CheckGrantShape(op, t.api, sub.Type, perms, fields)
	case ResourceServiceUnit:
		if slices.Contains(perms, PermProxy) {
			return invalid(op, CodePermissions, "PROXY is granted on APIs only")
		}
		if slices.Contains(perms, PermDevelopment) && (sub.Type != SubjectUser || sub.TenantID != t.TenantID) {
			return invalid(op, CodePermissions, "DEVELOPMENT can be granted to a USER of the unit's tenant only")
		}
	case ResourceApp:
		if len(perms) != 1 || perms[0] != PermUsage {
			return invalid(op, CodePermissions, "an app grant carries USAGE only")
		}
		if sub.Type != SubjectUser || sub.TenantID != t.TenantID {
			return invalid(op, CodeSubject, "an app is granted to a USER of its own tenant only")
		}
	}
	if len(fields) > 0 {
		return invalid(op, CodeFields, "a grant on a %s takes no field list: it reaches all fields", t.Resource.Type)
	}
	return nil
}

// newGrant is a grant on t, in force from now.
func (t target) newGrant(spec grantSpec, env Env, actor string, now time.Time) Grant {
	g := Grant{
		ID: newID(now), Resource: t.Resource, TenantID: t.TenantID, WorkspaceID: t.WorkspaceID,
		Subject: spec.subject, Env: env, Permissions: slices.Clone(spec.perms), Fields: slices.Clone(spec.fields),
		StartTime: spec.start, EndTime: spec.end, Protected: spec.protected, Reason: spec.reason, CreatorID: actor,
		CreatedAt: now, ModifiedAt: now, Version: 1, Generation: t.Generation,
	}
	t.name(&g)
	return g
}

// name fills in the API fields of a grant on an API (null on other grants).
func (t target) name(g *Grant) {
	if t.Resource.Type == ResourceAPI {
		g.APIID, g.APIName = t.api.ID, t.api.Name
	}
}

// slot is the slot of sub's grant on t in env.
func (t target) slot(env Env, sub Subject) GrantKey { return SlotOf(t.Resource, env, sub) }

// partial is what R11 may take away from a grant on t without revoking it: PROXY on an
// API, DEVELOPMENT on a unit; nothing on an app.
func (t target) partial() Permission {
	switch t.Resource.Type {
	case ResourceAPI:
		return PermProxy
	case ResourceServiceUnit:
		return PermDevelopment
	}
	return ""
}

// grantOn reads grant grantID on r for a caller who can see it: the resource's tenant
// or the grantee's. A grant of an older generation was removed (R4, R23), whatever the
// cleanup has reached.
func (s *Service) grantOn(ctx context.Context, op string, p Principal, r Resource, grantID string) (Grant, target, error) {
	if err := CheckID(op, idName(r.Type), r.ID); err != nil {
		return Grant{}, target{}, err
	}
	if err := CheckID(op, "grant_id", grantID); err != nil {
		return Grant{}, target{}, err
	}
	g, err := s.Store.GetGrant(ctx, r, grantID)
	if err != nil {
		return Grant{}, target{}, notFoundUnless(op, err, CodeNotFoundGrant, "grant %s", grantID)
	}
	t, _, err := s.loadTarget(ctx, op, r)
	if err != nil && ErrorKind(err) != NotFound {
		return Grant{}, target{}, err
	}
	if err != nil || g.Generation != t.Generation || (g.TenantID != p.TenantID && g.Subject.TenantID != p.TenantID) {
		return Grant{}, target{}, E(op, CodeNotFoundGrant, "grant %s not found", grantID)
	}
	t.name(&g)
	return g, t, nil
}
