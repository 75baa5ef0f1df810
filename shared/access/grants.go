package access

import (
	"context"
	"slices"
	"time"
)

// GrantInput is the body of POST /v1/apis/{api_id}/grants.
type GrantInput struct {
	Subject     Subject      `json:"subject"`
	Subjects    []Subject    `json:"subjects"` // R18: in place of subject
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

// CreateGrants grants an API to one subject or several (R18) in one or more envs, all
// or none (R1, R2, R3, R10, R12, R13). Only a reviewer of the API's workspace may.
func (s *Service) CreateGrants(ctx context.Context, a Actor, apiID string, in GrantInput) ([]Grant, error) {
	const op = "grant.create"
	subjects, bulk, err := bulkSubjects(op, in.Subject, in.Subjects, len(in.Envs))
	if err != nil {
		return nil, err
	}
	if bulk && a.IfMatch != 0 {
		return nil, invalid(op, CodeInvalid, "If-Match names one grant's version; a bulk request takes none")
	}
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
	base, err := s.baseSpec(op, api, in.Envs, in.Permissions, in.Fields, in.Validity, in.Reason, now)
	if err != nil {
		return nil, err
	}
	base.protected = in.Protected
	specs := make([]grantSpec, 0, len(subjects))
	var fails []pairFailure
	for _, sub := range subjects {
		spec, err := s.granteeSpec(ctx, op, api, base, sub)
		if err != nil {
			e, ok := asPairError(err)
			if !ok || !bulk {
				return nil, err
			}
			for _, env := range base.envs {
				fails = append(fails, failPair(sub, env, "", e))
			}
			continue
		}
		specs = append(specs, spec)
	}
	if len(fails) > 0 { // name the conflicts too: every failing pair in one answer
		more, err := s.grantsInForce(ctx, op, api, specs, now)
		if err != nil {
			return nil, err
		}
		return nil, bulkError(append(fails, more...), bulk)
	}
	c := Change{Op: op}
	grants, err := s.newGrants(ctx, &c, api, specs, a.Sub, now, bulk)
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, a, c, grants); err != nil {
		return nil, err
	}
	return grants, nil
}

// checkSpec validates a grant's inputs for one subject against the API at now and
// resolves its end.
func (s *Service) checkSpec(ctx context.Context, op string, api API, sub Subject, envs []Env, perms []Permission, fields []string, v Validity, reason string, now time.Time) (grantSpec, error) {
	base, err := s.baseSpec(op, api, envs, perms, fields, v, reason, now)
	if err != nil {
		return grantSpec{}, err
	}
	return s.granteeSpec(ctx, op, api, base, sub)
}

// baseSpec validates what a grant request says for all its subjects: reason, envs,
// permissions, fields, validity (resolved at now) and R1.
func (s *Service) baseSpec(op string, api API, envs []Env, perms []Permission, fields []string, v Validity, reason string, now time.Time) (grantSpec, error) {
	if err := CheckReason(op, reason); err != nil {
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
	end, err := v.End(now)
	if err != nil {
		return grantSpec{}, err
	}
	if !api.Published() {
		return grantSpec{}, E(op, Conflict, CodeAPINotPublished, "api %s is not published", api.ID)
	}
	return grantSpec{envs: envs, perms: perms, fields: fields, end: end, reason: reason}, nil
}

// granteeSpec completes base for one subject: its shape (R12) and, for an app, that
// the app exists in the tenant named.
func (s *Service) granteeSpec(ctx context.Context, op string, api API, base grantSpec, sub Subject) (grantSpec, error) {
	if err := CheckSubject(op, sub); err != nil {
		return grantSpec{}, err
	}
	if err := CheckGrantShape(op, api, sub.Type, base.perms, base.fields); err != nil {
		return grantSpec{}, err
	}
	if sub.Type == SubjectApp {
		app, err := s.Store.GetApp(ctx, sub.ID)
		if err != nil || app.TenantID != sub.TenantID {
			return grantSpec{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s of tenant %s", sub.ID, sub.TenantID)
		}
	}
	base.subject = sub
	return base, nil
}

// newGrants adds to c one grant per subject and env, each conditional on its slot
// holding no grant in force (R3), plus the R1 condition on the API and one audit entry
// per grant. bulk names every failing pair in the answer (R18).
func (s *Service) newGrants(ctx context.Context, c *Change, api API, specs []grantSpec, actor string, now time.Time, bulk bool) ([]Grant, error) {
	fails, err := s.grantsInForce(ctx, c.Op, api, specs, now)
	if err != nil {
		return nil, err
	}
	if err := bulkError(fails, bulk); err != nil {
		return nil, err
	}
	c.Writes = append(c.Writes, Write{
		Action: ActionCheck, API: &api, Cond: Cond{Kind: CondPublished, Generation: api.Generation},
		OnFail: E(c.Op, Conflict, CodeAPINotPublished, "api %s is not published", api.ID),
	})
	n := 0
	for _, spec := range specs {
		n += len(spec.envs)
	}
	grants := make([]Grant, 0, n) // never grows: the writes point into it
	for _, spec := range specs {
		for _, env := range spec.envs {
			g := Grant{
				ID: newID(now), Resource: APIResource(api.ID), APIID: api.ID, APIName: api.Name, TenantID: api.TenantID, WorkspaceID: api.WorkspaceID,
				Subject: spec.subject, Env: env, Permissions: slices.Clone(spec.perms), Fields: slices.Clone(spec.fields),
				EndTime: spec.end, Protected: spec.protected, Reason: spec.reason, CreatorID: actor,
				CreatedAt: now, ModifiedAt: now, Version: 1, Generation: api.Generation,
			}
			g.rearm(now, s.ReminderDays)
			grants = append(grants, g)
			exists := E(c.Op, Conflict, CodeGrantExists, "a grant in force exists for %s %s in %s: renew it instead", g.Subject.Type, g.Subject.ID, env)
			if bulk { // a race lost on commit still names its pair
				exists.Pairs = []Pair{{Subject: g.Subject, Env: env, ErrorCode: CodeGrantExists}}
			}
			c.Writes = append(c.Writes,
				Write{Grant: &grants[len(grants)-1], Cond: Cond{Kind: CondReplaceable, Now: now, Generation: api.Generation}, OnFail: exists},
				Write{GrantRef: &GrantRef{GrantID: g.ID, Key: g.Key()}, Cond: Cond{Kind: CondAbsent}},
			)
			c.Audit = append(c.Audit, grantAudit(EventGrantCreated, g, actor, spec.reason, now))
		}
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
	Validity       *Validity    `json:"validity"` // R20
	Reason         string       `json:"reason"`
}

// PatchGrant changes a grant's field list, adds PROXY (R12) or changes its validity
// (R20); taking permissions away goes through cancellation.
func (s *Service) PatchGrant(ctx context.Context, a Actor, apiID, grantID string, in PatchInput) (Grant, error) {
	const op = "grant.patch"
	if err := CheckReason(op, in.Reason); err != nil {
		return Grant{}, err
	}
	if in.Fields == nil && len(in.AddPermissions) == 0 && in.Validity == nil {
		return Grant{}, invalid(op, CodeInvalid, "name fields, add_permissions or validity")
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
	if in.Validity != nil {
		if next, err = s.changedValidity(op, g, *in.Validity, now); err != nil {
			return Grant{}, err
		}
	}
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
