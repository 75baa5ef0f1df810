package access

import (
	"context"
	"slices"
	"time"
)

// GrantInput is the body of POST /v1/apis/{api_id}/grants.
type GrantInput struct {
	Subject     Subject      `json:"subject"`
	Envs        []Env        `json:"envs"`
	Permissions []Permission `json:"permissions"`
	Fields      []string     `json:"fields"`
	Validity    Validity     `json:"validity"`
	Reason      string       `json:"reason"`
	Protected   bool         `json:"protected"`
}

// grantSpec is what a new grant needs, whether granted directly or by approval.
type grantSpec struct {
	subject   Subject
	envs      []Env
	perms     []Permission
	fields    []string
	end       *time.Time
	reason    string
	protected bool
}

// visibleAPI reads an API the caller's tenant owns (NotFound otherwise).
func (s *Service) visibleAPI(ctx context.Context, op string, p Principal, id string) (API, error) {
	if err := CheckID(op, "api_id", id); err != nil {
		return API{}, err
	}
	api, err := s.Store.GetAPI(ctx, id)
	if err != nil || api.Deleted || api.TenantID != p.TenantID {
		return API{}, notFoundUnless(op, err, CodeNotFoundAPI, "api %s", id)
	}
	return api, nil
}

// CreateGrants grants an API to a subject in one or more envs, all or none (R1, R2, R3,
// R10, R12, R13). Only a reviewer of the API's workspace may.
func (s *Service) CreateGrants(ctx context.Context, a Actor, apiID string, in GrantInput) ([]Grant, error) {
	const op = "grant.create"
	api, err := s.visibleAPI(ctx, op, a.Principal, apiID)
	if err != nil {
		return nil, err
	}
	if !a.IsReviewer(api.TenantID, api.WorkspaceID) {
		return nil, E(op, Forbidden, CodeForbidden, "only a reviewer of workspace %s may grant its APIs", api.WorkspaceID)
	}
	if in.Protected && !a.IsAdmin(api.TenantID) {
		return nil, E(op, Forbidden, CodeForbidden, "only a tenant_admin may create a protected grant")
	}
	now := s.now()
	spec, err := s.checkSpec(ctx, op, api, in.Subject, in.Envs, in.Permissions, in.Fields, in.Validity, in.Reason, now)
	if err != nil {
		return nil, err
	}
	spec.protected = in.Protected
	c := Change{Op: op}
	grants, err := s.newGrants(ctx, &c, api, spec, a.Sub, now)
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, a, c, grants); err != nil {
		return nil, err
	}
	return grants, nil
}

