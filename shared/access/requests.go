package access

import (
	"context"
	"slices"
	"time"
)

// ApplyInput is the body of POST .../applications: app_id, or subject (an APP one
// owns, or the caller as a USER, R22).
type ApplyInput struct {
	AppID       string       `json:"app_id"`
	Subject     *Subject     `json:"subject"`
	Envs        []Env        `json:"envs"`
	Permissions []Permission `json:"permissions"`
	Fields      []string     `json:"fields"`
	Validity    Validity     `json:"validity"`
	Reason      string       `json:"reason"`
	StartTime   *time.Time   `json:"start_time"` // R25: a scheduled start
}

// RequestResult is a request as written and the grants its approval made.
type RequestResult struct {
	Request Request
	Grants  []Grant
}

// R9: ApplyOn submits an application for an API or a unit of the applicant's own
// tenant, by the owner of an app for the app, or by a user for themself (R22). When the
// applicant also reviews the resource it is approved at once and the grants are created
// in the same transaction.
func (s *Service) ApplyOn(ctx context.Context, a Actor, r Resource, in ApplyInput) (RequestResult, error) {
	const op = "request.apply"
	if !r.HasEnv() {
		return RequestResult{}, invalid(op, CodeInvalid, "applications are for APIs and service units")
	}
	t, err := s.visibleTarget(ctx, op, a.Principal, r)
	if err != nil {
		return RequestResult{}, err
	}
	sub, named, err := s.applicant(ctx, op, a.Principal, in)
	if err != nil {
		return RequestResult{}, err
	}
	now := s.now()
	spec, err := s.checkSpec(ctx, op, t, sub, asked{in.Envs, in.Permissions, in.Fields, in.Validity, in.Reason}, now)
	if err != nil {
		return RequestResult{}, err
	}
	if spec, err = withStart(op, spec, in.StartTime, in.Validity, now); err != nil {
		return RequestResult{}, err
	}
	l, err := s.limits(ctx, t)
	if err != nil {
		return RequestResult{}, err
	}
	if _, err := policyCheck(op, l, spec, now); err != nil { // R26: refused now, not at approval
		return RequestResult{}, err
	}
	req := Request{
		ID: newID(now), Kind: RequestApply, Status: RequestPending, TenantID: t.TenantID,
		WorkspaceID: t.WorkspaceID, Resource: t.Resource, Subject: &sub, Envs: slices.Clone(in.Envs),
		Permissions: spec.perms, Fields: spec.fields, Validity: in.Validity, StartTime: spec.start, Reason: in.Reason,
		Requester: a.Sub, RequesterTenant: a.TenantID, CreatedAt: now, Version: 1,
	}
	if r.Type == ResourceAPI {
		req.APIID = r.ID
	}
	if sub.Type == SubjectApp {
		req.AppID = sub.ID
	}
	req = pendingFor(req, l, now)                         // R27
	c := Change{Op: op, Writes: Registered(op, named...)} // R29: the applicant app's workspace
	res := RequestResult{Request: req}
	if selfApproves(t.reviews(a.Principal), l) { // R9: approved at once, where one approval is required (R27)
		res.Request.Status, res.Request.Reviewer, res.Request.DecidedAt = RequestApproved, a.Sub, &now
		res.Request.Approvals = []Approval{{Reviewer: a.Sub, ApprovedAt: now, Reason: in.Reason}}
		if res.Grants, err = s.newGrants(ctx, &c, t, []grantSpec{spec}, a.Sub, now, false); err != nil {
			return RequestResult{}, err
		}
	} else if fails, err := s.grantsInForce(ctx, op, t, []grantSpec{spec}, now); err != nil {
		return RequestResult{}, err
	} else if err := bulkError(fails, false); err != nil {
		return RequestResult{}, err
	}
	c.Writes = append(c.Writes, Write{Request: &res.Request, Cond: Cond{Kind: CondAbsent}})
	c.Audit = append(c.Audit, requestAudit(EventRequestSubmitted, req, a.Sub, in.Reason, now))
	if res.Request.Status == RequestApproved {
		c.Audit = append(c.Audit, requestAudit(EventRequestApproved, res.Request, a.Sub, in.Reason, now))
	}
	if err := s.commit(ctx, a, c, res); err != nil {
		return RequestResult{}, err
	}
	return res, nil
}

