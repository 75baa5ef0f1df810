package access

import (
	"context"
	"slices"
	"time"
)

// ApplyInput is the body of POST /v1/apis/{api_id}/applications.
type ApplyInput struct {
	AppID       string       `json:"app_id"`
	Envs        []Env        `json:"envs"`
	Permissions []Permission `json:"permissions"`
	Fields      []string     `json:"fields"`
	Validity    Validity     `json:"validity"`
	Reason      string       `json:"reason"`
}

// RequestResult is a request as written and the grants its approval made.
type RequestResult struct {
	Request Request
	Grants  []Grant
}

// R9: Apply submits an application by the owner of an app for an API of the app's own
// tenant (R9). When the applicant also reviews the API's workspace it is approved at
// once and the grants are created in the same transaction.
func (s *Service) Apply(ctx context.Context, a Actor, apiID string, in ApplyInput) (RequestResult, error) {
	const op = "request.apply"
	api, err := s.visibleAPI(ctx, op, a.Principal, apiID)
	if err != nil {
		return RequestResult{}, err
	}
	if err := CheckID(op, "app_id", in.AppID); err != nil {
		return RequestResult{}, err
	}
	app, err := s.Store.GetApp(ctx, in.AppID)
	if err != nil || app.TenantID != a.TenantID {
		return RequestResult{}, notFoundUnless(op, err, CodeNotFoundApp, "app %s", in.AppID)
	}
	if !a.OwnsApp(app) {
		return RequestResult{}, E(op, Forbidden, CodeForbidden, "only the owner of app %s may apply for it", app.ID)
	}
	if api.TenantID != app.TenantID {
		return RequestResult{}, E(op, NotFound, CodeNotFoundAPI, "api %s not found", apiID)
	}
	now := s.now()
	sub := Subject{Type: SubjectApp, ID: app.ID, TenantID: app.TenantID}
	spec, err := s.checkSpec(ctx, op, api, sub, in.Envs, in.Permissions, in.Fields, in.Validity, in.Reason, now)
	if err != nil {
		return RequestResult{}, err
	}
	req := Request{
		ID: newID(now), Kind: RequestApply, Status: RequestPending, TenantID: api.TenantID,
		WorkspaceID: api.WorkspaceID, APIID: api.ID, AppID: app.ID, Envs: slices.Clone(in.Envs),
		Permissions: spec.perms, Fields: spec.fields, Validity: in.Validity, Reason: in.Reason,
		Requester: a.Sub, RequesterTenant: a.TenantID, CreatedAt: now, Version: 1,
	}
	c := Change{Op: op}
	res := RequestResult{Request: req}
	if a.IsReviewer(api.TenantID, api.WorkspaceID) { // R9: approved at once
		res.Request.Status, res.Request.Reviewer, res.Request.DecidedAt = RequestApproved, a.Sub, &now
		if res.Grants, err = s.newGrants(ctx, &c, api, spec, a.Sub, now); err != nil {
			return RequestResult{}, err
		}
	} else if err := s.noGrantInForce(ctx, op, api, spec, now); err != nil {
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

// R3: noGrantInForce refuses a grant or an application for slots that already hold a
// grant in force (renew it instead); CondReplaceable is the same rule on commit. The change's condition enforces the same on commit;
// reading first names the grant in the answer.
func (s *Service) noGrantInForce(ctx context.Context, op string, api API, spec grantSpec, now time.Time) error {
	keys := make([]GrantKey, len(spec.envs))
	for i, env := range spec.envs {
		keys[i] = SlotOf(APIResource(api.ID), env, spec.subject)
	}
	existing, err := s.Store.GetGrantsAt(ctx, keys)
	if err != nil {
		return err
	}
	for _, g := range existing {
		if g.InForce(now, api.Generation) {
			return E(op, Conflict, CodeGrantExists, "a grant in force exists for %s %s in %s (%s): renew it instead", g.Subject.Type, g.Subject.ID, g.Env, g.ID)
		}
	}
	return nil
}

func requestAudit(action string, r Request, actor, reason string, now time.Time) AuditEntry {
	return AuditEntry{
		ID: newID(now), Action: action, At: now, TenantID: r.TenantID, Actor: actor, APIID: r.APIID,
		AppID: r.AppID, GrantID: r.GrantID, RequestID: r.ID, Reason: reason,
	}
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
	if !r.IsRequester(p) && !p.IsReviewer(r.TenantID, r.WorkspaceID) {
		return Request{}, E(op, Forbidden, CodeForbidden, "only the requester and reviewers may read this request")
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
	if !a.IsReviewer(r.TenantID, r.WorkspaceID) {
		return Request{}, E(op, Forbidden, CodeForbidden, "only a reviewer of workspace %s may decide this request", r.WorkspaceID)
	}
	if r.Status != RequestPending {
		return Request{}, E(op, Conflict, CodeRequestDecided, "request %s is already %s", r.ID, r.Status)
	}
	return r, nil
}

// decided returns r as decided by a at now.
func decided(r Request, status RequestStatus, actor, reason string, now time.Time) Request {
	r.Status, r.Reviewer, r.DecidedAt, r.DecisionMsg, r.Version = status, actor, &now, reason, r.Version+1
	return r
}

// Approve approves a pending request: an application creates its grants, a renewal
// extends its grant (R6, R9); validity counts from now, the moment of approval.
func (s *Service) Approve(ctx context.Context, a Actor, id, reason string) (RequestResult, error) {
	const op = "request.approve"
	r, err := s.decidable(ctx, op, a, id, reason)
	if err != nil {
		return RequestResult{}, err
	}
	now := s.now()
	api, err := s.Store.GetAPI(ctx, r.APIID)
	if err != nil {
		return RequestResult{}, notFoundUnless(op, err, CodeNotFoundAPI, "api %s", r.APIID)
	}
	next := decided(r, RequestApproved, a.Sub, reason, now)
	c := Change{Op: op, Writes: []Write{{Request: &next, Cond: Cond{Kind: CondVersion, Version: r.Version},
		OnFail: E(op, Conflict, CodeRequestDecided, "request %s was decided meanwhile", r.ID)}}}
	res := RequestResult{Request: next}
	switch r.Kind {
	case RequestApply:
		sub := Subject{Type: SubjectApp, ID: r.AppID, TenantID: r.TenantID}
		spec, err := s.checkSpec(ctx, op, api, sub, r.Envs, r.Permissions, r.Fields, r.Validity, r.Reason, now)
		if err != nil {
			return RequestResult{}, err
		}
		if res.Grants, err = s.newGrants(ctx, &c, api, spec, a.Sub, now); err != nil {
			return RequestResult{}, err
		}
	case RequestRenew:
		g, err := s.Store.GetGrant(ctx, APIResource(r.APIID), r.GrantID)
		if err != nil {
			return RequestResult{}, notFoundUnless(op, err, CodeNotFoundGrant, "grant %s", r.GrantID)
		}
		renewed, err := s.renewed(op, g, api, r.Validity, now)
		if err != nil {
			return RequestResult{}, err
		}
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
		return Request{}, E(op, Forbidden, CodeForbidden, "only the requester may withdraw a request")
	}
	if r.Status != RequestPending {
		return Request{}, E(op, Conflict, CodeRequestDecided, "request %s is already %s", r.ID, r.Status)
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
		OnFail: E(op, Conflict, CodeRequestDecided, "request %s was decided meanwhile", r.ID)}}}
	c.Audit = []AuditEntry{requestAudit(event, next, a.Sub, reason, now)}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Request{}, err
	}
	return next, nil
}
