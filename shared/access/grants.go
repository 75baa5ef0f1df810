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
	StartTime   *time.Time   `json:"start_time"` // R25: a scheduled start
}

// grantSpec is what a new grant needs, whether granted directly or by approval.
type grantSpec struct {
	subject   Subject
	envs      []Env
	perms     []Permission
	fields    []string
	start     *time.Time // R25
	end       *time.Time
	reason    string
	protected bool
}

// GrantOn grants a resource (an API, a service unit, an app) to one subject or several
// (R18) in one or more envs (none for an app), all or none (R1, R2, R3, R10, R12, R13).
// Only a reviewer of the resource may (for an app, R24: its owner, an owner of its
// workspace or a tenant_admin).
func (s *Service) GrantOn(ctx context.Context, a Actor, r Resource, in GrantInput) ([]Grant, error) {
	const op = "grant.create"
	subjects, bulk, err := bulkSubjects(op, in.Subject, in.Subjects, max(len(in.Envs), 1))
	if err != nil {
		return nil, err
	}
	if bulk && a.IfMatch != 0 {
		return nil, invalid(op, codeIfMatch, "If-Match names one grant's version; a bulk request takes none")
	}
	t, err := s.visibleTarget(ctx, op, a.Principal, r)
	if err != nil {
		return nil, err
	}
	if !t.reviews(a.Principal) {
		return nil, E(op, CodeForbidden, "only a reviewer of workspace %s may grant its %ss", t.WorkspaceID, r.Type)
	}
	if in.Protected && (!a.IsAdmin(t.TenantID) || !r.HasEnv()) {
		return nil, E(op, CodeForbidden, "only a tenant_admin may create a protected grant, and not on an app")
	}
	now := s.now()
	base, err := s.baseSpec(op, t, asked{in.Envs, in.Permissions, in.Fields, in.Validity, in.Reason}, now)
	if err != nil {
		return nil, err
	}
	if base, err = withStart(op, base, in.StartTime, in.Validity, now); err != nil {
		return nil, err
	}
	base.protected = in.Protected
	exempt, err := s.withinPolicy(ctx, op, t, base, now) // R26
	if err != nil {
		return nil, err
	}
	specs := make([]grantSpec, 0, len(subjects))
	var fails []pairFailure
	for _, sub := range subjects {
		spec, err := s.granteeSpec(ctx, op, t, base, sub)
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
		more, err := s.grantsInForce(ctx, op, t, specs, now)
		if err != nil {
			return nil, err
		}
		return nil, bulkError(append(fails, more...), bulk)
	}
	c := Change{Op: op}
	grants, err := s.newGrants(ctx, &c, t, specs, a.Sub, now, bulk)
	if err != nil {
		return nil, err
	}
	for i := range c.Audit {
		c.Audit[i].PolicyExemption = exempt
	}
	if err := s.commit(ctx, a, c, grants); err != nil {
		return nil, err
	}
	return grants, nil
}

// asked is what a grant, an application or a request asks for, whoever the subjects.
type asked struct {
	Envs        []Env
	Permissions []Permission
	Fields      []string
	Validity    Validity
	Reason      string
}

// checkSpec validates a grant's inputs for one subject against the resource at now and
// resolves its end.
func (s *Service) checkSpec(ctx context.Context, op string, t target, sub Subject, in asked, now time.Time) (grantSpec, error) {
	base, err := s.baseSpec(op, t, in, now)
	if err != nil {
		return grantSpec{}, err
	}
	return s.granteeSpec(ctx, op, t, base, sub)
}

// baseSpec validates what a grant request says for all its subjects: reason, envs
// (none on an app), permissions, fields, validity (resolved at now) and R1.
func (s *Service) baseSpec(op string, t target, in asked, now time.Time) (grantSpec, error) {
	envs, fields, reason := in.Envs, in.Fields, in.Reason
	if err := CheckReason(op, reason); err != nil {
		return grantSpec{}, err
	}
	if t.Resource.HasEnv() {
		if err := CheckEnvs(op, envs); err != nil {
			return grantSpec{}, err
		}
	} else if len(envs) > 0 {
		return grantSpec{}, invalid(op, CodeEnv, "a grant on an app has no env")
	} else {
		envs = []Env{""}
	}
	perms, err := NormalizePermissions(op, in.Permissions)
	if err != nil {
		return grantSpec{}, err
	}
	if fields == nil {
		fields = []string{}
	}
	end, err := in.Validity.End(now)
	if err != nil {
		return grantSpec{}, err
	}
	if err := t.grantable(op); err != nil {
		return grantSpec{}, err
	}
	return grantSpec{envs: envs, perms: perms, fields: fields, end: end, reason: reason}, nil
}