// R22: applicant is who an application is for: an app of the caller's tenant that the
// caller owns (app_id, or subject APP), or the caller themself (subject USER); named is
// the workspace an app applicant belongs to (R29).
func (s *Service) applicant(ctx context.Context, op string, p Principal, in ApplyInput) (sub Subject, named []WorkspaceRef, err error) {
	appID := in.AppID
	switch {
	case in.Subject != nil && in.AppID != "":
		return Subject{}, nil, invalid(op, CodeSubject, "name app_id or subject, not both")
	case in.Subject != nil && in.Subject.Type == SubjectUser:
		if err := CheckSubject(op, *in.Subject); err != nil {
			return Subject{}, nil, err
		}
		if in.Subject.ID != p.Sub || in.Subject.TenantID != p.TenantID {
			return Subject{}, nil, E(op, CodeForbidden, "a user applies for themself only")
		}
		return *in.Subject, nil, nil
	case in.Subject != nil && in.Subject.Type == SubjectApp:
		appID = in.Subject.ID
	case in.Subject != nil:
		return Subject{}, nil, invalid(op, CodeSubject, "an application is for an APP or a USER")
	}
	if err := CheckID(op, "app_id", appID); err != nil {
		return Subject{}, nil, err
	}
	app, err := s.Store.GetApp(ctx, appID)
	if err != nil || app.TenantID != p.TenantID {
		return Subject{}, nil, notFoundUnless(op, err, CodeNotFoundApp, "app %s", appID)
	}
	if !p.OwnsApp(app) {
		return Subject{}, nil, E(op, CodeForbidden, "only the owner of app %s may apply for it", app.ID)
	}
	return Subject{Type: SubjectApp, ID: app.ID, TenantID: app.TenantID}, []WorkspaceRef{{TenantID: app.TenantID, ID: app.WorkspaceID}}, nil
}

