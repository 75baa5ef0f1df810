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

// Renew extends a grant in force (R6): at once for a reviewer of its API, as a RENEW
// request for the owner of the grantee app.
func (s *Service) Renew(ctx context.Context, a Actor, apiID, grantID string, in RenewInput) (RenewResult, error) {
	const op = "grant.renew"
	if err := CheckReason(op, in.Reason); err != nil {
		return RenewResult{}, err
	}
	if err := in.Validity.Validate(); err != nil {
		return RenewResult{}, err
	}
	g, api, err := s.grantFor(ctx, op, a.Principal, apiID, grantID)
	if err != nil {
		return RenewResult{}, err
	}
	now := s.now()
	if a.IsReviewer(api.TenantID, api.WorkspaceID) {
		if err := checkIfMatch(op, a, g.Version); err != nil {
			return RenewResult{}, err
		}
		next, err := s.renewed(op, g, api, in.Validity, now)
		if err != nil {
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
	owner := false
	if g.Subject.Type == SubjectApp && g.Subject.TenantID == a.TenantID {
		if app, err := s.Store.GetApp(ctx, g.Subject.ID); err == nil {
			owner = a.OwnsApp(app)
		} else if ErrorKind(err) != NotFound {
			return RenewResult{}, err
		}
	}
	if !owner {
		return RenewResult{}, E(op, Forbidden, CodeForbidden, "only a reviewer of the API or the owner of the grantee app may renew")
	}
	if err := checkIfMatch(op, a, g.Version); err != nil { // after the role: a version is not for everyone
		return RenewResult{}, err
	}
	if _, err := s.renewed(op, g, api, in.Validity, now); err != nil { // refuse what approval would refuse
		return RenewResult{}, err
	}
	req := Request{
		ID: newID(now), Kind: RequestRenew, Status: RequestPending, TenantID: api.TenantID,
		WorkspaceID: api.WorkspaceID, APIID: api.ID, AppID: g.Subject.ID, GrantID: g.ID,
		Envs: []Env{g.Env}, Permissions: g.Permissions, Fields: g.Fields, Validity: in.Validity,
		Reason: in.Reason, Requester: a.Sub, RequesterTenant: a.TenantID, CreatedAt: now, Version: 1,
	}
	c := Change{Op: op, Writes: []Write{{Request: &req, Cond: Cond{Kind: CondAbsent}}}}
	c.Audit = []AuditEntry{requestAudit(EventRequestSubmitted, req, a.Sub, in.Reason, now)}
	res := RenewResult{Request: &req}
	if err := s.commit(ctx, a, c, res); err != nil {
		return RenewResult{}, err
	}
	return res, nil
}

// R6: renewed returns g extended to v at now: only a grant in force, only later.
func (s *Service) renewed(op string, g Grant, api API, v Validity, now time.Time) (Grant, error) {
	if !g.InForce(now, api.Generation) {
		return Grant{}, E(op, Conflict, CodeGrantNotInForce, "grant %s is %s: only a grant in force can be renewed", g.ID, g.Status(now, api.Generation))
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
