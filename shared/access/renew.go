package access

import (
	"context"
	"time"
)

// RenewInput is the body of POST .../grants/{grant_id}/renewal.
type RenewInput struct {
	Validity Validity `json:"validity"`
	Reason   string   `json:"reason"`
}

// RenewResult is a renewed grant (a reviewer's renewal, 200) or the renewal request an
// app owner made (202).
type RenewResult struct {
	Grant   *Grant
	Request *Request
}

// RenewOn extends a grant in force on an API or a unit (R6): at once for a reviewer of
// its resource, as a RENEW request for the grantee side (the owner of the grantee app, or
// the user of a USER grant, R22).
func (s *Service) RenewOn(ctx context.Context, a Actor, r Resource, grantID string, in RenewInput) (RenewResult, error) {
	const op = "grant.renew"
	if err := CheckReason(op, in.Reason); err != nil {
		return RenewResult{}, err
	}
	if err := in.Validity.Validate(); err != nil {
		return RenewResult{}, err
	}
	g, t, err := s.grantOn(ctx, op, a.Principal, r, grantID)
	if err != nil {
		return RenewResult{}, err
	}
	if !r.HasEnv() {
		return RenewResult{}, invalid(op, CodeInvalid, "a grant on an app is not renewed: grant it anew")
	}
	now := s.now()
	if t.reviews(a.Principal) {
		if err := checkIfMatch(op, a, g.Version); err != nil {
			return RenewResult{}, err
		}
		next, err := s.renewed(op, g, t.Generation, in.Validity, now)
		if err != nil {
			return RenewResult{}, err
		}
		if err := s.policyAllows(ctx, op, t, now, g.EndTime, next, true); err != nil { // R26
			return RenewResult{}, err
		}
		c := Change{Op: op, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}
		c.Audit = []AuditEntry{grantAudit(EventGrantRenewed, next, a.Sub, in.Reason, now)}
		res := RenewResult{Grant: &next}
		if err := s.commit(ctx, a, c, res); err != nil {
			return RenewResult{}, err
		}
		return res, nil
	}
	owner := g.Subject.Type == SubjectUser && g.Subject.TenantID == a.TenantID && g.Subject.ID == a.Sub
	if g.Subject.Type == SubjectApp && g.Subject.TenantID == a.TenantID {
		if app, err := s.Store.GetApp(ctx, g.Subject.ID); err == nil {
			owner = a.OwnsApp(app)
		} else if ErrorKind(err) != NotFound {
			return RenewResult{}, err
		}
	}
	if !owner {
		return RenewResult{}, E(op, CodeForbidden, "only a reviewer of the API or the owner of the grantee app may renew")
	}
	if err := checkIfMatch(op, a, g.Version); err != nil { // after the role: a version is not for everyone
		return RenewResult{}, err
	}
	next, err := s.renewed(op, g, t.Generation, in.Validity, now) // refuse what approval would refuse
	if err != nil {
		return RenewResult{}, err
	}
	l, err := s.limits(ctx, t)
	if err != nil {
		return RenewResult{}, err
	}
	if !next.Protected { // R26, as policyAllows
		if err := l.WithinPolicy(op, from(next.StartTime, now), g.EndTime, next.EndTime, true); err != nil {
			return RenewResult{}, err
		}
	}
	sub := g.Subject
	req := Request{
		ID: newID(now), Kind: RequestRenew, Status: RequestPending, TenantID: t.TenantID,
		WorkspaceID: t.WorkspaceID, Resource: t.Resource, APIID: g.APIID, Subject: &sub, GrantID: g.ID,
		Envs: []Env{g.Env}, Permissions: g.Permissions, Fields: g.Fields, Validity: in.Validity,
		Reason: in.Reason, Requester: a.Sub, RequesterTenant: a.TenantID, CreatedAt: now, Version: 1,
	}
	if sub.Type == SubjectApp {
		req.AppID = sub.ID
	}
	req = pendingFor(req, l, now) // R27
	c := Change{Op: op, Writes: []Write{{Request: &req, Cond: Cond{Kind: CondAbsent}}}}
	c.Audit = []AuditEntry{requestAudit(EventRequestSubmitted, req, a.Sub, in.Reason, now)}
	res := RenewResult{Request: &req}
	if err := s.commit(ctx, a, c, res); err != nil {
		return RenewResult{}, err
	}
	return res, nil
}

// R6: renewed returns g extended to v at now: only a grant in force (in its resource's
// generation gen), only later.
func (s *Service) renewed(op string, g Grant, gen int64, v Validity, now time.Time) (Grant, error) {
	if !g.InForce(now, gen) {
		return Grant{}, E(op, CodeGrantNotInForce, "grant %s is %s: only a grant in force can be renewed", g.ID, g.Status(now, gen))
	}
	end, err := v.End(now)
	if err != nil {
		return Grant{}, err
	}
	if !Extends(g.EndTime, end) {
		return Grant{}, invalid(op, CodeValidity, "a renewal must extend the grant: the new end must be later than the current one")
	}
	next := g
	next.EndTime, next.Version, next.ModifiedAt = end, g.Version+1, now
	next.rearm(now, s.ReminderDays)
	return next, nil
}