// granteeSpec completes base for one subject: its shape (R12) and, for an app, that
// the app exists in the tenant named.
func (s *Service) granteeSpec(ctx context.Context, op string, t target, base grantSpec, sub Subject) (grantSpec, error) {
	if err := CheckSubject(op, sub); err != nil {
		return grantSpec{}, err
	}
	if err := t.checkShape(op, sub, base.perms, base.fields); err != nil {
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
// holding no grant in force (R3), plus the condition that the resource can still be
// granted (R1) and one audit entry per grant. bulk names every failing pair (R18).
func (s *Service) newGrants(ctx context.Context, c *Change, t target, specs []grantSpec, actor string, now time.Time, bulk bool) ([]Grant, error) {
	fails, err := s.grantsInForce(ctx, c.Op, t, specs, now)
	if err != nil {
		return nil, err
	}
	if err := bulkError(fails, bulk); err != nil {
		return nil, err
	}
	c.Writes = append(c.Writes, Registered(c.Op, subjectWorkspaces(specs)...)...) // R29
	c.Writes = append(c.Writes, t.stillGrantable(c.Op))
	n := 0
	for _, spec := range specs {
		n += len(spec.envs)
	}
	grants := make([]Grant, 0, n) // never grows: the writes point into it
	for _, spec := range specs {
		for _, env := range spec.envs {
			g := t.newGrant(spec, env, actor, now)
			g.rearm(now, s.ReminderDays)
			grants = append(grants, g)
			exists := E(c.Op, CodeGrantExists, "a grant in force or scheduled exists for %s %s in %s: renew it instead", g.Subject.Type, g.Subject.ID, env)
			if bulk { // a race lost on commit still names its pair
				exists.Pairs = []Pair{{Subject: g.Subject, Env: env, ErrorCode: CodeGrantExists}}
			}
			c.Writes = append(c.Writes,
				Write{Grant: &grants[len(grants)-1], Cond: Cond{Kind: CondReplaceable, Now: now, Generation: t.Generation}, OnFail: exists},
				Write{GrantRef: &GrantRef{GrantID: g.ID, Key: g.Key()}, Cond: Cond{Kind: CondAbsent}},
			)
			c.Audit = append(c.Audit, grantAudit(EventGrantCreated, g, actor, spec.reason, now))
		}
	}
	return grants, nil
}

// isGrantee reports whether p acts for the grant's subject (R8): the owner of the app
// for an APP grant, an owner of the workspace for a WORKSPACE grant, the user for a USER
// grant (R22), or the grantee tenant's admin.
func (s *Service) isGrantee(ctx context.Context, p Principal, g Grant) (bool, error) {
	if g.Subject.TenantID != p.TenantID {
		return false, nil
	}
	switch g.Subject.Type {
	case SubjectWorkspace:
		return p.IsOwner(g.Subject.TenantID, g.Subject.ID), nil
	case SubjectUser:
		return g.Subject.ID == p.Sub || p.IsAdmin(g.Subject.TenantID), nil
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

// GetGrantOn reads one grant for a reviewer of its resource or for the grantee side.
func (s *Service) GetGrantOn(ctx context.Context, p Principal, r Resource, grantID string) (Grant, error) {
	const op = "grant.get"
	g, t, err := s.grantOn(ctx, op, p, r, grantID)
	if err != nil {
		return Grant{}, err
	}
	if t.reviews(p) {
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
	return Grant{}, E(op, CodeForbidden, "only reviewers of the API and the grantee may read this grant")
}

// PatchInput is the body of PATCH /v1/apis/{api_id}/grants/{grant_id}.
type PatchInput struct {
	Fields         *[]string    `json:"fields"`
	AddPermissions []Permission `json:"add_permissions"`
	Validity       *Validity    `json:"validity"` // R20
	Reason         string       `json:"reason"`
	StartTime      *time.Time   `json:"start_time"` // R25: moves a scheduled grant's start
}

// PatchGrantOn changes a grant's field list, adds a permission (R12) or changes its
// validity (R20); taking permissions away goes through cancellation.
func (s *Service) PatchGrantOn(ctx context.Context, a Actor, r Resource, grantID string, in PatchInput) (Grant, error) {
	const op = "grant.patch"
	if err := CheckReason(op, in.Reason); err != nil {
		return Grant{}, err
	}
	if in.Fields == nil && len(in.AddPermissions) == 0 && in.Validity == nil && in.StartTime == nil {
		return Grant{}, invalid(op, CodeInvalid, "name fields, add_permissions, validity or start_time")
	}
	g, t, err := s.reviewerGrant(ctx, op, a, r, grantID)
	if err != nil {
		return Grant{}, err
	}
	if !r.HasEnv() {
		return Grant{}, invalid(op, CodeInvalid, "a grant on an app is not changed: grant it anew")
	}
	now := s.now()
	if !g.InForce(now, t.Generation) && !g.scheduled(now) {
		return Grant{}, E(op, CodeGrantNotInForce, "grant %s is %s", g.ID, g.Status(now, t.Generation))
	}
	g, settled := settle(g, a.Sub, now)
	next := g
	if g.scheduled(now) || in.StartTime != nil { // R25: moving the start, or the end before it
		if next, err = rescheduled(op, g, in.StartTime, in.Validity, now, s.ReminderDays); err != nil {
			return Grant{}, err
		}
	} else if in.Validity != nil {
		if next, err = s.changedValidity(op, g, *in.Validity, now); err != nil {
			return Grant{}, err
		}
	}
	if in.Validity != nil && Extends(g.EndTime, next.EndTime) && !g.Protected { // R26 caps an extension
		if err := s.policyAllows(ctx, op, t, now, nil, next, false); err != nil {
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
	if err := t.checkShape(op, g.Subject, next.Permissions, next.Fields); err != nil {
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

// reviewerGrant reads a grant that a reviewer of its resource acts on, with If-Match.
func (s *Service) reviewerGrant(ctx context.Context, op string, a Actor, r Resource, grantID string) (Grant, target, error) {
	g, t, err := s.grantOn(ctx, op, a.Principal, r, grantID)
	if err != nil {
		return Grant{}, target{}, err
	}
	if !t.reviews(a.Principal) {
		return Grant{}, target{}, E(op, CodeForbidden, "only a reviewer of workspace %s may do this", t.WorkspaceID)
	}
	if err := checkIfMatch(op, a, g.Version); err != nil {
		return Grant{}, target{}, err
	}
	return g, t, nil
}