// R3: grantsInForce reads, in one batch, the slots that specs would fill and returns
// a failing pair for each that holds a grant in force (renew it instead).
// CondReplaceable enforces the same rule on commit; reading first names the grants.
func (s *Service) grantsInForce(ctx context.Context, op string, t target, specs []grantSpec, now time.Time) ([]pairFailure, error) {
	var keys []GrantKey
	for _, spec := range specs {
		for _, env := range spec.envs {
			keys = append(keys, t.slot(env, spec.subject))
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	existing, err := s.Store.GetGrantsAt(ctx, keys)
	if err != nil {
		return nil, err
	}
	var fails []pairFailure
	for _, spec := range specs {
		for _, env := range spec.envs {
			g, ok := grantAt(existing, spec.subject, env)
			if ok && g.Occupies(now, t.Generation) {
				fails = append(fails, failPair(g.Subject, g.Env, g.ID, E(op, CodeGrantExists,
					"a grant in force or scheduled exists for %s %s in %s (%s): renew it instead", g.Subject.Type, g.Subject.ID, g.Env, g.ID)))
			}
		}
	}
	return fails, nil
}

func requestAudit(action string, r Request, actor, reason string, now time.Time) AuditEntry {
	e := AuditEntry{
		ID: newID(now), Action: action, At: now, TenantID: r.TenantID, Actor: actor, APIID: r.APIID,
		AppID: r.AppID, GrantID: r.GrantID, RequestID: r.ID, Reason: reason, Subject: r.Subject,
	}
	if r.Resource.Type != "" && r.Resource.Type != ResourceAPI { // filed under the unit
		res := r.Resource
		e.Resource = &res
	}
	return e
}

// request reads a request visible to p (the API's tenant or the requester's).
func (s *Service) request(ctx context.Context, op string, p Principal, id string) (Request, error) {
	if err := CheckID(op, "request_id", id); err != nil {
		return Request{}, err
	}
	r, err := s.Store.GetRequest(ctx, id)
	if err != nil || !r.visibleTo(p) {
		return Request{}, notFoundUnless(op, err, CodeNotFoundRequest, "request %s", id)
	}
	return r, nil
}

// GetRequest reads a request for its requester or a reviewer of its workspace.
func (s *Service) GetRequest(ctx context.Context, p Principal, id string) (Request, error) {
	const op = "request.get"
	r, err := s.request(ctx, op, p, id)
	if err != nil {
		return Request{}, err
	}
	if r, err = s.followResource(ctx, op, r); err != nil {
		return Request{}, err
	}
	if !r.IsRequester(p) && !p.IsReviewer(r.TenantID, r.WorkspaceID) {
		return Request{}, E(op, CodeForbidden, "only the requester and reviewers may read this request")
	}
	r.Status = r.StatusAt(s.now()) // R27
	return r, nil
}

// followResource sets a pending request's workspace to its resource's current one: a
// request follows its API (or unit) when it moves to another workspace, so that the
// reviewers of the new workspace decide it and the old one's no longer may. A resource
// that is gone leaves the request where it was filed (it can still be rejected there).
func (s *Service) followResource(ctx context.Context, op string, r Request) (Request, error) {
	if r.Status != RequestPending {
		return r, nil
	}
	t, live, err := s.loadTarget(ctx, op, r.Resource)
	switch {
	case ErrorKind(err) == NotFound:
		return r, nil
	case err != nil:
		return Request{}, err
	case live && t.TenantID == r.TenantID:
		r.WorkspaceID = t.WorkspaceID
	}
	return r, nil
}

// decidable reads a PENDING request for a decision by a reviewer (R9).
func (s *Service) decidable(ctx context.Context, op string, a Actor, id, reason string) (Request, error) {
	if err := CheckReason(op, reason); err != nil {
		return Request{}, err
	}
	r, err := s.request(ctx, op, a.Principal, id)
	if err != nil {
		return Request{}, err
	}
	// The deciding workspace is the resource's current one; the decided request is
	// written there, so the listings follow too.
	if r, err = s.followResource(ctx, op, r); err != nil {
		return Request{}, err
	}
	if !a.IsReviewer(r.TenantID, r.WorkspaceID) {
		return Request{}, E(op, CodeForbidden, "only a reviewer of workspace %s may decide this request", r.WorkspaceID)
	}
	if st := r.StatusAt(s.now()); st != RequestPending { // R27: an expired request is decided
		return Request{}, E(op, CodeRequestDecided, "request %s is already %s", r.ID, st)
	}
	if err := checkIfMatch(op, a, r.Version); err != nil { // R27: approvals change a request
		return Request{}, err
	}
	return r, nil
}

// decided returns r as decided by a at now.
func decided(r Request, status RequestStatus, actor, reason string, now time.Time) Request {
	r.Status, r.Reviewer, r.DecidedAt, r.DecisionMsg, r.Version = status, actor, &now, reason, r.Version+1
	return r
}

// approveAttempts bounds how often an approval that lost a race to another approval
// of the same request is read and tried again (R27).
const approveAttempts = 3

// Approve approves a pending request: an application creates its grants, a renewal
// extends its grant (R6, R9); validity counts from now, the moment of approval. Where
// several approvals are required (R27) each but the last is recorded on the request,
// and the last decides it; an approval that lost a race to another is tried again on
// the request as it now stands (so the loser of a race for the last approval answers
// 409 Conflict.RequestDecided, already APPROVED, and exactly one grant is made).
func (s *Service) Approve(ctx context.Context, a Actor, id, reason string) (RequestResult, error) {
	for attempt := 1; ; attempt++ {
		res, raced, err := s.approve(ctx, a, id, reason)
		if !raced || attempt == approveAttempts {
			return res, err
		}
	}
}

func (s *Service) approve(ctx context.Context, a Actor, id, reason string) (_ RequestResult, raced bool, _ error) {
	const op = "request.approve"
	r, err := s.decidable(ctx, op, a, id, reason)
	if err != nil {
		return RequestResult{}, false, err
	}
	now := s.now()
	next, final, err := Approved(op, r, a, reason, now)
	if err != nil {
		return RequestResult{}, false, err
	}
	c := Change{Op: op, Writes: []Write{{Request: &next, Cond: Cond{Kind: CondVersion, Version: r.Version},
		OnFail: E(op, CodeRequestDecided, "request %s was decided meanwhile", r.ID)}}}
	res := RequestResult{Request: next}
	if !final {
		c.Audit = []AuditEntry{requestAudit(EventApprovalRecorded, next, a.Sub, reason, now)}
		err := s.commit(ctx, a, c, res)
		if err != nil {
			return RequestResult{}, IsCode(err, CodeRequestDecided), err
		}
		return res, false, nil
	}
	res, err = s.approveFinal(ctx, op, a, r, c, res, reason, now)
	// The transaction names the first condition that failed: a racing last approval
	// may show as its grant's slot taken (Conflict.GrantExists) rather than as the
	// request's version. Any conflict is tried again on the request as it now stands,
	// which then answers RequestDecided if it was the race.
	return res, ErrorKind(err) == Conflict, err
}

// approveFinal adds to c what the last approval of r does (its grants, or its
// renewal) and commits it with the request decided, in one transaction.
func (s *Service) approveFinal(ctx context.Context, op string, a Actor, r Request, c Change, res RequestResult, reason string, now time.Time) (RequestResult, error) {
	next := res.Request
	t, _, err := s.loadTarget(ctx, op, r.Resource)
	if err != nil {
		return RequestResult{}, err
	}
	switch r.Kind {
	case RequestApply:
		sub := Subject{Type: SubjectApp, ID: r.AppID, TenantID: r.TenantID}
		if r.Subject != nil {
			sub = *r.Subject
		}
		spec, err := s.checkSpec(ctx, op, t, sub, asked{r.Envs, r.Permissions, r.Fields, r.Validity, r.Reason}, now)
		if err != nil {
			return RequestResult{}, err
		}
		if spec, err = withStart(op, spec, startAtApproval(r.StartTime, now), r.Validity, now); err != nil {
			return RequestResult{}, err
		}
		if _, err := s.withinPolicy(ctx, op, t, spec, now); err != nil { // R26, again at approval
			return RequestResult{}, err
		}
		if res.Grants, err = s.newGrants(ctx, &c, t, []grantSpec{spec}, a.Sub, now, false); err != nil {
			return RequestResult{}, err
		}
	case RequestRenew:
		g, err := s.Store.GetGrant(ctx, r.Resource, r.GrantID)
		if err != nil {
			return RequestResult{}, notFoundUnless(op, err, CodeNotFoundGrant, "grant %s", r.GrantID)
		}
		renewed, err := s.renewed(op, g, t.Generation, r.Validity, now)
		if err != nil {
			return RequestResult{}, err
		}
		if err := s.policyAllows(ctx, op, t, now, g.EndTime, renewed, true); err != nil { // R26
			return RequestResult{}, err
		}
		t.name(&renewed)
		c.Writes = append(c.Writes, Write{Grant: &renewed, Cond: Cond{Kind: CondVersion, Version: g.Version}})
		c.Audit = append(c.Audit, grantAudit(EventGrantRenewed, renewed, a.Sub, r.Reason, now))
		res.Grants = []Grant{renewed}
	}
	c.Audit = append(c.Audit, requestAudit(EventRequestApproved, next, a.Sub, reason, now))
	if err := s.commit(ctx, a, c, res); err != nil {
		return RequestResult{}, err
	}
	return res, nil
}

// Reject rejects a pending request (R9).
func (s *Service) Reject(ctx context.Context, a Actor, id, reason string) (Request, error) {
	const op = "request.reject"
	r, err := s.decidable(ctx, op, a, id, reason)
	if err != nil {
		return Request{}, err
	}
	return s.closeRequest(ctx, a, op, r, RequestRejected, EventRequestRejected, reason)
}

// Withdraw withdraws a pending request; only its requester may.
func (s *Service) Withdraw(ctx context.Context, a Actor, id, reason string) (Request, error) {
	const op = "request.withdraw"
	if err := CheckReason(op, reason); err != nil {
		return Request{}, err
	}
	r, err := s.request(ctx, op, a.Principal, id)
	if err != nil {
		return Request{}, err
	}
	if !r.IsRequester(a.Principal) {
		return Request{}, E(op, CodeForbidden, "only the requester may withdraw a request")
	}
	if st := r.StatusAt(s.now()); st != RequestPending {
		return Request{}, E(op, CodeRequestDecided, "request %s is already %s", r.ID, st)
	}
	return s.closeRequest(ctx, a, op, r, RequestWithdrawn, EventRequestWithdrawn, reason)
}

func (s *Service) closeRequest(ctx context.Context, a Actor, op string, r Request, status RequestStatus, event, reason string) (Request, error) {
	now := s.now()
	next := decided(r, status, a.Sub, reason, now)
	if status == RequestWithdrawn {
		next.Reviewer = ""
	}
	c := Change{Op: op, Writes: []Write{{Request: &next, Cond: Cond{Kind: CondVersion, Version: r.Version},
		OnFail: E(op, CodeRequestDecided, "request %s was decided meanwhile", r.ID)}}}
	c.Audit = []AuditEntry{requestAudit(event, next, a.Sub, reason, now)}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Request{}, err
	}
	return next, nil
}