// checkSpec validates a grant's inputs against the API at now and resolves its end.
func (s *Service) checkSpec(ctx context.Context, op string, api API, sub Subject, envs []Env, perms []Permission, fields []string, v Validity, reason string, now time.Time) (grantSpec, error) {
	if err := CheckReason(op, reason); err != nil {
		return grantSpec{}, err
	}
	if err := CheckSubject(op, sub); err != nil {
		return grantSpec{}, err
	}
	if err := CheckEnvs(op, envs); err != nil {
		return grantSpec{}, err
	}
	perms, err := NormalizePermissions(op, perms)
	if err != nil {
		return grantSpec{}, err
	}
	if fields == nil {
		fields = []string{}
	}
	if err := CheckGrantShape(op, api, sub.Type, perms, fields); err != nil {
		return grantSpec{}, err
	}
	end, err := v.End(now)
	if err != nil {
		return grantSpec{}, err
	}
	if !api.Published() {
		return grantSpec{}, E(op, Conflict, CodeAPINotPublished, "api %s is not published", api.ID)
	}
	if sub.Type == SubjectApp {
		app, err := s.Store.GetApp(ctx, sub.ID)
		if err != nil || app.TenantID != sub.TenantID {
			return grantSpec{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s of tenant %s", sub.ID, sub.TenantID)
		}
	}
	return grantSpec{subject: sub, envs: envs, perms: perms, fields: fields, end: end, reason: reason}, nil
}

// newGrants adds to c one grant per env, each conditional on its slot holding no grant
// in force (R3), plus the R1 condition on the API and one audit entry per grant.
func (s *Service) newGrants(ctx context.Context, c *Change, api API, spec grantSpec, actor string, now time.Time) ([]Grant, error) {
	if err := s.noGrantInForce(ctx, c.Op, api, spec, now); err != nil {
		return nil, err
	}
	c.Writes = append(c.Writes, Write{
		Action: ActionCheck, API: &api, Cond: Cond{Kind: CondPublished, Generation: api.Generation},
		OnFail: E(c.Op, Conflict, CodeAPINotPublished, "api %s is not published", api.ID),
	})
	grants := make([]Grant, 0, len(spec.envs))
	for _, env := range spec.envs {
		g := Grant{
			ID: newID(now), Resource: APIResource(api.ID), APIID: api.ID, APIName: api.Name, TenantID: api.TenantID, WorkspaceID: api.WorkspaceID,
			Subject: spec.subject, Env: env, Permissions: slices.Clone(spec.perms), Fields: slices.Clone(spec.fields),
			EndTime: spec.end, Protected: spec.protected, Reason: spec.reason, CreatorID: actor,
			CreatedAt: now, ModifiedAt: now, Version: 1, Generation: api.Generation,
		}
		g.rearm(now, s.ReminderDays)
		grants = append(grants, g)
		c.Writes = append(c.Writes,
			Write{
				Grant: &grants[len(grants)-1], Cond: Cond{Kind: CondReplaceable, Now: now, Generation: api.Generation},
				OnFail: E(c.Op, Conflict, CodeGrantExists, "a grant in force exists for %s %s in %s: renew it instead", g.Subject.Type, g.Subject.ID, env),
			},
			Write{GrantRef: &GrantRef{GrantID: g.ID, Key: g.Key()}, Cond: Cond{Kind: CondAbsent}},
		)
		c.Audit = append(c.Audit, grantAudit(EventGrantCreated, g, actor, spec.reason, now))
	}
	return grants, nil
}

// grantFor reads a grant of an API the caller can see: the API's tenant or the
// grantee's. It returns the grant with its status context (the API).
func (s *Service) grantFor(ctx context.Context, op string, p Principal, apiID, grantID string) (Grant, API, error) {
	if err := CheckID(op, "api_id", apiID); err != nil {
		return Grant{}, API{}, err
	}
	if err := CheckID(op, "grant_id", grantID); err != nil {
		return Grant{}, API{}, err
	}
	g, err := s.Store.GetGrant(ctx, APIResource(apiID), grantID)
	if err != nil {
		return Grant{}, API{}, notFoundUnless(op, err, CodeNotFoundGrant, "grant %s", grantID)
	}
	api, err := s.Store.GetAPI(ctx, apiID)
	if err != nil && ErrorKind(err) != NotFound {
		return Grant{}, API{}, err
	}
	// R4: a grant of an older generation was removed, whatever the cleanup has reached.
	if err != nil || g.Generation != api.Generation || (g.TenantID != p.TenantID && g.Subject.TenantID != p.TenantID) {
		return Grant{}, API{}, E(op, NotFound, CodeNotFoundGrant, "grant %s not found", grantID)
	}
	g.APIName = api.Name
	return g, api, nil
}

// isGrantee reports whether p acts for the grant's subject (R8): the owner of the app
// for an APP grant, an owner of the workspace for a WORKSPACE grant, or the grantee
// tenant's admin.
func (s *Service) isGrantee(ctx context.Context, p Principal, g Grant) (bool, error) {
	if g.Subject.TenantID != p.TenantID {
		return false, nil
	}
	if g.Subject.Type == SubjectWorkspace {
		return p.IsOwner(g.Subject.TenantID, g.Subject.ID), nil
	}
	if p.IsAdmin(g.Subject.TenantID) {
		return true, nil
	}
	app, err := s.Store.GetApp(ctx, g.Subject.ID)
	if err != nil {
		if ErrorKind(err) == NotFound {
			return false, nil
		}
		return false, err
	}
	return p.OwnsApp(app), nil
}

// GetGrant reads one grant for a reviewer of its API or for the grantee side.
func (s *Service) GetGrant(ctx context.Context, p Principal, apiID, grantID string) (Grant, error) {
	const op = "grant.get"
	g, api, err := s.grantFor(ctx, op, p, apiID, grantID)
	if err != nil {
		return Grant{}, err
	}
	if p.IsReviewer(api.TenantID, api.WorkspaceID) {
		return g, nil
	}
	if g.Subject.TenantID == p.TenantID {
		ok, err := s.isGrantee(ctx, p, g)
		if err != nil {
			return Grant{}, err
		}
		if ok || (g.Subject.Type == SubjectWorkspace && p.IsMember(p.TenantID, g.Subject.ID)) {
			return g, nil
		}
		if g.Subject.Type == SubjectApp {
			if app, err := s.Store.GetApp(ctx, g.Subject.ID); err == nil && p.IsMember(app.TenantID, app.WorkspaceID) {
				return g, nil
			}
		}
	}
	return Grant{}, E(op, Forbidden, CodeForbidden, "only reviewers of the API and the grantee may read this grant")
}

// PatchInput is the body of PATCH /v1/apis/{api_id}/grants/{grant_id}.
type PatchInput struct {
	Fields         *[]string    `json:"fields"`
	AddPermissions []Permission `json:"add_permissions"`
	Reason         string       `json:"reason"`
}

// PatchGrant changes a grant's field list or adds PROXY (R12); taking permissions away
// goes through cancellation.
func (s *Service) PatchGrant(ctx context.Context, a Actor, apiID, grantID string, in PatchInput) (Grant, error) {
	const op = "grant.patch"
	if err := CheckReason(op, in.Reason); err != nil {
		return Grant{}, err
	}
	if in.Fields == nil && len(in.AddPermissions) == 0 {
		return Grant{}, invalid(op, CodeInvalid, "name fields or add_permissions")
	}
	g, api, err := s.reviewerGrant(ctx, op, a, apiID, grantID)
	if err != nil {
		return Grant{}, err
	}
	now := s.now()
	if !g.InForce(now, api.Generation) {
		return Grant{}, E(op, Conflict, CodeGrantNotInForce, "grant %s is %s", g.ID, g.Status(now, api.Generation))
	}
	g, settled := settle(g, a.Sub, now)
	next := g
	if in.Fields != nil {
		next.Fields = slices.Clone(*in.Fields)
		if next.Fields == nil {
			next.Fields = []string{}
		}
	}
	perms, err := NormalizePermissions(op, append(slices.Clone(g.Permissions), in.AddPermissions...))
	if err != nil {
		return Grant{}, err
	}
	next.Permissions = perms
	if err := CheckGrantShape(op, api, g.Subject.Type, next.Permissions, next.Fields); err != nil {
		return Grant{}, err
	}
	next.Version, next.ModifiedAt = g.Version+1, now
	next.Due = next.NextDue(s.ReminderDays)
	c := Change{Op: op, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}
	c.Audit = append(settled, grantAudit(EventGrantChanged, next, a.Sub, in.Reason, now))
	if err := s.commit(ctx, a, c, next); err != nil {
		return Grant{}, err
	}
	return next, nil
}

// reviewerGrant reads a grant that a reviewer of its API acts on, with If-Match.
func (s *Service) reviewerGrant(ctx context.Context, op string, a Actor, apiID, grantID string) (Grant, API, error) {
	g, api, err := s.grantFor(ctx, op, a.Principal, apiID, grantID)
	if err != nil {
		return Grant{}, API{}, err
	}
	if !a.IsReviewer(api.TenantID, api.WorkspaceID) {
		return Grant{}, API{}, E(op, Forbidden, CodeForbidden, "only a reviewer of workspace %s may do this", api.WorkspaceID)
	}
	if err := checkIfMatch(op, a, g.Version); err != nil {
		return Grant{}, API{}, err
	}
	return g, api, nil
}
